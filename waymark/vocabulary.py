"""What words the knowledge base knows: a question built around a word no document uses
("baby bank", "adoption allowance") is one the guidance cannot answer."""

from __future__ import annotations

import bisect

from waymark.phrases import words
from waymark.terms import STOPWORDS, stem

MIN_LENGTH = 4  # shorter tokens are abbreviations and typos ("hw", "iy", "atm"), not evidence
TYPO_LENGTH = 5  # from this length a one-letter slip ("proces") still counts as known


def vocabulary_of(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Vocabulary:
    def __init__(self, stems: set[str]) -> None:
        self.stems = stems
        self._sorted = sorted(stems)
        self._deleted: set[str] | None = None

    def _begins_a_stem(self, token: str) -> bool:
        """'refer' is known when the documents say 'referral'."""
        at = bisect.bisect_left(self._sorted, token)
        return at < len(self._sorted) and self._sorted[at].startswith(token)

    @property
    def deleted(self) -> set[str]:
        """Every stem with one letter dropped: finds one-letter slips in either direction."""
        if self._deleted is None:
            self._deleted = {d for s in self.stems if len(s) >= TYPO_LENGTH - 1
                             for d in _deletions(s)}
        return self._deleted

    def knows(self, word: str) -> bool:
        token = stem(word)
        if token in self.stems or (len(token) >= MIN_LENGTH and self._begins_a_stem(token)):
            return True
        if len(token) < TYPO_LENGTH:
            return False
        variants = _deletions(token)
        return token in self.deleted or bool(variants & self.stems) or bool(
            variants & self.deleted)

    @staticmethod
    def word_pairs(text: str) -> list[str]:
        """Adjacent content words of `text` ("baby bank", "autism clinic")."""
        pairs, run = [], []
        for word in [*words(text), ""]:
            if word and word not in STOPWORDS and word.isalpha() and len(word) > 1:
                run.append(word)
                continue
            pairs += [f"{a} {b}" for a, b in zip(run, run[1:], strict=False)]
            run = []
        return pairs

    def unknown(self, text: str) -> list[str]:
        """Content words of `text` that no document of the knowledge base uses."""
        return [w for w in dict.fromkeys(words(text))
                if len(w) >= MIN_LENGTH and w not in STOPWORDS and w.isalpha()
                and not self.knows(w)]
