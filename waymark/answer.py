"""Grounded answers without an LLM: escalation first, then retrieval, an answerability decision,
and a short answer composed of the retrieved documents' own sentences, each numbered to its
citation. When the evidence does not answer the question, a plain refusal instead."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from langchain_core.embeddings import Embeddings

from waymark import escalation
from waymark.citations import MIN_QUOTE_CHARS, Citation
from waymark.llm import LLM
from waymark.retrieval import Filters, HybridRetriever, Passage
from waymark.sentences import Sentence, clean, normalise_quote, split_sentences
from waymark.store import Snapshot, Store
from waymark.terms import content_terms, stem
from waymark.vocabulary import Vocabulary

_VOCABULARIES: dict[int, tuple[Snapshot, Vocabulary]] = {}

ADVISORY = ("Waymark advises; it never decides. Check the cited guidance, use your professional "
            "judgement and discuss decisions with your manager or safeguarding lead.")

# Calibrated on the golden questions (evals/questions.yaml): `waymark eval` prints the cut that
# refuses the most out-of-scope questions while refusing at most 5% of answerable ones. Refuse
# when the question uses a word (or only word pairs) no document uses, when the best passage is
# semantically far from it, or when its distinctive words are mostly absent from the best
# passages or from every single sentence of them.
MIN_DENSE = 0.3302
MIN_COVERAGE = 0.3295
MIN_SENTENCE = 0.1453
MIN_PAIRS = 2

ANSWER_WORDS = 120
PASSAGES = 5
PASSAGES_FOR_ANSWER = 4
MAX_SENTENCES_PER_PASSAGE = 2
MIN_SENTENCE_OVERLAP = 0.2  # share of the question's weighted words a further sentence must hold


@dataclass
class Candidate:
    passage: Passage
    rank: int
    sentence: Sentence
    overlap: float
    score: float


@dataclass
class Decision:
    """Why the question was answered or refused: the calibrated signals."""

    dense: float
    coverage: float
    sentence: float  # coverage of the question by the single best sentence
    refused: bool
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # words no document uses


@dataclass
class Outcome:
    result: dict[str, Any]
    passages: list[Passage]
    decision: Decision


class Answerer:
    def __init__(self, store: Store, embeddings: Embeddings, llm: LLM | None = None) -> None:
        self.store = store
        self.retriever = HybridRetriever(store, embeddings)
        self.llm = llm

    # ------------------------------------------------------------------ term weights

    def weights(self, terms: list[str], snapshot: Snapshot) -> dict[str, float]:
        """BM25-style inverse document frequency of each term over the stored chunks."""
        weights = {}
        for term in terms:
            df, total = self.store.cached_frequency(term)
            weights[term] = math.log(1 + (max(total, 1) - df + 0.5) / (df + 0.5))
        return weights

    # ------------------------------------------------------------------ the pipeline

    def ask(self, question: str, filters: Filters | None = None) -> dict[str, Any]:
        """The `POST /ask` object (DESIGN.md)."""
        return self.run(question, filters).result

    def run(self, question: str, filters: Filters | None = None) -> Outcome:
        """The answer with the evidence behind it (passages and the refusal decision)."""
        snapshot = self.store.snapshot()
        signals = escalation.detect(question, snapshot)
        passages = self.retriever.passages(question, PASSAGES, filters, snapshot)
        terms = content_terms(question)
        weights = self.weights(terms, snapshot)
        candidates = _candidates(passages, terms, weights)  # scored once: decision and answer
        decision = self.decide(question, passages, terms, weights, candidates, snapshot)
        result: dict[str, Any] = {
            "answer": "", "citations": [], "refused": decision.refused,
            "escalation": escalation.escalation(signals, self.store), "advisory": ADVISORY,
            "mode": "extractive", "answer_id": uuid.uuid4().hex,
        }
        if decision.refused:
            result["answer"] = refusal_text(passages)
            result["closest"] = [{"doc_id": p.doc.doc_id, "title": p.doc.meta.title}
                                 for p in _distinct_docs(passages)[:3]]
        else:
            generated, reason = (self.llm.answer(question, _top_document(passages))
                                 if self.llm else (None, ""))
            if generated:
                answer, citations, result["mode"] = generated.answer, generated.citations, "llm"
            else:
                answer, citations = compose(candidates)
                if reason:
                    result["fallback"] = reason
            result["answer"] = " ".join([answer, *stale_notes(citations)])
            result["citations"] = [c.to_json(n) for n, c in enumerate(citations, start=1)]
        return Outcome(result, passages, decision)

    def vocabulary(self, snapshot: Snapshot) -> Vocabulary:
        cached = _VOCABULARIES.get(id(snapshot))
        if cached is None or cached[0] is not snapshot:
            _VOCABULARIES.clear()
            cached = _VOCABULARIES[id(snapshot)] = (snapshot,
                                                    Vocabulary(self.store.words(snapshot.keys)))
        return cached[1]

    def decide(self, question: str, passages: list[Passage], terms: list[str],
               weights: dict[str, float], candidates: list[Candidate],
               snapshot: Snapshot) -> Decision:
        unknown = self.vocabulary(snapshot).unknown(question)
        pairs = Vocabulary.word_pairs(question)
        if len(pairs) >= MIN_PAIRS and not any(self.store.phrase_exists(p) for p in pairs):
            # every word is known, but no document puts any two of them together
            unknown = unknown or pairs
        if not passages:
            return Decision(0.0, 0.0, 0.0, True, terms, unknown)
        dense = max(p.dense_score for p in passages[:3])
        present = set().union(*(set(content_terms(p.text)) for p in passages[:3]))
        total = sum(weights.values()) or 1.0
        coverage = sum(w for t, w in weights.items() if t in present) / total if terms else 0.0
        sentence = max((c.overlap for c in candidates), default=0.0)
        missing = [t for t in terms if t not in present]
        refused = (bool(unknown) or dense < MIN_DENSE or coverage < MIN_COVERAGE
                   or sentence < MIN_SENTENCE)
        return Decision(dense, coverage, sentence, refused, missing, unknown)


def _distinct_docs(passages: list[Passage]) -> list[Passage]:
    seen: dict[str, Passage] = {}
    for passage in passages:
        seen.setdefault(passage.doc.doc_id, passage)
    return list(seen.values())


def refusal_text(passages: list[Passage]) -> str:
    closest = _distinct_docs(passages)[:3]
    text = "The guidance in Waymark does not cover this, so I cannot answer it."
    if closest:
        names = "; ".join(f"{p.doc.meta.title} ({p.doc.doc_id})" for p in closest)
        text += f" The closest documents are: {names}."
        owner = closest[0].doc.meta.owner
        ask = f"{owner}, who maintain(s) the closest document," if owner else "the document owner"
        text += f" Ask {ask} or your team lead or early help duty line."
    else:
        text += " The knowledge base is empty: ask your team lead or early help duty line."
    return text


def _top_document(passages: list[Passage]) -> list[Passage]:
    """The passages an answer may draw on: the best document's, as `compose` uses."""
    return [p for p in passages[:PASSAGES_FOR_ANSWER] if p.doc.doc_id == passages[0].doc.doc_id]


def stale_notes(citations: list[Citation]) -> list[str]:
    notes = []
    for n, citation in enumerate(citations, start=1):
        meta = citation.doc.meta
        if meta.is_stale():
            notes.append(f"Note: [{n}] comes from {meta.title}, which was due for review on "
                         f"{meta.review_by}; check it is still current before relying on it.")
    return notes


def _candidates(passages: list[Passage], terms: list[str],
                weights: dict[str, float]) -> list[Candidate]:
    total = sum(weights.values()) or 1.0
    top = passages[0].score if passages else 1.0
    found = []
    # one source answers: mixing documents is how answers go wrong
    for rank, passage in enumerate(_top_document(passages)):
        for sentence in split_sentences(passage.text, passage.start):
            if sentence.is_heading or len(normalise_quote(sentence.text)) < MIN_QUOTE_CHARS:
                continue
            # a sentence also speaks for the headings it stands under
            section, _ = passage.locate(sentence.start)
            have = {stem(w) for w in content_terms(" ".join([sentence.text, *section]))}
            overlap = sum(weights[t] for t in terms if t in have) / total
            found.append(Candidate(passage, rank, sentence, overlap,
                                   overlap + 0.3 * passage.score / top))
    return found


def compose(candidates: list[Candidate]) -> tuple[str, list[Citation]]:
    """About ANSWER_WORDS words of the passages' own sentences, each cited."""
    chosen: list[Candidate] = []
    words = 0
    for cand in sorted(candidates, key=lambda c: -c.score):
        if chosen and cand.overlap < MIN_SENTENCE_OVERLAP:
            break
        if sum(c.passage is cand.passage for c in chosen) >= MAX_SENTENCES_PER_PASSAGE:
            continue
        length = len(cand.sentence.text.split())
        if chosen and words + length > ANSWER_WORDS:
            continue
        chosen.append(cand)
        words += length
    chosen.sort(key=lambda c: (c.rank, c.sentence.start))
    citations: list[Citation] = []
    statements: list[str] = []
    for cand in chosen:
        passage, sentence = cand.passage, cand.sentence
        section, page = passage.locate(sentence.start)
        citation = Citation(passage.doc, normalise_quote(sentence.text), section, page,
                            sentence.start, sentence.end)
        citations.append(citation)
        statements.append(f"{clean(sentence.text)} [{len(citations)}]")
    return " ".join(statements), citations
