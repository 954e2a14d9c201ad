"""Cite a service specification for one eligibility criterion: the sentence of the document's
own text that best states it (front matter is not quotable, the prose is)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from waymark.citations import Citation, checkable
from waymark.models import AgeRange, Eligibility
from waymark.sentences import normalise_quote, split_sentences
from waymark.store import Store, StoredDocument
from waymark.terms import content_terms

# Words that state each kind of criterion, and headings where criteria usually live.
CUES: dict[str, list[str]] = {
    "child_age": ["aged", "age", "children", "child", "years", "months", "under", "birth"],
    "parent_age": ["aged", "age", "parent", "mother", "mothers", "young", "under", "years"],
    "pregnancy": ["pregnant", "pregnancy", "expecting", "antenatal", "weeks", "birth"],
    "areas": ["live", "living", "postcode", "districts", "district", "area", "covers"],
    "levels": ["level", "levels", "need", "threshold"],
    "needs_any": ["families", "for", "who"],
    "needs_all": ["families", "for", "who"],
    "excludes": ["not", "already", "instead", "excluded"],
    "consent_required": ["consent", "agree", "agrees", "voluntary", "permission"],
}
HEADING_CUES = {
    "excludes": ("not for", "exclu", "who the service is not"),
    "consent_required": ("consent", "refer"),
}
DEFAULT_HEADINGS = ("who", "eligib", "criteria", "for")


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    text: str
    section: tuple[str, ...]
    page: int | None
    terms: frozenset[str]


def _sentences(store: Store, version_key: str) -> tuple[_Sentence, ...]:
    seen: dict[int, _Sentence] = {}
    for chunk in store.version_chunks(version_key):
        for s in split_sentences(chunk.text, chunk.start):
            if not s.is_heading and s.start not in seen:
                seen[s.start] = _Sentence(s.start, s.end, s.text, chunk.section, chunk.page,
                                          frozenset(content_terms(s.text)))
    return tuple(sorted(seen.values(), key=lambda s: s.start))


def _age_words(age: AgeRange | None) -> list[str]:
    if age is None:
        return []
    words = []
    for value in (age.min_years, age.max_years):
        if value is not None:
            words.append(f"{value:g}")
            if value < 2:
                words.append(f"{round(value * 12)}")
    return words


def _keywords(criterion: str, rules: Eligibility, labels: dict[str, str]) -> set[str]:
    words = list(CUES.get(criterion, []))
    if criterion == "child_age":
        words += _age_words(rules.child_age)
    elif criterion == "parent_age":
        words += _age_words(rules.parent_age)
    elif criterion == "areas":
        words += [a.lower() for a in rules.areas]
    elif criterion == "levels":
        words += [str(level) for level in rules.levels]
    elif criterion in ("needs_any", "needs_all", "excludes"):
        for term in getattr(rules, criterion):
            words += content_terms(labels.get(term, term.replace("-", " ")))
    return set(content_terms(" ".join(words)))


def _score(sentence: _Sentence, keywords: set[str], criterion: str) -> float:
    score = float(len(sentence.terms & keywords))
    heading = " ".join(sentence.section).lower()
    if any(cue in heading for cue in HEADING_CUES.get(criterion, DEFAULT_HEADINGS)):
        score += 1.5
    if criterion in ("child_age", "parent_age", "levels") and re.search(r"\d", sentence.text):
        score += 0.5
    return score


def cite_criterion(store: Store, service: StoredDocument, criterion: str, rules: Eligibility,
                   labels: dict[str, str]) -> Citation | None:
    sentences = [s for s in store.snapshot().derived(
                     f"sentences:{service.version_key}",
                     lambda: _sentences(store, service.version_key))
                 if checkable(s.text)]
    if not sentences:
        return None
    keywords = _keywords(criterion, rules, labels)
    best = max(sentences, key=lambda s: (_score(s, keywords, criterion), -s.start))
    return Citation(service, normalise_quote(best.text), best.section, best.page, best.start,
                    best.end)
