"""Immediate-risk detection: runs first on every question and every family, whatever was asked.

The signals come from the knowledge base itself: threshold indicators marked `immediate_risk`,
recognised in free text through their taxonomy phrases (negated or past mentions do not count).
The escalation cites the threshold guidance's own section on what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from waymark.citations import Citation, cite_section
from waymark.models import Indicator, ThresholdMeta
from waymark.phrases import PhraseIndex
from waymark.sentences import clean, split_sentences
from waymark.store import Snapshot, Store, StoredDocument

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
    phrase: str
    indicator: Indicator
    document: StoredDocument


def risk_indicators(snapshot: Snapshot) -> dict[str, tuple[StoredDocument, Indicator]]:
    """Immediate-risk indicators of every threshold document, by taxonomy id."""
    found: dict[str, tuple[StoredDocument, Indicator]] = {}
    for doc in snapshot.of_kind("threshold"):
        if isinstance(doc.meta, ThresholdMeta):
            for indicator in doc.meta.indicators:
                if indicator.immediate_risk:
                    found.setdefault(indicator.need, (doc, indicator))
    return found


def detect(text: str, snapshot: Snapshot, terms: set[str] | None = None) -> list[RiskSignal]:
    """Immediate-risk signals stated in `text`, plus any for taxonomy ids in `terms`."""
    indicators = risk_indicators(snapshot)
    if not indicators:
        return []
    labels = {term.id: term.label for term in snapshot.taxonomy.terms}
    signals: dict[str, RiskSignal] = {}
    index = _phrase_index(snapshot, frozenset(indicators))
    for match in index.find(text):
        if match.status == "present" and match.term_id not in signals:
            doc, indicator = indicators[match.term_id]
            signals[match.term_id] = RiskSignal(match.term_id, labels.get(match.term_id,
                                                match.term_id), match.phrase, indicator, doc)
    for term in sorted((terms or set()) & set(indicators) - set(signals)):
        doc, indicator = indicators[term]
        signals[term] = RiskSignal(term, labels.get(term, term), term, indicator, doc)
    return list(signals.values())


_INDEXES: dict[tuple[int, frozenset[str]], PhraseIndex] = {}


def _phrase_index(snapshot: Snapshot, terms: frozenset[str]) -> PhraseIndex:
    """An index of the risk terms alone: in the full taxonomy's index a longer phrase of some
    other need could take the words first and hide the risk."""
    key = (id(snapshot), terms)
    if key not in _INDEXES:
        _INDEXES.clear()  # one snapshot at a time is enough
        _INDEXES[key] = PhraseIndex(snapshot.taxonomy, terms)
    return _INDEXES[key]


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
    first = signals[0]
    concerns = ", ".join(s.label.lower() for s in signals)
    citation: Citation | None = cite_section(store, first.document, first.indicator.section)
    actions = _actions(citation.section_text) if citation else FALLBACK_ACTIONS
    return {
        "message": f"This may mean a child is at immediate risk ({concerns}). Act now, before "
                   "anything else: follow your safeguarding procedure.",
        "actions": actions,
        "citation": citation.to_json(1) if citation else None,
        "concerns": [s.term_id for s in signals],
    }
