"""The meaning reader of the active knowledge base, built once per generation."""

from __future__ import annotations

from waymark.models import ThresholdMeta
from waymark.reading.meaning import MeaningReader, meaning_reader
from waymark.store import Snapshot


def immediate_risk_terms(snapshot: Snapshot) -> set[str]:
    return {indicator.need for doc in snapshot.of_kind("threshold")
            if isinstance(doc.meta, ThresholdMeta)
            for indicator in doc.meta.indicators if indicator.immediate_risk}


def area_reader(snapshot: Snapshot) -> MeaningReader | None:
    """None when no trained heads ship with this installation (phrases alone then)."""
    return snapshot.derived("meaning-reader", lambda: meaning_reader(
        snapshot.taxonomy, immediate_risk_terms(snapshot)))
