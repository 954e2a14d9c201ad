"""Family facts from a worker's free text, without an LLM.

Ages ("4yo", "aged 15", "twins of 18 months", "mum, 19"), pregnancy ("30 weeks pregnant",
"baby due in March"), postcodes and districts, consent, a stated level, and needs through the
taxonomy's phrases (negated and past mentions do not count). What the text does not state stays
unknown. Each fact keeps the words it came from, so the worker can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from waymark.family import Child, Family, Parent
from waymark.models import Taxonomy
from waymark.phrases import PhraseIndex

NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b(?=[\s-]*(?:years?|yrs?|yo|"
                          r"months?|mths?|weeks?|wks?|days?|-year|year-old))", re.I)

PARENT_WORDS = r"mum|mom|mam|mother|dad|father|parent|parents|stepdad|step-dad|stepmum|" \
               r"step-mum|carer|gran|nan|grandmother|grandfather|grandad|partner|boyfriend|" \
               r"girlfriend|aunt|uncle"
CHILD_WORDS = r"son|daughter|child|children|kid|kids|boy|girl|baby|babies|toddler|twins?|" \
              r"triplets|brother|sister|sibling|siblings|teen|teenager|young person|infant|" \
              r"newborn|he|she|him|her|yp|pupil"
_UNIT = r"(?P<unit>years?|yrs?|yo|y/o|y\.o\.|months?|mths?|mos?|weeks?|wks?|days?)"
_NUM = r"(?P<num>\d{1,2}(?:\.\d)?)"
_AGE = re.compile(rf"\b{_NUM}\s*-?\s*{_UNIT}(?:\s*-?\s*old)?\b", re.I)
_AGED = re.compile(rf"\baged?\s+(?:about\s+|nearly\s+|almost\s+)?{_NUM}(?:\s*{_UNIT})?\b", re.I)
_PARENT_AGE = re.compile(rf"\b(?P<who>{PARENT_WORDS})\b\s*(?:is|,|\(|-|aged|who is|age)?\s*"
                         rf"\(?\s*(?P<num>\d{{2}})\b(?!\s*(?:weeks?|wks?|months?|%))", re.I)
_MULTIPLE = re.compile(r"\b(?P<kind>twins|triplets)\b", re.I)
# "children are 6 and 10", "aged 2 and 4", "kids 3, 5 and 9"
_AGE_LIST = re.compile(r"\b(?:(?:children|kids|boys|girls|sons|daughters|siblings)\s+(?:are\s+|"
                       r"aged\s+|of\s+)?|aged\s+|ages\s+)(?P<list>\d{1,2}(?:\.\d)?(?:\s*(?:,|and|&)"
                       r"\s*\d{1,2}(?:\.\d)?)+)\b(?!\s*(?:weeks?|months?|mths?))", re.I)
# "he is 2", "she's 14"
_PRONOUN_AGE = re.compile(r"\b(?:he|she)(?:'s|\s+is)\s+(?:now\s+)?(?P<num>\d{1,2})\b"
                          r"(?!\s*(?:weeks?|wks?|months?|%|am|pm))", re.I)
_DURATION_BEFORE = {"for", "past", "last", "over", "within", "sober", "clean", "after", "since",
                    "in", "every", "ago", "than", "under", "below", "above"}
_DURATION_AFTER = re.compile(r"^\s*(?:ago|sober|clean|later|of (?:school|age)|pregnant)", re.I)

_PREGNANT = re.compile(r"\b(pregnan(?:t|cy)|expecting|baby (?:is )?due|due (?:in|on|date|"
                       r"at the end of)|weeks pregnant|antenatal|unborn|first baby due)\b", re.I)
_NOT_PREGNANT = re.compile(r"\b(not|no longer|isn't|is not|isnt)\s+(?:\w+\s+)?pregnant\b", re.I)

_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b", re.I)
_DISTRICT = re.compile(r"\b([A-Z]{1,2}[0-9]{1,2}[A-Z]?)\b")
_PLACE_CUE = re.compile(r"\b(?:in|lives in|living in|live in|postcode|district|area|from|at)\s*$",
                        re.I)

_CONSENT = re.compile(r"\b(consent\w*|agree\w*|happy (?:for|to|with)|willing|keen|"
                      r"wants?|declin\w*|refus\w*|withdr\w*)\b", re.I)
# What consent is about: a word like "wants" or "declined" counts only next to one of these.
_CONSENT_OBJECT = re.compile(r"\b(referr\w*|refer|help|support|service|early help|assessment|"
                             r"offer\w*|involvement|work with|intervention|programme|group|"
                             r"visit\w*|key worker|plan|information shared|share information)\b",
                             re.I)
_NO_CONSENT = re.compile(r"(?:\b(?:not|no|never|declin\w*|refus\w*|withdr\w*|unwilling|"
                         r"against)\b|n't\b)", re.I)
_LEVEL = re.compile(r"\blevel\s*(?:of need\s*)?([1-9])\b", re.I)
_CLAUSE = re.compile(r"[.;!?\n]")


@dataclass
class Extraction:
    family: Family
    evidence: list[dict[str, Any]] = field(default_factory=list)


def _normalise_numbers(text: str) -> str:
    """'two-year-old' → '2-year-old' (same length is not needed: only facts are read)."""
    return _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)


def _years(num: str, unit: str | None) -> float:
    value = float(num)
    unit = (unit or "years").lower()
    if unit.startswith(("month", "mth", "mo")):
        return round(value / 12, 2)
    if unit.startswith(("week", "wk")):
        return round(value / 52, 2)
    if unit.startswith("day"):
        return round(value / 365, 3)
    return value


def _context(text: str, start: int, end: int, before: int = 4, after: int = 3
             ) -> tuple[list[str], list[str]]:
    left = re.findall(r"[a-z'-]+", text[:start].lower())[-before:]
    right = re.findall(r"[a-z'-]+", text[end:].lower())[:after]
    return left, right


def _ages(text: str, facts: Extraction, pregnant: bool | None
          ) -> tuple[list[float], list[float]]:
    children: list[float] = []
    parents: list[float] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for match in _PARENT_AGE.finditer(text):
        age = float(match.group("num"))
        if 12 <= age <= 80 and free(match.start("num"), match.end("num")):
            parents.append(age)
            taken.append((match.start("num"), match.end("num")))
            facts.evidence.append({"fact": "parent age", "value": age, "text": match.group()})
    for match in _AGE_LIST.finditer(text):
        ages = [float(n) for n in re.findall(r"\d{1,2}(?:\.\d)?", match.group("list"))]
        children += [a for a in ages if a <= 25]
        taken.append((match.start(), match.end()))
        facts.evidence.append({"fact": "child ages", "value": ages, "text": match.group()})
    for match in _PRONOUN_AGE.finditer(text):
        age = float(match.group("num"))
        if free(match.start(), match.end()):
            taken.append((match.start(), match.end()))
            if pregnant and age >= 12:
                parents.append(age)
                facts.evidence.append({"fact": "parent age", "value": age,
                                       "text": match.group()})
            elif age <= 25:
                children.append(age)
                facts.evidence.append({"fact": "child age", "value": age, "count": 1,
                                       "text": match.group()})
    for pattern in (_AGED, _AGE):
        for match in pattern.finditer(text):
            if not free(match.start(), match.end()):
                continue
            left, right = _context(text, match.start(), match.end())
            if (left and left[-1] in _DURATION_BEFORE) or _DURATION_AFTER.match(
                    text[match.end():]):
                continue
            age = _years(match.group("num"), match.groupdict().get("unit"))
            near = " ".join(left[-3:] + right[:2])
            child_near = re.search(rf"\b({CHILD_WORDS})\b", near)
            is_parent = (re.search(rf"\b({PARENT_WORDS})\b", near) and not re.search(
                rf"\b({CHILD_WORDS})\b", " ".join(right[:2]))) or (
                # "30 weeks pregnant, 17 years old": the age of the expectant parent
                pregnant and not child_near and age >= 12
                and not (left and left[-1] in {"a", "an", "her", "his", "their", "with"}))
            taken.append((match.start(), match.end()))
            if is_parent and age >= 12:
                parents.append(age)
                facts.evidence.append({"fact": "parent age", "value": age,
                                       "text": match.group()})
                continue
            count = 1
            multiple = _MULTIPLE.search(" ".join(left[-3:]))
            if multiple:
                count = 3 if multiple.group("kind").lower() == "triplets" else 2
            children += [age] * count
            facts.evidence.append({"fact": "child age", "value": age, "count": count,
                                   "text": match.group()})
    return children, parents


def _pregnant(text: str, facts: Extraction) -> bool | None:
    if match := _NOT_PREGNANT.search(text):
        facts.evidence.append({"fact": "pregnant", "value": False, "text": match.group()})
        return False
    if match := _PREGNANT.search(text):
        facts.evidence.append({"fact": "pregnant", "value": True, "text": match.group()})
        return True
    return None


def _postcode(text: str, facts: Extraction, districts: set[str]) -> str | None:
    if match := _POSTCODE.search(text):
        postcode = f"{match.group(1)} {match.group(2)}".upper()
        facts.evidence.append({"fact": "postcode", "value": postcode, "text": match.group()})
        return postcode
    for match in _DISTRICT.finditer(text.upper()):
        district = match.group(1)
        cue = _PLACE_CUE.search(text[:match.start()])
        if district in districts or (cue and any(c.isdigit() for c in district)):
            facts.evidence.append({"fact": "postcode", "value": district,
                                   "text": text[match.start():match.end()]})
            return district
    return None


def _consent(text: str, facts: Extraction) -> bool | None:
    answer = None
    for clause in _CLAUSE.split(text):
        for match in _CONSENT.finditer(clause):
            word = match.group(1).lower()
            if not word.startswith("consent") and not _CONSENT_OBJECT.search(
                    clause[match.start():match.end() + 60]):
                continue  # "doesn't want to go home", "refuses to eat": not about consent
            window = clause[max(0, match.start() - 30):match.end()]
            negative = bool(_NO_CONSENT.search(window))
            answer = not negative
            facts.evidence.append({"fact": "consent", "value": answer,
                                   "text": clause[max(0, match.start() - 30):match.end()].strip()})
    return answer


def _level(text: str, facts: Extraction) -> int | None:
    if match := _LEVEL.search(text):
        facts.evidence.append({"fact": "level", "value": int(match.group(1)),
                               "text": match.group()})
        return int(match.group(1))
    return None


_INDEXES: dict[int, tuple[Taxonomy, PhraseIndex]] = {}


def phrase_index(taxonomy: Taxonomy) -> PhraseIndex:
    """The phrase index of a taxonomy, built once per taxonomy object."""
    cached = _INDEXES.get(id(taxonomy))
    if cached is None or cached[0] is not taxonomy:
        if len(_INDEXES) > 8:
            _INDEXES.clear()
        cached = _INDEXES[id(taxonomy)] = (taxonomy, PhraseIndex(taxonomy))
    return cached[1]


def extract_family(text: str, taxonomy: Taxonomy, districts: set[str] | None = None
                   ) -> Extraction:
    """Facts stated in `text`; everything else stays unknown."""
    facts = Extraction(Family())
    readable = _normalise_numbers(text)
    pregnant = _pregnant(readable, facts)
    children, parents = _ages(readable, facts, pregnant)
    needs: list[str] = []
    for match in phrase_index(taxonomy).find(text):
        if match.status == "present" and match.term_id not in needs:
            needs.append(match.term_id)
            facts.evidence.append({"fact": "need", "value": match.term_id,
                                   "text": text[match.start:match.end]})
    facts.family = Family(
        children=[Child(age_years=a) for a in children] or None,
        parents=[Parent(age_years=a) for a in parents] or None,
        pregnant=pregnant,
        postcode=_postcode(text, facts, districts or set()),
        needs=needs, consent=_consent(text, facts), level=_level(text, facts),
    )
    return facts
