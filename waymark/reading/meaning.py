"""Needs and immediate risk read by meaning, mapped onto each area's own taxonomy.

The trained heads (heads.py) know national categories — immediate-risk kinds from Working
Together, need categories from the Supporting Families outcome framework. An area's taxonomy
declares none of them, so each term is mapped automatically: the heads read the term's label
and phrases as if they were a note, and the category they recognise is the term's. A note is
then read whole for risk (the model sees a clause in its context: "used to", "no marks") and
unit by unit for needs; a category found becomes the area's term for it (the closest by
meaning when several terms share a category)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from waymark.embeddings import MiniLMEmbeddings, query_model
from waymark.models import Taxonomy
from waymark.reading.heads import Features, Head, Heads, shipped_heads
from waymark.reading.units import Unit, UnitEncoder
from waymark.tokens import tokens

MIN_TERM_MATCH = 0.5  # a term whose own words the needs head does not recognise stays unmapped
# Words that say who and where, not what is going on: a unit made only of them ("Family in
# NB8 1CD", "Mum 23, kids 4 and 7") states no need.
_FACT_WORDS = set("""a an the and or of in at on to with for from by is are was were has have had
lives living live who aged age old years year months weeks yo yrs mum dad mother father parent
parents family child children kid kids baby babies son daughter boy girl twins nan gran grandad
brother sister partner carer she he they her his their them lives""".split())


@dataclass(frozen=True)
class Found:
    """A term the text states by meaning, with the unit that states it."""

    term_id: str
    category: str
    probability: float
    unit: Unit
    mapped: bool = True  # False: no term of the area is this kind; the nearest stands in


@dataclass
class Reading:
    needs: list[Found] = field(default_factory=list)
    risks: list[Found] = field(default_factory=list)
    risk_probability: float = 0.0  # the highest of any window of the text
    risk_firm: bool = False  # above the firm cut: the risk counts as a fact of the family


def reading_model() -> MiniLMEmbeddings:
    """The local model the heads were trained on, whatever embeddings retrieval uses."""
    return query_model()


@lru_cache(maxsize=4096)
def _term_vector(text: str) -> np.ndarray:
    """A term's vector by its text: a new generation of the same taxonomy does not embed its
    terms again."""
    return UnitEncoder(reading_model()).whole(text)


def term_text(label: str, phrases: list[str]) -> str:
    return f"{label}: {', '.join(phrases)}" if phrases else label


class MeaningReader:
    """Reads needs and risk for one knowledge base (built once per generation)."""

    def __init__(self, heads: Heads, taxonomy: Taxonomy, risk_terms: set[str],
                 encoder: UnitEncoder | None = None) -> None:
        self.heads = heads
        self.encoder = encoder or UnitEncoder(reading_model())
        self.cuts = heads.cuts
        self.term_ids = [t.id for t in taxonomy.terms]
        texts = [term_text(t.label, t.phrases) for t in taxonomy.terms]
        whole = self.encoder.whole if encoder else _term_vector
        self.term_vectors = np.vstack([whole(t) for t in texts]) if texts else np.zeros((0, 384))
        self.needs_map: dict[str, list[int]] = {}
        self.risk_map: dict[str, list[int]] = {}
        self.stand_ins: set[str] = set()  # risk kinds mapped to the nearest term, not their own
        if texts:
            needs_rows = [i for i, t in enumerate(self.term_ids) if t not in risk_terms]
            risk_rows = [i for i, t in enumerate(self.term_ids) if t in risk_terms]
            self.needs_map = _map(heads.needs, heads.needs_features(self.term_vectors, texts),
                                  needs_rows, MIN_TERM_MATCH, broad=True)
            self.risk_map = _map(heads.risk_kind, heads.risk_features(self.term_vectors, texts),
                                 risk_rows, 0.0)
            self._every_risk_kind_mapped(risk_rows)

    def _every_risk_kind_mapped(self, rows: list[int]) -> None:
        """A kind of risk no term was recognised as goes to the term closest to that kind's
        training texts: every kind of immediate risk escalates, whatever the area wrote."""
        if not rows:
            return
        head = self.heads.risk_kind
        for index, kind in enumerate(head.labels):
            if kind not in self.risk_map:
                closeness = self.term_vectors[rows] @ head.centroids[index]
                self.risk_map[kind] = [rows[int(np.argmax(closeness))]]
                self.stand_ins.add(kind)

    def read(self, text: str, needs: bool = True) -> Reading:
        """Risk, and needs unless `needs` is False (a question only needs its risk read)."""
        units, vectors, windows, window_vectors = self.encoder.units(text)
        reading = Reading()
        if units:
            texts = [u.text for u in units]
            window_x = self.heads.risk_features(window_vectors, [w.text for w in windows])
            self._read_risk(units, vectors, texts, windows, window_x, reading)
            if needs:
                self._read_needs(units, vectors, self.heads.needs_features(vectors, texts),
                                 reading)
        return reading

    def term_for(self, category: str) -> str | None:
        """The area's term for a need category, when it has one."""
        rows = self.needs_map.get(category)
        return self.term_ids[rows[0]] if rows else None

    def _closest_term(self, rows: list[int], vector: np.ndarray) -> str:
        closeness = self.term_vectors[rows] @ vector
        return self.term_ids[rows[int(np.argmax(closeness))]]

    def _read_risk(self, units: list[Unit], vectors: np.ndarray, texts: list[str],
                   windows: list[Unit], window_x: Features, reading: Reading) -> None:
        heads = self.heads
        # a window made only of who and where ("Child aged 9") describes nothing, risk or not
        says = np.array([_states_something(w.text) for w in windows])
        whole = np.where(says, heads.risk.probabilities(window_x)[:, 0], 0.0)
        reading.risk_probability = float(whole.max())
        if reading.risk_probability < self.cuts.get("risk", 0.5):
            return
        reading.risk_firm = reading.risk_probability >= self.cuts.get("risk_firm", 0.5)
        best = int(np.argmax(whole))
        window = windows[best]
        inside = [i for i, u in enumerate(units) if window.start <= u.start < window.end]
        unit_x = heads.risk_features(vectors[inside], [texts[i] for i in inside])
        riskiest = inside[int(np.argmax(heads.risk.probabilities(unit_x)[:, 0]))]
        kinds = heads.risk_kind.probabilities(window_x[[best]])[0]
        kind = heads.risk_kind.labels[int(np.argmax(kinds))]
        rows = self.risk_map.get(kind)
        term = self._closest_term(rows, vectors[riskiest]) if rows else kind
        reading.risks.append(Found(term, kind, reading.risk_probability, units[riskiest],
                                   mapped=bool(rows) and kind not in self.stand_ins))

    def _read_needs(self, units: list[Unit], vectors: np.ndarray, unit_x: Features,
                    reading: Reading) -> None:
        head = self.heads.needs
        probabilities = head.probabilities(unit_x)
        cut = self.cuts.get("needs", 0.5)
        found: dict[str, Found] = {}
        silent = [not _states_something(u.text) for u in units]
        for c, category in enumerate(head.labels):
            rows = self.needs_map.get(category)
            if not rows:
                continue
            for i in np.flatnonzero(probabilities[:, c] >= cut):
                if silent[i]:
                    continue
                term = self._closest_term(rows, vectors[i])
                p = float(probabilities[i, c])
                if term not in found or found[term].probability < p:
                    found[term] = Found(term, category, p, units[i])
        reading.needs = sorted(found.values(), key=lambda f: f.unit.start)


def _states_something(text: str) -> bool:
    return any(w not in _FACT_WORDS for w in tokens(text) if len(w) >= 3 and w.isalpha())


def _map(head: Head, x: Features, rows: list[int], floor: float, broad: bool = False
         ) -> dict[str, list[int]]:
    """category -> rows of the terms the head recognises as it: each term goes to the category
    it reads most as. `broad`: a category no term went to takes every term that reads as it
    at least `floor` too, the closest to what the note says standing in — a thin taxonomy's
    "Financial hardship: debt, rent arrears" also covers a family about to lose its home."""
    mapping: dict[str, list[int]] = {}
    if not rows:
        return mapping
    probabilities = head.probabilities(x[rows])
    for row, p in zip(rows, probabilities, strict=True):
        best = int(np.argmax(p))
        if p[best] >= floor:
            mapping.setdefault(head.labels[best], []).append(row)
    for c, category in enumerate(head.labels if broad else []):
        reading_as = [rows[i] for i in np.flatnonzero(probabilities[:, c] >= floor)]
        if category not in mapping and reading_as:
            mapping[category] = reading_as
    return mapping


def meaning_reader(taxonomy: Taxonomy, risk_terms: set[str]) -> MeaningReader | None:
    heads = shipped_heads()
    return MeaningReader(heads, taxonomy, risk_terms) if heads else None
