"""A question as the answer pipeline reads it: the kinds of fact it asks for and its content
words with their weight in this knowledge base."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from waymark.case_names import case_names
from waymark.facts_asked import Asked, asked
from waymark.store import Store
from waymark.terms import stem, surface_forms


@dataclass(frozen=True)
class Question:
    text: str
    facts: list[Asked]
    written: dict[str, str]  # each content stem, as the question wrote it
    weights: dict[str, float]  # each stem's inverse document frequency in the knowledge base
    names: frozenset[str] = frozenset()  # words naming the people in it ("jayden is 7")

    @cached_property
    def terms(self) -> list[str]:
        return list(self.written)

    @cached_property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0


def read_question(text: str, store: Store) -> Question:
    facts = asked(text)
    # "times" in "what times is it open?" asks for a time; it is not a topic to look up
    asking = {stem(w) for f in facts if f.strict for w in f.kind.asking}
    # "jayden is 7, mum says…": a name says who, not what to look up
    names = frozenset(case_names(text, lambda word: store.cached_frequencies([word])[0][word]
                                 == 0))
    written = {t: w for t, w in surface_forms(text).items() if t not in asking
               and w not in names}
    return Question(text, facts, written, idf_weights(written, store), names)


def idf_weights(written: dict[str, str], store: Store) -> dict[str, float]:
    """BM25-style inverse document frequency of each stem over the stored chunks, asked of the
    lexical index by the word as written (the index stems its own way)."""
    frequencies, total = store.cached_frequencies(list(written.values()))
    return {term: math.log(1 + (max(total, 1) - frequencies[word] + 0.5)
                           / (frequencies[word] + 0.5))
            for term, word in written.items()}
