"""Immediate-risk detection: runs first on every question and every family, whatever was asked.

A text escalates when the threshold's `immediate_risk` indicators are recognised in it through
their taxonomy phrases (negated or past mentions do not count), or when the trained risk reader
reads it as immediate risk by meaning (waymark/reading/meaning.py), mapped onto the area's own
indicators. Reading by meaning below the firm cut gives a `borderline` escalation ("this could
mean…"): recall comes first. The escalation cites the threshold guidance's own section on what
to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from waymark.citations import Citation, cite_section
from waymark.models import Indicator
from waymark.phrases import PhraseIndex
from waymark.reading.area import area_reader
from waymark.reading.meaning import Reading
from waymark.reading.people import read_people
from waymark.reading.person import Person
from waymark.sentences import clean, split_sentences
from waymark.store import Snapshot, Store, StoredDocument
from waymark.threshold import risk_indicators

_ACTION = re.compile(r"\b(999|call|ring|phone|contact|refer|report|tell|do not|don't)\b", re.I)
MAX_ACTIONS = 4
FALLBACK_ACTIONS = [
    "If a child is in immediate danger, call 999.",
    "Contact your children's social care front door (or its out-of-hours team) now.",
    "Tell your designated safeguarding lead; do not wait for consent to share a safeguarding "
    "concern.",
]


@dataclass(frozen=True)
class RiskSignal:
    term_id: str
    label: str
    phrase: str  # the words that gave it away
    indicator: Indicator | None  # None: read as risk, no such indicator in the threshold
    document: StoredDocument | None
    source: str = "phrase"  # phrase | meaning | facts
    confidence: float = 1.0
    firm: bool = True  # False: read by meaning, below the firm cut ("this may mean…")


def detect(text: str, snapshot: Snapshot, terms: set[str] | None = None,
           reading: Reading | None = None, people: list[Person] | None = None
           ) -> list[RiskSignal]:
    """Immediate-risk signals in `text` — through the taxonomy's phrases and by meaning — plus
    any for taxonomy ids in `terms`. `reading` and `people` are the readers', when already
    done."""
    indicators = risk_indicators(snapshot)
    labels = {term.id: term.label for term in snapshot.taxonomy.terms}
    signals: dict[str, RiskSignal] = {}
    if reading is None and text.strip():
        reader = area_reader(snapshot)
        reading = reader.read(text, needs=False) if reader else None
    if indicators:
        for match in _phrase_index(snapshot, frozenset(indicators)).find(text):
            if match.status == "present" and match.term_id not in signals:
                doc, indicator = indicators[match.term_id]
                signals[match.term_id] = RiskSignal(match.term_id, labels.get(
                    match.term_id, match.term_id), match.phrase, indicator, doc)
    for found in reading.risks if reading else []:
        if found.term_id not in signals:
            pair = indicators.get(found.term_id)
            kind = found.category.replace("_", " ")
            signals[found.term_id] = RiskSignal(
                found.term_id, labels.get(found.term_id, kind) if found.mapped else kind,
                found.unit.text, pair[1] if pair else None, pair[0] if pair else None,
                "meaning", round(found.probability, 2), reading.risk_firm if reading else False)
    for term in sorted((terms or set()) & set(indicators) - set(signals)):
        doc, indicator = indicators[term]
        signals[term] = RiskSignal(term, labels.get(term, term), term, indicator, doc, "facts")
    if signals and text.strip() and names_risk_of_no_one(text, reading, people):
        return []  # "when is the next FGM awareness training?": the words, about no one
    return list(signals.values())


_PRONOUN = re.compile(r"\b(?:he|she|him|her|his|hers)\b", re.I)


def names_risk_of_no_one(text: str, reading: Reading | None,
                         people: list[Person] | None = None) -> bool:
    """Whether a risk's words in `text` are about no one: the meaning reader reads no risk and
    the text describes no person at all (no child, parent, carer, name or pronoun) — a policy
    or training question that only uses a risk's name. `people`: those already read."""
    if reading and reading.risks:
        return False
    return not _PRONOUN.search(text) and not (people if people is not None
                                              else read_people(text))


def _phrase_index(snapshot: Snapshot, terms: frozenset[str]) -> PhraseIndex:
    """An index of the risk terms alone: in the full taxonomy's index a longer phrase of some
    other need could take the words first and hide the risk."""
    return snapshot.derived("risk-phrases", lambda: PhraseIndex(snapshot.taxonomy, terms))


def _actions(section_text: str) -> list[str]:
    actions = []
    for sentence in split_sentences(section_text):
        if not sentence.is_heading and _ACTION.search(sentence.text):
            actions.append(clean(sentence.text))
        if len(actions) == MAX_ACTIONS:
            break
    return actions or FALLBACK_ACTIONS


def escalation(signals: list[RiskSignal], store: Store) -> dict[str, Any] | None:
    """The escalation object of DESIGN.md, or None when nothing reads as immediate risk."""
    if not signals:
        return None
    cited = next((s for s in signals if s.document and s.indicator), None)
    concerns = ", ".join(s.label.lower() for s in signals)
    citation: Citation | None = None
    if cited and cited.document and cited.indicator:
        citation = cite_section(store, cited.document, cited.indicator.section)
    actions = _actions(citation.section_text) if citation else FALLBACK_ACTIONS
    borderline = all(s.source == "meaning" and not s.firm for s in signals)
    message = (f"This could mean a child is at immediate risk ({concerns}). Check now, before "
               "anything else, and if it does, follow your safeguarding procedure."
               if borderline else
               f"This may mean a child is at immediate risk ({concerns}). Act now, before "
               "anything else: follow your safeguarding procedure.")
    return {
        "message": message,
        "certainty": "borderline" if borderline else "firm",
        "actions": actions,
        "citation": citation.to_json(1) if citation else None,
        "concerns": [s.term_id for s in signals],
        "read_from": [{"concern": s.term_id, "words": s.phrase, "source": s.source,
                       "confidence": s.confidence} for s in signals],
    }
