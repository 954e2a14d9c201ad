"""A question as the answer pipeline reads it: the kinds of fact it asks for and its content
words with their weight in this knowledge base."""

from __future__ import annotations

import math
from dataclasses import dataclass

from waymark.facts_asked import Asked, asked
from waymark.store import Store
from waymark.terms import stem, surface_forms


@dataclass(frozen=True)
class Question:
    text: str
    facts: list[Asked]
    written: dict[str, str]  # each content stem, as the question wrote it
    weights: dict[str, float]  # each stem's inverse document frequency in the knowledge base

    @property
    def terms(self) -> list[str]:
        return list(self.written)

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0


def read_question(text: str, store: Store) -> Question:
    facts = asked(text)
    # "times" in "what times is it open?" asks for a time; it is not a topic to look up
    asking = {stem(w) for f in facts if f.strict for w in f.kind.asking}
    written = {t: w for t, w in surface_forms(text).items() if t not in asking}
    return Question(text, facts, written, idf_weights(written, store))


def idf_weights(written: dict[str, str], store: Store) -> dict[str, float]:
    """BM25-style inverse document frequency of each stem over the stored chunks, asked of the
    lexical index by the word as written (the index stems its own way)."""
    frequencies, total = store.cached_frequencies(list(written.values()))
    return {term: math.log(1 + (max(total, 1) - frequencies[word] + 0.5)
                           / (frequencies[word] + 0.5))
            for term, word in written.items()}
