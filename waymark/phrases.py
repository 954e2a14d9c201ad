"""Find taxonomy terms in free text through their phrases, telling present from negated or past.

"no concerns about school now" must not read as persistent absence, and "used to drink, sober
two years" must not read as current substance misuse. Matching works on word tokens with a light
plural folding; a match is negated when a negation cue sits before it in the same clause or a
"not a concern"-type cue follows it, and past when a past-tense cue does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from waymark.models import Taxonomy
from waymark.tokens import spans as word_spans
from waymark.tokens import tokens

_CLAUSE_BREAK = re.compile(r"[.;!?\n]|,\s*(?:but|however|although|though)\b|\bbut\b|\bhowever\b")

NEGATIONS_BEFORE = [
    "no", "not", "never", "without", "denies", "denied", "deny", "none", "nor", "neither",
    "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't", "hasn't", "haven't",
    "hadn't", "won't", "can't", "cannot", "no longer", "no sign of", "no signs of",
    "no evidence of", "no history of", "ruled out", "free from", "free of", "nothing to suggest",
]
NEGATIONS_AFTER = [
    "not a concern", "not an issue", "no longer a concern", "no longer an issue", "is fine",
    "are fine", "resolved", "has stopped", "have stopped", "ruled out",
    "not a problem", "no concerns", "none", "no issues", "are good", "is good", "now good",
]
PAST_BEFORE = ["used to", "previously", "in the past", "formerly", "history of", "years ago",
               "had been", "past history of"]
PAST_AFTER = ["in the past", "years ago", "now sober", "sober for", "sober", "clean for",
              "is clean", "abstinent", "in recovery", "recovered", "previously"]

WINDOW_BEFORE = 5  # words
WINDOW_AFTER = 8
CUE_START_AFTER = 2  # a cue after the phrase must begin within 2 words ("drinking has stopped")

Status = Literal["present", "negated", "past"]


def fold(word: str) -> str:
    """Fold plurals and possessives so 'bruises' finds 'bruise' and 'mum's' finds 'mum'."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [fold(w) for w in tokens(text)]


@dataclass(frozen=True)
class Match:
    term_id: str
    phrase: str
    status: Status
    start: int  # character span of the clause-local match in the original text
    end: int


def _contains(haystack: list[str], cues: Iterable[tuple[str, ...]],
              starts: int | None = None) -> bool:
    """Whether some cue occurs in `haystack` (beginning within its first `starts` words)."""
    for cue in cues:
        n = len(cue)
        last = len(haystack) - n + 1 if starts is None else min(starts + 1, len(haystack) - n + 1)
        if any(tuple(haystack[i:i + n]) == cue for i in range(max(last, 0))):
            return True
    return False


class PhraseIndex:
    """Every phrase of every taxonomy term (plus its label), indexed by first word."""

    def __init__(self, taxonomy: Taxonomy, terms: Iterable[str] | None = None) -> None:
        wanted = set(terms) if terms is not None else None
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = defaultdict(list)
        for term in taxonomy.terms:
            if wanted is not None and term.id not in wanted:
                continue
            # a one-word label ("SEND") would fire on everyday words ("send the form")
            label = [term.label] if len(term.label.split()) > 1 else []
            for phrase in {*term.phrases, *label}:
                tokens = tuple(words(phrase))
                if tokens:
                    self._by_first[tokens[0]].append((tokens, term.id, phrase))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))  # longest phrase first
        self._neg_before = [tuple(words(c)) for c in NEGATIONS_BEFORE]
        self._neg_after = [tuple(words(c)) for c in NEGATIONS_AFTER]
        self._past_before = [tuple(words(c)) for c in PAST_BEFORE]
        self._past_after = [tuple(words(c)) for c in PAST_AFTER]

    def find(self, text: str) -> list[Match]:
        """Every phrase occurrence, with its status; longest phrase wins where they overlap."""
        matches: list[Match] = []
        position = 0
        for clause in _CLAUSE_BREAK.split(text):
            offset = text.find(clause, position) if clause else position
            position = offset + len(clause)
            matches += self._find_in_clause(clause, offset)
        return matches

    def _find_in_clause(self, clause: str, offset: int) -> list[Match]:
        spans = [(m.start(), m.end()) for m in word_spans(clause)]
        tokens = words(clause)
        found, i = [], 0
        while i < len(tokens):
            hit = next(((p, t, ph) for p, t, ph in self._by_first.get(tokens[i], [])
                        if tuple(tokens[i:i + len(p)]) == p), None)
            if hit is None:
                i += 1
                continue
            phrase, term_id, original = hit
            end = i + len(phrase)
            before, after = tokens[max(0, i - WINDOW_BEFORE):i], tokens[end:end + WINDOW_AFTER]
            status: Status = "present"
            if (_contains(before, self._neg_before)
                    or _contains(after, self._neg_after, CUE_START_AFTER)):
                status = "negated"
            elif (_contains(before, self._past_before)
                  or _contains(after, self._past_after, CUE_START_AFTER)):
                status = "past"
            found.append(Match(term_id, original, status, offset + spans[i][0],
                               offset + spans[end - 1][1]))
            i = end
        return found

    def present(self, text: str) -> set[str]:
        """Term ids the text states as current (not negated, not in the past)."""
        return {m.term_id for m in self.find(text) if m.status == "present"}
