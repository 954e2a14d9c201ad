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
from waymark.models import DocumentMeta
from waymark.referral_route import read_referral
from waymark.sentences import split_sentences
from waymark.service_criteria import read_eligibility
from waymark.tokens import any_of

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
_SERVICE_WORDS = any_of(r"eligib\w*", "who (?:can|is it for)", "how to refer", "referrals?")
_LEVELS_OF_NEED = any_of("thresholds?", "levels? of need", "continuum of need")
_EVIDENCE_WORDS = any_of("trial", "evaluation", "study", "studies", "evidence (?:summary|review)",
                         "findings", "meta-analysis")

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           r"december|(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?")
_DATE = (rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}}"
         rf"|\d{{1,2}}[/.]\d{{1,2}}[/.](?:\d{{4}}|\d{{2}}(?!\d))"
         rf"|\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS})\s+\d{{4}}")
# When a document applies from, said outright; and, failing that, when it was issued. A review,
# approval, publication or "last updated" date is neither.
_APPLIES = (r"effective|in(?:to)? (?:force|effect)|takes? effect|with effect|in place|operational|"
            r"appl(?:y|ies)|applicable|valid|current (?:from|as of)|"
            r"(?:specification|policy|protocol|guidance|document|"
            r"framework|agreement|contract) runs|"
            r"start date|commenc\w*|go[- ]?live|live|(?:approved )?for use|in use|"
            r"date of (?:effect|implementation)|implement(?:ation|ed)(?: date)?")
_ISSUED = r"issued|date of issue|dated|date"
# a label and its value, as prose or as a table row read out ("Effective · 1 February 2026")
_SEPARATOR = r"\s*[:\u00b7|\u2013-]?\s*"
# "takes effect from the start of the autumn term on 2 September 2025": a few words may come
# between the label and its date, ending in "from" or "on"; an aside ("Start date (this
# version)") and a weekday ("Monday 8 September 2025") may stand on either side of it
_WHEN = (rf"(?:\s+(?:from|on|date))?(?:\s+of\s+(?:the\s+)?(?:contract|service|agreement|"
         rf"document|policy|guidance|specification))?(?:\s*\([^()\d]{{0,30}}\))?"
         rf"(?:[^.;\d]{{0,60}}?\b(?:from|on)\b)?{_SEPARATOR}"
         rf"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?({_DATE})")
# "week commencing 20 April", "contract end date": when something else happens
_NOT_APPLYING = "(?<!review )(?<!reviewed )(?<!updated )(?<!week )(?<!end )(?<!expiry )"
_EFFECTIVE = re.compile(rf"{_NOT_APPLYING}(?:\b(?:{_APPLIES})\b{_WHEN}"
                        rf"|\bw[./]e[./]f\.?\s*({_DATE}))", re.IGNORECASE)
# the dates of the versions a document replaces are not when it applies
_SUPERSEDED = any_of(r"supersed\w*", "replaces", "previous(?:ly)?", "old version")
_ISSUE_DATE = re.compile(rf"{_NOT_APPLYING}\b(?:{_ISSUED})\b{_WHEN}",
                         re.IGNORECASE)
_VERSION = re.compile(rf"\b(?:version|ver|rev(?:ision)?)\.?\s*(?:number|no\.?)?{_SEPARATOR}"
                      r"v?(\d+(?:\.\d+){0,2})\b|\bv(\d+(?:\.\d+)?)\b(?![/.-]\d)"
                      r"|(?-i:\bRev(?:ision)?\.?\s+([A-Z])\b)"
                      rf"|(?-i:\b(?:Issue|Edition))\s*(?:no\.?)?{_SEPARATOR}(\d+(?:\.\d+)?)\b",
                      re.IGNORECASE)
# a document-control table exported as text: a row of column names, then a row of values
# ("Version Approved Effective" / "1.0 SEND Partnership Board, 12/11/2025 05/01/2026")
_DATE_COLUMN = (r"(?:approved|effective(?: from| date)?|eff\.|implementation(?: date)?|"
                r"date ratified|ratified|replaces|supersedes|review(?: date)?|date)")
_COLUMN = rf"(?:version|ver|rev\.?|approved by|next|{_DATE_COLUMN}|owner|author|status)"
_CONTROL_HEADER = re.compile(rf"^\s*{_COLUMN}(?:\s+{_COLUMN})+\s*$", re.IGNORECASE)
_DATE_COLUMNS = re.compile(rf"\b{_DATE_COLUMN}(?!\w)", re.IGNORECASE)



def propose_metadata(path: Path, extracted: Extracted) -> tuple[DocumentMeta, list[str]]:
    """A draft's metadata, validated like an owner's, with where each field came from."""
    placed = _placed_sentences(extracted)
    kind, kind_from = _kind(path, extracted.text, extracted.shown_title)
    title, title_from = _title(path, extracted)
    fields: dict[str, Any] = {
        "id": _slug(path.stem), "kind": kind, "title": title, "metadata": "draft",
    }
    sources: dict[str, str] = {"id": f"the file name {path.name}", "kind": kind_from,
                               "title": title_from}
    texts = [text for text, _, _ in placed]
    for name, (value, sentence) in _dated(texts + extracted.margins,
                                          [line for line in extracted.text.splitlines()
                                           if line.strip()]).items():
        fields[name] = value
        sources[name] = sentence
    if kind == "service":
        # headings too: a table row read out ("Age range 6–30 months") can look like one
        eligibility, referral = read_eligibility(texts), read_referral(placed)
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
        # justified PDF text spaces its words out ("Parents  and  carers  can  refer")
        placed.append((_SPACES.sub(" ", sentence.text), heading, sentence.is_heading))
    return placed


_SPACES = re.compile(r"[ \t\u00a0]{2,}")


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
        return extracted.shown_title, "the title it shows (its largest type, or a page's h1)"
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


def _dated(sentences: list[str], lines: list[str]) -> dict[str, tuple[Any, str]]:
    """The version and the date the document applies from, from its control table when it has
    one; else the highest version stated, and the first date the document applies from (else
    the first date it was issued)."""
    found: dict[str, tuple[Any, str]] = _control_table(lines)
    stated = [(next(g for g in match.groups() if g), sentence) for sentence in sentences
              for match in _VERSION.finditer(sentence)]
    if stated and "version" not in found:
        # a version history lists the superseded versions too: the current one is the highest
        found["version"] = max(stated, key=lambda item: _version_key(item[0]))
    if "effective" not in found:
        # a two-column table read out puts each label on a line above its value
        texts = [*sentences, *(f"{label} {value}"
                               for label, value in zip(lines, lines[1:], strict=False))]
        dated = next(((day, text) for pattern in (_EFFECTIVE, _ISSUE_DATE) for text in texts
                      if (day := _first_date(pattern, text))), None)
        if dated:
            found["effective"] = (dated[0].isoformat(), dated[1])
    return found


def _first_date(pattern: re.Pattern[str], text: str) -> dt.date | None:
    return next((day for match in pattern.finditer(_before_superseded(text))
                 if (day := _parse_date(next(g for g in match.groups() if g)))), None)


def _before_superseded(sentence: str) -> str:
    """The sentence without what it says about a version this one replaces ("takes effect on
    1 April 2026 and replaces version 3.2, which applied from 1 April 2024"; "This version
    replaces Version 2 (2021) and comes into effect on 1 April 2024"; "(replaces version 1.0,
    approved 10/11/2025)")."""
    pieces = _CLAUSE.split(_SUPERSEDED_ASIDE.sub(" ", sentence))  # clause, separator, ...
    dropping = False
    for i in range(0, len(pieces), 2):
        if cue := _SUPERSEDED.search(pieces[i]):
            pieces[i], dropping = pieces[i][:cue.start()], True
        elif dropping and _GOES_ON.match(pieces[i]):  # "which applied from ..."
            pieces[i] = ""
        else:
            dropping = False
    return "".join(pieces)


_SUPERSEDED_ASIDE = re.compile(rf"\([^()]*{_SUPERSEDED.pattern}[^()]*\)", re.IGNORECASE)
_CLAUSE = re.compile(r"(\s*(?:[,;\n]|\s(?:and|but)\s)\s*)")
_GOES_ON = re.compile(r"(?:which|that|when|who)\b", re.IGNORECASE)


def _version_key(version: str) -> tuple[int, ...]:
    # "Rev B" after "Rev A": a letter counts as its place in the alphabet
    return tuple(int(part) if part.isdigit() else ord(part.upper()) - 64
                 for part in version.split("."))


def _control_table(lines: list[str]) -> dict[str, tuple[Any, str]]:
    """Version and effective date from a control table whose column names and values were
    read out as two lines."""
    for header, row in zip(lines, lines[1:], strict=False):
        if not _CONTROL_HEADER.match(header):
            continue
        columns = header.lower().split()
        found: dict[str, tuple[Any, str]] = {}
        version = re.match(r"\s*(\d+(?:\.\d+){0,2})\b", row)
        if columns[0].startswith(("ver", "rev")) and version:
            found["version"] = (version.group(1), f"{header} {row}")
        dates = [d for m in re.finditer(_DATE, row, re.IGNORECASE)
                 if (d := _parse_date(m.group()))]
        date_columns = _DATE_COLUMNS.findall(header.lower())
        applies = [i for i, c in enumerate(date_columns)
                   if c.startswith(("eff", "implementation"))]
        if applies and len(dates) == len(date_columns):
            found["effective"] = (dates[applies[0]].isoformat(), f"{header} {row}")
        if found:
            return found
    return {}


_FULL_MONTH = {name[:3]: name for name in _MONTHS.split("|")[:12]}
_SHORT_MONTH = re.compile(r"\b(jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?", re.IGNORECASE)


def _parse_date(text: str) -> dt.date | None:
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", " ".join(text.split()))
    text = _SHORT_MONTH.sub(lambda m: _FULL_MONTH[m.group(1).lower()[:3]], text)
    for pattern in ("%d %B %Y", "%d/%m/%Y", "%d.%m.%Y", "%d/%m/%y", "%d.%m.%y", "%Y-%m-%d",
                    "%B %Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
