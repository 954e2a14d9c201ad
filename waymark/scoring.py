"""Every sentence of the answering passages, scored: the question's weighted words it holds,
the rank of its passage, and whether it states the kind of fact asked for."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from waymark.citations import checkable
from waymark.document_names import names_of
from waymark.question import Question
from waymark.retrieval import Passage
from waymark.sentences import Sentence, split_sentences
from waymark.terms import content_terms, stem

RANK_WEIGHT = 0.3  # a sentence's score: its overlap, plus this much for a top-ranked passage
STATES_BONUS = 0.3  # a sentence stating the kind of fact asked for ("because ...") ranks higher
STRICT_BONUS = 1.0  # ... and one stating a time, number or amount asked for leads the answer


@dataclass
class Candidate:
    passage: Passage
    rank: int
    sentence: Sentence
    overlap: float  # share of the question's weighted words the sentence holds
    score: float
    named_overlap: float  # the overlap counting the document's names as held by every sentence
    rank_bonus: float  # what the rank of its passage adds to its score
    stated: frozenset[str] = frozenset()  # the kinds of fact asked for that it states
    opens_answer: bool = False  # states a time, number, amount or contact: it leads the answer


class Scorer:
    """Scores the sentences of one question's passages. Choosing the answering document reads
    the same passages several times: each passage's sentences are scored once."""

    def __init__(self, question: Question, passages: list[Passage]) -> None:
        self.question = question
        self.passages = passages  # all retrieved, best first
        self.top = passages[0].score if passages else 1.0  # the scale of a passage's rank
        self._scored: dict[int, tuple[Passage, list[Candidate]]] = {}

    def candidates(self, answering: list[Passage]) -> list[Candidate]:
        """Every sentence of the answering passages, scored, each passage ranked by its place
        in `answering`."""
        found = []
        for rank, passage in enumerate(answering):
            found += [replace(c, rank=rank) if rank else c for c in self._of(passage)]
        return found

    def _of(self, passage: Passage) -> list[Candidate]:
        if id(passage) not in self._scored:  # the passage is kept, so its id stays its own
            self._scored[id(passage)] = (passage, self._score(passage))
        return self._scored[id(passage)][1]

    def _score(self, passage: Passage) -> list[Candidate]:
        question = self.question
        found = []
        title = passage.doc.meta.title
        named = name_words(passage)
        rank_bonus = RANK_WEIGHT * passage.score / self.top
        for sentence in split_sentences(passage.text, passage.start):
            if sentence.is_heading or (not checkable(sentence.text)
                                       and not sentence.text.rstrip().endswith(":")):
                continue  # a short lead-in ("Young women who:") stays: its items need it
            # a sentence also speaks for the headings it stands under, and for its document's
            # names when deciding whether the guidance answers at all ("IY age range")
            section, _ = passage.locate(sentence.start)
            have = _terms(sentence.text, tuple(section))
            overlap = _share(question, have)
            named_overlap = _share(question, have | named)
            context = " ".join([title, *section[-1:]])
            stated = [f for f in question.facts if f.stated_in(sentence.text, context)]
            bonus = max((STRICT_BONUS if f.strict else STATES_BONUS for f in stated), default=0.0)
            kinds = frozenset(f.kind.name for f in stated)
            found.append(Candidate(passage, 0, sentence, overlap, overlap + rank_bonus + bonus,
                                   named_overlap, rank_bonus, kinds, any(f.strict for f in stated)))
        return found


@lru_cache(maxsize=16384)
def _terms(sentence: str, section: tuple[str, ...]) -> frozenset[str]:
    """The stemmed words of a sentence and its headings (the same passages come back for many
    questions: each sentence is read once)."""
    return frozenset(stem(w) for w in content_terms(" ".join([sentence, *section])))


def _share(question: Question, have: set[str] | frozenset[str]) -> float:
    return sum(question.weights[t] for t in question.terms if t in have) / question.total


def name_words(passage: Passage) -> frozenset[str]:
    """The words of the names its document's title gives it ("incredible", "year", "iy")."""
    return _title_name_words(passage.doc.meta.title)


@lru_cache(maxsize=4096)
def _title_name_words(title: str) -> frozenset[str]:
    # asked of every passage of every question: parse each title once
    return frozenset(w for name in names_of(title) for w in name)
