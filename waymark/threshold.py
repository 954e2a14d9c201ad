"""Threshold suggestion: the highest level among the family's matched indicators (level 1 when
none match), every matched indicator cited from the threshold guidance (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from waymark.citations import Citation, cite_section
from waymark.family import Family
from waymark.models import Indicator, ThresholdMeta
from waymark.store import Snapshot, Store, StoredDocument

DEFAULT_LEVEL = 1


@dataclass
class MatchedIndicator:
    indicator: Indicator
    document: StoredDocument
    citation: Citation | None = None

    def to_json(self, n: int = 1) -> dict[str, Any]:
        return {"need": self.indicator.need, "level": self.indicator.level,
                "immediate_risk": self.indicator.immediate_risk,
                "citation": self.citation.to_json(n) if self.citation else None}


@dataclass
class Suggestion:
    level: int
    level_name: str | None
    indicators: list[MatchedIndicator]

    @property
    def immediate_risk(self) -> list[MatchedIndicator]:
        return [m for m in self.indicators if m.indicator.immediate_risk]


def threshold_documents(snapshot: Snapshot) -> list[StoredDocument]:
    return [d for d in snapshot.of_kind("threshold") if isinstance(d.meta, ThresholdMeta)]


def risk_indicators(snapshot: Snapshot) -> dict[str, tuple[StoredDocument, Indicator]]:
    """Immediate-risk indicators of every threshold document, by taxonomy id."""
    found: dict[str, tuple[StoredDocument, Indicator]] = {}
    for doc in threshold_documents(snapshot):
        if isinstance(doc.meta, ThresholdMeta):
            for indicator in doc.meta.indicators:
                if indicator.immediate_risk:
                    found.setdefault(indicator.need, (doc, indicator))
    return found


def level_names(snapshot: Snapshot) -> dict[int, str]:
    names: dict[int, str] = {}
    for doc in threshold_documents(snapshot):
        assert isinstance(doc.meta, ThresholdMeta)
        for level in doc.meta.levels:
            names.setdefault(level.level, level.name)
    return names


def suggest(family: Family, snapshot: Snapshot, store: Store | None = None) -> Suggestion:
    matched: list[MatchedIndicator] = []
    seen: set[tuple[str, int]] = set()
    for doc in threshold_documents(snapshot):
        assert isinstance(doc.meta, ThresholdMeta)
        for indicator in doc.meta.indicators:
            key = (indicator.need, indicator.level)
            if indicator.need in family.terms and key not in seen:
                seen.add(key)
                matched.append(MatchedIndicator(indicator, doc))
    matched.sort(key=lambda m: (-m.indicator.level, m.indicator.need))
    if store is not None:
        for m in matched:
            m.citation = cite_section(store, m.document, m.indicator.section)
    level = max((m.indicator.level for m in matched), default=DEFAULT_LEVEL)
    return Suggestion(level, level_names(snapshot).get(level), matched)
