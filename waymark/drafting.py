"""Metadata proposed for a document that came without any: a draft.

A content owner's Word files, PDFs and saved pages go in as they are. Waymark proposes what it
can read from the file itself — the id from its name, the kind from its folder or content, the
title from its properties or first heading, a version and an effective date when the text states
them, and for a service the structured eligibility (ages, postcode districts, consent) and the
referral route — each with the sentence it came from (`proposed_from`). Owner and review date
stay empty: only the owner knows them. A draft is answered from and cited like any document, but
says "metadata not yet confirmed" until the owner confirms it (`waymark metadata confirm`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from waymark.errors import DocumentError
from waymark.metadata import validate_meta
from waymark.models import DISTRICT_IN_TEXT, DocumentMeta
from waymark.sentences import split_sentences
from waymark.tokens import NUMBER_WORD, number_value

if TYPE_CHECKING:
    from waymark.loaders.base import Extracted

UNCONFIRMED = "metadata not yet confirmed"

# A folder named for a kind says what its documents are.
_KIND_FOLDERS = {
    "service": "service", "services": "service", "service-specifications": "service",
    "evidence": "evidence", "research": "evidence", "evidence-summaries": "evidence",
    "guidance": "guidance", "guides": "guidance", "procedures": "guidance",
    "policies": "guidance", "practice-guidance": "guidance",
}
_SERVICE_WORDS = re.compile(r"\b(?:eligib\w*|who (?:can|is it for)|how to refer|referrals?)\b",
                            re.IGNORECASE)
_LEVELS_OF_NEED = re.compile(r"\b(?:thresholds?|levels? of need|continuum of need)\b",
                             re.IGNORECASE)
_EVIDENCE_WORDS = re.compile(r"\b(?:trial|evaluation|study|studies|evidence (?:summary|review)|"
                             r"findings|meta-analysis)\b", re.IGNORECASE)

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december")
_DATE = (rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{4}}"
         rf"|\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS})\s+\d{{4}}")
# When a document applies from, said outright; and, failing that, when it was issued. A review
# or "last updated" date is neither.
_APPLIES = (r"effective|in (?:force|effect)|takes? effect|applies|applicable|valid|start date|"
            r"commenc\w*|go[- ]?live|live|(?:approved )?for use|in use")
_ISSUED = r"published|issued|approved|date of issue|dated|date"
_WHEN = rf"(?:\s+(?:from|on|date))?\s*:?\s*({_DATE})"
_EFFECTIVE = re.compile(rf"(?<!review )(?<!reviewed )(?<!updated )\b(?:{_APPLIES})\b{_WHEN}",
                        re.IGNORECASE)
_ISSUE_DATE = re.compile(rf"(?<!review )(?<!reviewed )(?<!updated )\b(?:{_ISSUED})\b{_WHEN}",
                         re.IGNORECASE)
_VERSION = re.compile(r"\bversion\s*(?:number|no\.?)?\s*:?\s*(\d+(?:\.\d+){0,2})\b|\bv(\d+\.\d+)\b"
                      r"|(?-i:\bIssue)\s*(?:no\.?)?\s*:?\s*(\d+(?:\.\d+)?)\b", re.IGNORECASE)

_N = rf"(\d{{1,2}}|{NUMBER_WORD})"
_UNIT = r"\s*(months?|mths?|years?|yrs?)?"
_AGE_RANGE = re.compile(rf"\b(?:aged|ages|age)\s+(?:from\s+|between\s+)?{_N}\s*(?:years?\s*)?"
                        rf"(?:to|-|\u2013|and|until)\s*{_N}{_UNIT}\b", re.IGNORECASE)
# "young people 11 to 18": a range straight after the people it is about (figures only: "young
# people one to one" is not an age)
_PEOPLE_RANGE = re.compile(r"\b(?:young people|children|pupils|teenagers|babies|toddlers)\s+"
                           r"(\d{1,2})\s*(?:to|-|\u2013)\s*(\d{1,2})(\s*(?:months?|years?))?\b",
                           re.IGNORECASE)
_AGE_UNDER = re.compile(rf"\bunder(?:\s+the\s+age\s+of)?[\s-]+{_N}s?{_UNIT}\b"
                        rf"|\b{_N}{_UNIT}\s*and\s+under\b", re.IGNORECASE)
_AGE_FROM = re.compile(rf"\b(?:from|aged)\s+(?:the\s+age\s+of\s+)?{_N}(?!\d){_UNIT}"
                       rf"(?:\s+(?:and|or)\s+(?:over|older|above)\b"
                       rf"|(?!\s*(?:to|-|\u2013|and|until|or)\b))", re.IGNORECASE)
_AGE_OVER = re.compile(rf"\bover\s+(?:the\s+age\s+of\s+)?{_N}\b", re.IGNORECASE)
# "from Reception up to the end of Year 6": school years as ages (Reception starts at 4, a
# pupil ends Year N aged N + 5)
_SCHOOL_YEARS = re.compile(r"\b(reception|year\s+(\d{1,2}))\b[^.;]{0,20}?\b(?:to|until|up to|-|"
                           r"\u2013)\s+(?:the\s+end\s+of\s+)?year\s+(\d{1,2})\b", re.IGNORECASE)
_AGE_BIRTHDAY = re.compile(r"\b(?:up to|until|before)\s+(?:their|the child's|his or her)\s+"
                           r"(\d{1,2})(?:st|nd|rd|th)\s+birthday\b", re.IGNORECASE)
_CHILD_WORDS = (r"child|children|young (?:people|person|carers?)|babies|baby|toddlers?|pupils?|"
                r"under[\s-]\w+s|\d+s|teenagers?|families")
_CHILDREN = re.compile(rf"\b(?:{_CHILD_WORDS})\b", re.IGNORECASE)
# An age in "young parents aged 16 to 24" is the parents', in "parents of children aged 3 to 11"
# the children's: the person named nearest before it says whose.
_PERSON_BEFORE = re.compile(rf"\b(?:(?P<child>{_CHILD_WORDS})|(?P<parent>parents?|mums?|"
                            rf"mothers?|dads?|fathers?|carers?|women|men|adults?))\b",
                            re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|no|cannot|can't|unable|excluded?|except)\b|n't\b",
                       re.IGNORECASE)
_PREGNANT = re.compile(r"\bpregnan\w*|\bexpectant\b|\bexpecting a baby\b|\bantenatal\b",
                       re.IGNORECASE)
# "Expectant parents can use the service too", "expectant parents and parents of babies": one
# group among others, not a condition
_ALSO = re.compile(r"\b(?:too|also|as well|welcome|including|and parents of|or parents of)\b",
                   re.IGNORECASE)
# a sentence saying who the service is for (not "Pregnancy brings big changes")
_FOR_WHOM = re.compile(r"\b(?:for|eligib\w*|must|only|who (?:are|is)|open to|aimed at|criteria|"
                       r"excluded?|not|cannot|can't|works? with|referr\w*)\b", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:liv(?:e|es|ing)|resident|based|postcodes?|districts?|covers?|"
                    r"areas?)\b", re.IGNORECASE)
_CONSENT = re.compile(r"\b(?:consent|permission)\b|\bagree(?:s|d)? to (?:the |a |being )?"
                      r"(?:referr\w*|refer|take part|taking part|support|sharing|share|"
                      r"information)\b|\bagreement\b", re.IGNORECASE)
_NO_NEED = re.compile(r"\b(?:don't|do not|does not|doesn't|no) need\b", re.IGNORECASE)
_SELF_REFERRAL = re.compile(r"\bself[- ]refer\w*|\brefer (?:themselves|(?:their|your) (?:child|"
                            r"family)) directly\b|\brefer themselves\b|\bno referral (?:is )?"
                            r"needed\b|\b(?:turn|drop) (?:up|in)\b|\bcome along\b|\bbook (?:their|"
                            r"your) own\b|\bfamilies can (?:contact|call|ring|email)\b"
                            r"|\b(?:get in touch|contact us|call us|ring us|email us)\s+"
                            r"(?:directly|themselves|yourself)\b"
                            r"|\b(?:call|contact|ring) us themselves\b",
                            re.IGNORECASE)
_REFERRAL = re.compile(r"\brefer\w*\b.*\b(?:form|portal|online|email|call|phone|ring|"
                       r"through|via|using)\b", re.IGNORECASE)
MAX_ROUTE_WORDS = 30
NEGATION_WORDS = 3  # how far before a cue a negation still belongs to it


def propose_metadata(path: Path, extracted: Extracted) -> tuple[DocumentMeta, list[str]]:
    """A draft's metadata, validated like an owner's, with where each field came from."""
    placed = _placed_sentences(extracted)
    sentences = [text for text, _, is_heading in placed if not is_heading]
    kind, kind_from = _kind(path, extracted.text, extracted.shown_title)
    title, title_from = _title(path, extracted)
    fields: dict[str, Any] = {
        "id": _slug(path.stem), "kind": kind, "title": title, "metadata": "draft",
    }
    sources: dict[str, str] = {"id": f"the file name {path.name}", "kind": kind_from,
                               "title": title_from}
    for name, (value, sentence) in _dated([text for text, _, _ in placed]
                                          + extracted.margins).items():
        fields[name] = value
        sources[name] = sentence
    if kind == "service":
        eligibility, referral = _eligibility(sentences), _referral(placed)
        fields["eligibility"] = {k: v for k, (v, _) in eligibility.items()}
        fields["referral"] = {k: v for k, (v, _) in referral.items()}
        sources.update({f"eligibility.{k}": s for k, (_, s) in eligibility.items()})
        sources.update({f"referral.{k}": s for k, (_, s) in referral.items()})
    fields["proposed_from"] = sources
    try:
        meta, warnings = validate_meta(fields, path)
    except DocumentError as exc:  # a proposal that does not hold ("aged 19 to 11"): left out
        fields = {k: v for k, v in fields.items() if k not in ("eligibility", "referral")}
        fields["proposed_from"] = {k: v for k, v in sources.items()
                                   if not k.startswith(("eligibility.", "referral."))}
        meta, warnings = validate_meta(fields, path)
        warnings.append(f"{path}: the eligibility read from the text is not valid ({exc}); "
                        "it is left for the owner to fill in")
    warnings = [w for w in warnings if "recommended field" not in w]
    warnings.append(f"{path}: no front matter or sidecar, ingested as a draft ({UNCONFIRMED}); "
                    f"review it with `waymark metadata show {fields['id']}` and confirm it")
    return meta, warnings


def _placed_sentences(extracted: Extracted) -> list[tuple[str, str, bool]]:
    """Each sentence (headings too, for dates set out as one: "Effective from 6 January 2026"),
    with the heading it stands under and whether it is one."""
    placed = []
    for sentence in split_sentences(extracted.text):
        block = next((b for b in extracted.blocks if b.start <= sentence.start < b.end), None)
        heading = block.section[-1] if block and block.section else ""
        placed.append((sentence.text, heading, sentence.is_heading))
    return placed


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug[:120] or "document"


def _kind(path: Path, text: str, shown_title: str | None) -> tuple[str, str]:
    """From the folder; but a levels-of-need framework is the threshold guidance wherever it
    is filed (a generic guidance folder often holds it)."""
    opening = shown_title or next((line for line in text.splitlines() if line.strip()), "")
    for folder in reversed(path.parent.parts):
        kind = _KIND_FOLDERS.get(folder.lower())
        if kind == "guidance" and _LEVELS_OF_NEED.search(opening):
            return "threshold", f"its title, {opening.strip()!r}, names levels of need"
        if kind:
            return kind, f"the folder {folder}/"
    if _LEVELS_OF_NEED.search(opening):
        return "threshold", f"its title, {opening.strip()!r}, names levels of need"
    if len(_SERVICE_WORDS.findall(text)) >= 2:
        return "service", "the text, which describes eligibility and referral"
    if len(_EVIDENCE_WORDS.findall(text)) >= 2:
        return "evidence", "the text, which reports studies"
    return "guidance", "nothing said otherwise (guidance is the default)"


def _title(path: Path, extracted: Extracted) -> tuple[str, str]:
    """The visible title: the first heading of a structured document (Word, HTML, Markdown),
    the opening line of a PDF; the file's own properties only when neither gives one (they
    are often a template's)."""
    if extracted.shown_title:
        return extracted.shown_title, "the largest type at its start"
    if extracted.pages is None:
        heading = next((b.section[0] for b in extracted.blocks if b.section), None)
        if heading:
            return heading, "its first heading"
    first = _opening_line(extracted.text)
    if first:
        return first, "its first line"
    if extracted.title and extracted.title.strip():
        return _SITE_SUFFIX.sub("", extracted.title.strip()), "the file's properties"
    return path.stem.replace("_", " ").replace("-", " "), "the file name"


_SITE_SUFFIX = re.compile(r"\s+[|\u2013\u2014-]\s+[^|\u2013\u2014-]+$")  # "Title | Council"
_UNFINISHED = re.compile(r"(?:\b(?:and|of|the|for|in|to|with|a)|[,:\u2013-])$", re.IGNORECASE)
MAX_TITLE_WORDS = 15


def _opening_line(text: str) -> str | None:
    """The first line, joined with the next when it stops mid-phrase (a title wrapped across
    two lines of a PDF)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    title = lines[0]
    if _UNFINISHED.search(title) and len(lines) > 1:
        title = f"{title} {lines[1]}"
    return title if len(title.split()) <= MAX_TITLE_WORDS else None


def _dated(sentences: list[str]) -> dict[str, tuple[Any, str]]:
    """The first version stated, and the first date the document applies from (else the first
    date it was issued)."""
    found: dict[str, tuple[Any, str]] = {}
    for sentence in sentences:
        if "version" not in found and (match := _VERSION.search(sentence)):
            found["version"] = (next(g for g in match.groups() if g), sentence)
    for pattern in (_EFFECTIVE, _ISSUE_DATE):
        for sentence in sentences:
            day = next((d for m in pattern.finditer(sentence) if (d := _parse_date(m.group(1)))),
                       None)
            if day and "effective" not in found:
                found["effective"] = (day.isoformat(), sentence)
    return found


def _parse_date(text: str) -> dt.date | None:
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", " ".join(text.split()))
    for pattern in ("%d %B %Y", "%d/%m/%Y", "%Y-%m-%d", "%B %Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _in_years(unit: str | None) -> float:
    return 1 / 12 if unit and unit.lower().startswith("m") else 1.0


def _number(text: str) -> int:
    return int(text) if text.isdigit() else number_value(text) or 0


def _eligibility(sentences: list[str]) -> dict[str, tuple[Any, str]]:
    found: dict[str, tuple[Any, str]] = {}
    for sentence in sentences:
        for whose, age in _ages(sentence):
            if whose not in found:
                found[whose] = (age, sentence)
            else:  # "aged 8 and over" ... "not over 16": one range from two sentences
                known, source = found[whose]
                merged = {**age, **known}
                if merged != known and merged.get("min_years", 0) <= merged.get(
                        "max_years", float("inf")):
                    found[whose] = (merged, f"{source} {sentence}")
        if "pregnancy" not in found and _PREGNANT.search(sentence) \
                and _FOR_WHOM.search(sentence) and not _ALSO.search(sentence):
            found["pregnancy"] = ("excluded" if _NEGATION.search(sentence) else "required",
                                  sentence)
        districts = _districts(sentence)
        if "areas" not in found and _WHOLE_AREA.search(sentence) and _FOR_WHOM.search(sentence):
            found["areas"] = ([], sentence)
        elif "areas" not in found and districts and (_PLACE.search(sentence)
                                                     or len(districts) >= 2):
            found["areas"] = (districts, sentence)
        if "consent_required" not in found and (match := _CONSENT.search(sentence)):
            negated = _negated_before(sentence, match.start()) \
                or bool(_NO_NEED.search(sentence[:match.start()]))
            found["consent_required"] = (not negated, sentence)
    return found


_FULL_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s+\d[A-Z]{2}\b")
# "anywhere in Kestrel Cross", "all Marlow postcodes", "across the borough": no area limit
_WHOLE_AREA = re.compile(r"\b(?:anywhere in|all (?:of )?(?:the )?[A-Z][\w ]{0,30}?postcodes|"
                         r"(?:across|throughout) the (?:whole )?(?:borough|county|city|district)|"
                         r"borough-wide|county-wide|citywide|city-wide)\b", re.IGNORECASE)
_DISTRICT_RANGE = re.compile(r"\b([A-Z]{1,2})(\d{1,2})\s*(?:-|\u2013|to)\s*(?:\1)?(\d{1,2})\b")


def _districts(sentence: str) -> list[str]:
    """Postcode districts in the order named, a range ("BV1-BV4", "BV5 to BV8") spelt out;
    full postcodes (an address: "KX4 7LP") left out."""
    sentence = _FULL_POSTCODE.sub(" ", sentence)
    found: list[str] = []
    cursor = 0
    for match in _DISTRICT_RANGE.finditer(sentence):
        found += DISTRICT_IN_TEXT.findall(sentence[cursor:match.start()])
        area, low, high = match.group(1), int(match.group(2)), int(match.group(3))
        found += [f"{area}{n}" for n in range(low, high + 1)] if low < high else \
            DISTRICT_IN_TEXT.findall(match.group())
        cursor = match.end()
    found += DISTRICT_IN_TEXT.findall(sentence[cursor:])
    return list(dict.fromkeys(found))


def _negated_before(sentence: str, start: int) -> bool:
    """A negation among the few words just before `start` ("no consent form", "cannot refer")."""
    before = sentence[:start].split()[-NEGATION_WORDS:]
    return bool(_NEGATION.search(" ".join(before)))


def _ages(sentence: str) -> list[tuple[str, dict[str, float]]]:
    """Each age bound the sentence states, as ("child_age" or "parent_age", bounds): whose it
    is is read from the words just before it."""
    found: list[tuple[int, dict[str, float]]] = []
    taken: list[range] = []

    def add(match: re.Match[str], bounds: dict[str, float], at: int | None = None) -> None:
        if not any(match.start() in span for span in taken):
            found.append((match.start() if at is None else at, bounds))
            taken.append(range(match.start(), match.end()))

    for pattern in (_AGE_RANGE, _PEOPLE_RANGE):
        for match in pattern.finditer(sentence):
            scale = _in_years(match.group(3))
            add(match, {"min_years": _number(match.group(1)) * scale,
                        "max_years": _number(match.group(2)) * scale},
                at=match.start(1) if pattern is _PEOPLE_RANGE else None)
    for match in _SCHOOL_YEARS.finditer(sentence):
        first = 4 if match.group(1).lower() == "reception" else int(match.group(2)) + 4
        add(match, {"min_years": first, "max_years": int(match.group(3)) + 5})
    for match in _AGE_BIRTHDAY.finditer(sentence):
        add(match, {"max_years": int(match.group(1)) - 0.01})
    for match in _AGE_UNDER.finditer(sentence):
        number, unit = (match.group(1), match.group(2)) if match.group(1) else \
            (match.group(3), match.group(4))
        add(match, {"max_years": _number(number) * _in_years(unit) - 0.01})
    for match in _AGE_FROM.finditer(sentence):
        add(match, {"min_years": _number(match.group(1)) * _in_years(match.group(2))})
    for match in _AGE_OVER.finditer(sentence):
        if _NEGATION.search(sentence[:match.start()]):  # "cannot accept ... over 16"
            add(match, {"max_years": _number(match.group(1))})
    ages = []
    for start, age in sorted(found, key=lambda item: item[0]):
        named = list(_PERSON_BEFORE.finditer(sentence[max(0, start - 40):start]))
        if named and named[-1].group("parent"):
            ages.append(("parent_age", age))
        elif _CHILDREN.search(sentence):
            ages.append(("child_age", age))
    return ages


_ROUTE_HEADING = re.compile(r"\b(?:how to|refer\w*|book\w*|access\w*|contact)\b",
                            re.IGNORECASE)
_WHO = re.compile(r"\bwho\b", re.IGNORECASE)
_PROFESSIONAL = re.compile(r"\b(?:professionals?|practitioners?|partners?|refer\w*|submit)\b",
                           re.IGNORECASE)


def _referral(placed: list[tuple[str, str, bool]]) -> dict[str, tuple[Any, str]]:
    """The route: the first sentence under a "How to refer" (book, access...) heading that is
    not about referring oneself; failing that, the first sentence that says how to refer."""
    found: dict[str, tuple[Any, str]] = {}
    sentences = [text for text, _, is_heading in placed if not is_heading]
    under = [text for text, heading, is_heading in placed
             if not is_heading and _ROUTE_HEADING.search(heading) and not _WHO.search(heading)
             and len(text.split()) <= MAX_ROUTE_WORDS]
    # a family's own way in leads, unless a way for professionals follows it
    professional = [t for t in under if _PROFESSIONAL.search(t) and not _NEGATION.search(t)
                    and not _SELF_REFERRAL.search(t)]
    if under:
        route = professional[0] if _SELF_REFERRAL.search(under[0]) and professional \
            else under[0]
        found["route"] = (" ".join(route.split()), route)
    for sentence in sentences:
        if "self_referral" not in found and (match := _SELF_REFERRAL.search(sentence)):
            found["self_referral"] = (not _negated_before(sentence, match.start()), sentence)
        if "route" not in found and _REFERRAL.search(sentence) \
                and len(sentence.split()) <= MAX_ROUTE_WORDS:
            found["route"] = (" ".join(sentence.split()), sentence)
    return found
