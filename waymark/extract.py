"""Family facts from a worker's free text, without an LLM.

People and their ages (waymark/reading/people.py), pregnancy ("30 weeks pregnant", "baby due in
March"), postcodes and districts, consent, a stated level, and needs: through the taxonomy's
phrases (negated and past mentions do not count) and by meaning (waymark/reading/meaning.py).
What the text does not state stays unknown; where it says a thing twice, the later statement
wins (a correction). Each fact keeps the words it came from, so the worker can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from waymark.family import Child, Family, Parent
from waymark.models import DISTRICT_IN_TEXT
from waymark.phrases import PhraseIndex
from waymark.reading.meaning import MeaningReader, Reading
from waymark.reading.people import read_people
from waymark.reading.person import Person

_PREGNANT = re.compile(r"\b(pregnan(?:t|cy)|expecting|baby (?:is )?due|due (?:in|on|date|"
                       r"at the end of)|weeks pregnant|weeks along|weeks gone|weeks gestation|"
                       r"antenatal|unborn|first baby due|carrying (?:a|his|her|their) baby|"
                       r"\d{1,2}(?:\+\d)?/40)(?!\w)", re.I)  # "24/40": weeks of forty, a midwife's
_NOT_PREGNANT = re.compile(r"\b(?:(?:not|no longer|isn't|is not|isnt)\s+(?:\w+\s+)?pregnant|"
                           r"pregnancy test\b(?:\s+\w+){0,3}?\s+negative)\b", re.I)

_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b", re.I)
_PLACE_CUE = re.compile(r"\b(?:in|lives in|living in|live in|postcode|district|area|from|at)\s*$",
                        re.I)

_CONSENT = re.compile(r"\b(consent\w*|agree\w*|happy (?:for|to|with)|willing|keen|"
                      r"wants?|(?:'d|would) like|declin\w*|refus\w*|withdr\w*|up for it|"
                      r"said yes|says yes)\b", re.I)
_CONSENT_ALONE = ("consent", "up for it", "said yes", "says yes")  # need no object beside them
# What consent is about: a word like "wants" or "declined" counts only next to one of these.
_CONSENT_OBJECT = re.compile(r"\b(referr\w*|refer|help\w*|support|service|early help|assessment|"
                             r"offer\w*|involvement|work with|intervention|programme|group|"
                             r"visit\w*|key worker|plan|information shared|share information|"
                             r"courses?|coming round|details|pass(?:ing)? on)\b",
                             re.I)
_NO_CONSENT = re.compile(r"(?:\b(?:not|no|never|declin\w*|refus\w*|withdr\w*|unwilling|"
                         r"against)\b|n't\b)", re.I)
_LEVEL = re.compile(r"\blevel\s*(?:of need\s*)?([1-9])\b", re.I)
_CLAUSE = re.compile(r"[.;!?]|\n\s*\n|\n(?=\s*[-•*])")  # a wrapped line is not a new clause


@dataclass
class Extraction:
    family: Family
    evidence: list[dict[str, Any]] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    reading: Reading | None = None  # what the meaning reader found, when it ran


MAX_CHILD_AGE = 25  # DESIGN.md: a child's age is at most 25 (care leavers, SEND to 25)
TEENAGE_UNTIL = 20  # a parent aged 13 to 19 is a teenage parent


def _people(text: str, facts: Extraction) -> tuple[list[float | None], list[float | None]]:
    """Children's and parents' ages (None where the text does not give one)."""
    children: list[float | None] = []
    parents: list[float | None] = []
    for person in read_people(text):
        facts.people.append(person)
        if person.is_child and (person.age_years or 0) > MAX_CHILD_AGE:
            continue  # never a child of the case, whatever the words suggested
        if person.is_child:
            children.append(person.age_years)
        elif person.is_parent:
            parents.append(person.age_years)
        else:
            continue
        if person.age_years is not None or person.school_year is not None:
            facts.evidence.append({
                "fact": "child age" if person.is_child else "parent age",
                "value": person.age_years, "text": "; ".join(person.words),
                **({"name": person.name} if person.name else {}),
                **({"role": person.role} if person.role else {}),
                **({"school_year": person.school_year} if person.school_year else {})})
    return children, parents


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The last match: a later correction overrides an earlier statement."""
    found = None
    for found in pattern.finditer(text):  # noqa: B007
        pass
    return found


def _pregnant(text: str, facts: Extraction) -> bool | None:
    """The last word on it wins: a correction ("not pregnant after all") follows the note."""
    said = [(m.start(), False, m.group()) for m in _NOT_PREGNANT.finditer(text)]
    negated = [(a, b) for m in _NOT_PREGNANT.finditer(text) for a, b in [m.span()]]
    said += [(m.start(), True, m.group()) for m in _PREGNANT.finditer(text)
             if not any(a <= m.start() < b for a, b in negated)]
    if not said:
        return None
    _, value, words = max(said)
    facts.evidence.append({"fact": "pregnant", "value": value, "text": words})
    return value


def _postcode(text: str, facts: Extraction, districts: set[str]) -> str | None:
    if match := _last(_POSTCODE, text):
        postcode = f"{match.group(1)} {match.group(2)}".upper()
        facts.evidence.append({"fact": "postcode", "value": postcode, "text": match.group()})
        return postcode
    for match in DISTRICT_IN_TEXT.finditer(text.upper()):
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
            if not word.startswith(_CONSENT_ALONE) and not _CONSENT_OBJECT.search(
                    clause[match.start():match.end() + 60]):
                continue  # "doesn't want to go home", "refuses to eat": not about consent
            window = clause[max(0, match.start() - 30):match.end()]
            negative = bool(_NO_CONSENT.search(window))
            answer = not negative
            facts.evidence.append({"fact": "consent", "value": answer,
                                   "text": clause[max(0, match.start() - 30):match.end()].strip()})
    return answer


def _level(text: str, facts: Extraction) -> int | None:
    if match := _last(_LEVEL, text):
        facts.evidence.append({"fact": "level", "value": int(match.group(1)),
                               "text": match.group()})
        return int(match.group(1))
    return None


def _contradicted(category: str, parents: list[float | None], pregnant: bool | None) -> bool:
    """A need read by meaning that the facts read beside it rule out: a young parent when every
    parent's age is known to be 20 or more, a pregnancy when the text says there is none."""
    ages = [a for a in parents if a is not None]
    if category == "teenage_parent":
        return bool(ages) and min(ages) >= TEENAGE_UNTIL
    return category == "pregnancy" and pregnant is False


def _implied(facts: Extraction, pregnant: bool | None) -> list[tuple[str, str]]:
    """(category, words) the facts themselves state: a parent in their teens is a teenage
    parent, a pregnancy is a pregnancy, whatever words the note used for them."""
    implied = [("teenage_parent", " … ".join(p.words)) for p in facts.people
               if p.is_parent and p.age_years is not None and p.age_years < TEENAGE_UNTIL]
    if pregnant:
        implied += [("pregnancy", e["text"]) for e in facts.evidence if e["fact"] == "pregnant"]
    return implied


def _needs(text: str, phrases: PhraseIndex, facts: Extraction, reader: MeaningReader | None,
           parents: list[float | None], pregnant: bool | None) -> list[str]:
    """Needs in the taxonomy's own phrases, then needs by meaning. A term its phrases show to
    be negated or past is not taken from meaning either."""
    needs: list[str] = []
    ruled_out: set[str] = set()
    denied: list[tuple[int, int]] = []  # where the phrases read a negated or past mention
    for match in phrases.find(text):  # in text order: the last word wins
        if match.status != "present":
            ruled_out.add(match.term_id)
            denied.append((match.start, match.end))
            if match.term_id in needs:
                needs.remove(match.term_id)
                facts.evidence = [e for e in facts.evidence if e.get("value") != match.term_id]
        elif match.term_id not in needs:
            ruled_out.discard(match.term_id)
            needs.append(match.term_id)
            facts.evidence.append({"fact": "need", "value": match.term_id,
                                   "text": text[match.start:match.end], "source": "phrase"})
    if reader is None:
        return needs
    facts.reading = reader.read(text)
    # a firm risk is a fact of the family only under the area's own term for that kind of risk
    firm_risks = [f for f in facts.reading.risks if f.mapped] if facts.reading.risk_firm else []
    for found in [*facts.reading.needs, *firm_risks]:
        unit = found.unit
        if any(unit.start <= start and end <= unit.end for start, end in denied):
            continue  # "no longer missing school": a sentence that denies a need states none
        if _contradicted(found.category, parents, pregnant):
            continue
        if found.term_id not in needs and found.term_id not in ruled_out:
            needs.append(found.term_id)
            facts.evidence.append({"fact": "need", "value": found.term_id,
                                   "text": found.unit.text, "source": "meaning",
                                   "confidence": round(found.probability, 2)})
    for category, words in _implied(facts, pregnant):
        term = reader.term_for(category)
        if term is not None and term not in needs and term not in ruled_out:
            needs.append(term)
            facts.evidence.append({"fact": "need", "value": term, "text": words,
                                   "source": "facts"})
    return needs


def extract_family(text: str, phrases: PhraseIndex, districts: set[str] | None = None,
                   reader: MeaningReader | None = None) -> Extraction:
    """Facts stated in `text` (needs through the taxonomy's `phrases`, and by meaning through
    `reader`); everything else stays unknown."""
    facts = Extraction(Family())
    pregnant = _pregnant(text, facts)
    children, parents = _people(text, facts)
    needs = _needs(text, phrases, facts, reader, parents, pregnant)
    facts.family = Family(
        children=[Child(age_years=a) for a in children] or None,
        parents=[Parent(age_years=a) for a in parents] or None,
        pregnant=pregnant,
        postcode=_postcode(text, facts, districts or set()),
        needs=needs, consent=_consent(text, facts), level=_level(text, facts),
    )
    return facts
