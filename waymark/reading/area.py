"""The meaning reader of the active knowledge base, built once per generation."""

from __future__ import annotations

from waymark.reading.meaning import MeaningReader, meaning_reader
from waymark.store import Snapshot
from waymark.threshold import risk_indicators


def area_reader(snapshot: Snapshot) -> MeaningReader | None:
    """None when no trained heads ship with this installation (phrases alone then)."""
    return snapshot.derived("meaning-reader", lambda: meaning_reader(
        snapshot.taxonomy, set(risk_indicators(snapshot))))
