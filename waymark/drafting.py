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
_EVIDENCE_WORDS = re.compile(r"\b(?:trial|evaluation|study|studies|evidence (?:summary|review)|"
                             r"findings|meta-analysis)\b", re.IGNORECASE)

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december")
_DATE = (rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{4}}"
         rf"|\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS})\s+\d{{4}}")
_EFFECTIVE = re.compile(rf"\b(?:effective|in (?:force|effect)|published|issued|approved|"
                        rf"date of issue|dated?|applies|applicable|valid|start date|"
                        rf"commenc\w*)\b(?:\s+(?:from|on|date))?\s*:?\s*({_DATE})",
                        re.IGNORECASE)
_VERSION = re.compile(r"\bversion\s*(?:number|no\.?)?\s*:?\s*(\d+(?:\.\d+){0,2})\b|\bv(\d+\.\d+)\b",
                      re.IGNORECASE)

_N = rf"(\d{{1,2}}|{NUMBER_WORD})"
_AGE_RANGE = re.compile(rf"\b(?:aged|ages|age)\s+(?:from\s+|between\s+)?{_N}\s*(?:years?\s*)?"
                        rf"(?:to|-|\u2013|and|until)\s*{_N}\b", re.IGNORECASE)
_AGE_UNDER = re.compile(rf"\bunder(?:\s+the\s+age\s+of)?[\s-]+{_N}s?\b|\b{_N}\s*and\s+under\b",
                        re.IGNORECASE)
_AGE_BIRTHDAY = re.compile(r"\b(?:up to|until|before)\s+(?:their|the child's|his or her)\s+"
                           r"(\d{1,2})(?:st|nd|rd|th)\s+birthday\b", re.IGNORECASE)
_CHILDREN = re.compile(r"\b(?:child|children|young (?:people|person)|babies|baby|toddlers?|"
                       r"pupils?|under[\s-]\w+s\b|\d+s\b|teenagers?|families)\b", re.IGNORECASE)
# An age in "young parents aged 16 to 24" is the parents': who the words before it name.
_PARENT_BEFORE = re.compile(r"\b(?:parents?|mums?|mothers?|dads?|fathers?|carers?|women|men|"
                            r"adults?)\W+(?:\w+\W+){0,2}$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|no|cannot|can't|unable|excluded?|except)\b|n't\b",
                       re.IGNORECASE)
_PREGNANT = re.compile(r"\bpregnan\w*|\bexpectant\b|\bexpecting a baby\b|\bantenatal\b",
                       re.IGNORECASE)
_PLACE = re.compile(r"\b(?:liv(?:e|es|ing)|resident|based|postcodes?|districts?|covers?|"
                    r"areas?)\b", re.IGNORECASE)
_CONSENT = re.compile(r"\b(?:consent|agree(?:s|ment)?|permission)\b", re.IGNORECASE)
_SELF_REFERRAL = re.compile(r"\bself[- ]refer\w*|\brefer themselves\b|\bno referral (?:is )?"
                            r"needed\b|\bjust (?:turn|drop) (?:up|in)\b|\bfamilies can (?:contact|"
                            r"call|ring|email)\b", re.IGNORECASE)
_REFERRAL = re.compile(r"\brefer\w*\b.*\b(?:form|portal|online|email|call|phone|ring|"
                       r"through|via|using)\b", re.IGNORECASE)
MAX_ROUTE_WORDS = 30


def propose_metadata(path: Path, extracted: Extracted) -> tuple[DocumentMeta, list[str]]:
    """A draft's metadata, validated like an owner's, with where each field came from."""
    sentences = [s.text for s in split_sentences(extracted.text) if not s.is_heading]
    kind, kind_from = _kind(path, extracted.text)
    title, title_from = _title(path, extracted)
    fields: dict[str, Any] = {
        "id": _slug(path.stem), "kind": kind, "title": title, "metadata": "draft",
    }
    sources: dict[str, str] = {"id": f"the file name {path.name}", "kind": kind_from,
                               "title": title_from}
    for name, (value, sentence) in _dated(sentences).items():
        fields[name] = value
        sources[name] = sentence
    if kind == "service":
        eligibility, referral = _eligibility(sentences), _referral(sentences)
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


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug[:120] or "document"


def _kind(path: Path, text: str) -> tuple[str, str]:
    for folder in reversed(path.parent.parts):
        kind = _KIND_FOLDERS.get(folder.lower())
        if kind:
            return kind, f"the folder {folder}/"
    if len(_SERVICE_WORDS.findall(text)) >= 2:
        return "service", "the text, which describes eligibility and referral"
    if len(_EVIDENCE_WORDS.findall(text)) >= 2:
        return "evidence", "the text, which reports studies"
    return "guidance", "nothing said otherwise (guidance is the default)"


def _title(path: Path, extracted: Extracted) -> tuple[str, str]:
    """The visible title: the first heading of a structured document (Word, HTML, Markdown),
    the opening line of a PDF; the file's own properties only when neither gives one (they
    are often a template's)."""
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
    found: dict[str, tuple[Any, str]] = {}
    for sentence in sentences:
        if "version" not in found and (match := _VERSION.search(sentence)):
            found["version"] = (match.group(1) or match.group(2), sentence)
        if "effective" not in found and (match := _EFFECTIVE.search(sentence)):
            day = _parse_date(match.group(1))
            if day:
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


def _number(text: str) -> int:
    return int(text) if text.isdigit() else number_value(text) or 0


def _eligibility(sentences: list[str]) -> dict[str, tuple[Any, str]]:
    found: dict[str, tuple[Any, str]] = {}
    for sentence in sentences:
        for whose, age in _ages(sentence):
            if whose not in found:
                found[whose] = (age, sentence)
        if "pregnancy" not in found and _PREGNANT.search(sentence):
            found["pregnancy"] = ("excluded" if _NEGATION.search(sentence) else "required",
                                  sentence)
        districts = DISTRICT_IN_TEXT.findall(sentence)
        if "areas" not in found and districts and _PLACE.search(sentence):
            found["areas"] = (list(dict.fromkeys(districts)), sentence)
        if "consent_required" not in found and _CONSENT.search(sentence):
            found["consent_required"] = (True, sentence)
    return found


def _ages(sentence: str) -> list[tuple[str, dict[str, float]]]:
    """Each age range the sentence states, as ("child_age" or "parent_age", range): whose it is
    is read from the words just before it."""
    found: list[tuple[int, dict[str, float]]] = []
    for match in _AGE_RANGE.finditer(sentence):
        found.append((match.start(), {"min_years": _number(match.group(1)),
                                      "max_years": _number(match.group(2))}))
    for match in _AGE_BIRTHDAY.finditer(sentence):
        found.append((match.start(), {"max_years": int(match.group(1)) - 0.01}))
    for match in _AGE_UNDER.finditer(sentence):
        found.append((match.start(), {"max_years": _number(match.group(1) or match.group(2))
                                      - 0.01}))
    ages = []
    for start, age in sorted(found, key=lambda item: item[0]):
        before = sentence[max(0, start - 40):start]
        if _PARENT_BEFORE.search(before):
            ages.append(("parent_age", age))
        elif _CHILDREN.search(sentence):
            ages.append(("child_age", age))
    return ages


def _referral(sentences: list[str]) -> dict[str, tuple[Any, str]]:
    found: dict[str, tuple[Any, str]] = {}
    for sentence in sentences:
        if "self_referral" not in found and (match := _SELF_REFERRAL.search(sentence)):
            rest = sentence[:match.start()] + sentence[match.end():]  # "no referral needed"
            found["self_referral"] = (not _NEGATION.search(rest), sentence)
        if "route" not in found and _REFERRAL.search(sentence) \
                and len(sentence.split()) <= MAX_ROUTE_WORDS:
            found["route"] = (" ".join(sentence.split()), sentence)
    return found
