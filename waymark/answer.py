"""Grounded answers without an LLM, in one straight line: escalation first, then retrieve
(`retrieval`), score the sentences (`scoring`), decide whether the guidance answers
(`refusal`), and compose the answer from the documents' own sentences (`compose`). When the
evidence does not answer the question, a plain refusal instead."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from langchain_core.embeddings import Embeddings

from waymark import calibration, escalation, glossary, programmes, refusal
from waymark.calibration import AnswerCalibration
from waymark.compose import compose, distinct_docs, refusal_text, stale_notes
from waymark.document_names import Names
from waymark.errors import WaymarkError
from waymark.facts_asked import Asked
from waymark.llm import LLM
from waymark.models import DISTRICT_IN_TEXT, ServiceMeta
from waymark.question import Question, read_question
from waymark.retrieval import Filters, Hit, HybridRetriever, Passage
from waymark.scoring import Candidate, Scorer, name_words
from waymark.sentences import split_sentences
from waymark.store import Snapshot, Store
from waymark.terms import content_terms, stem
from waymark.vocabulary import Vocabulary

log = logging.getLogger(__name__)
WARM_UP_QUESTION = "how do I refer a family for early help?"

# A question about research wants the evidence summary of a programme, not its service page.
_RESEARCH = re.compile(r"\b(?:trials?|stud(?:y|ies)|research\w*|evidence|evaluat\w*|found|find"
                       r"|findings|meta-analys[ie]s|review|effective\w*|results?|rat(?:ing|ed))\b",
                       re.IGNORECASE)

# "what level is that?", "which level of need", "does she meet the threshold"
_LEVEL = re.compile(r"\b(?:what|which) level\b|\blevel of need\b|\bthreshold\b", re.IGNORECASE)

ADVISORY = ("Waymark advises; it never decides. Check the cited guidance, use your professional "
            "judgement and discuss decisions with your manager or safeguarding lead.")

PASSAGES = 5
PASSAGES_FOR_ANSWER = 4
DOCUMENTS_CONSIDERED = 3  # a document the question names may answer if among the first three
MAX_STATING_CHUNKS = 2  # further chunks of the answering document that state the fact asked


@dataclass
class Decision:
    """Why the question was answered or refused: the signals and the model's reading."""

    dense: float
    coverage: float
    sentence: float  # coverage of the question by the single best sentence
    refused: bool
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # words no document uses
    unstated: str = ""  # the kind of fact asked for that the answering document never states
    signals: refusal.Signals | None = None
    answerable: float = 0.0  # the refusal model's probability that the guidance answers


@dataclass
class Outcome:
    result: dict[str, Any]
    passages: list[Passage]
    decision: Decision


class Answerer:
    def __init__(self, store: Store, embeddings: Embeddings, llm: LLM | None = None,
                 fitted: AnswerCalibration | None = None) -> None:
        self.store = store
        self.retriever = HybridRetriever(store, embeddings,
                                         fitted.dense_weight if fitted else None)
        self.llm = llm
        self.fitted = fitted  # None: the shipped calibration

    def ask(self, question: str, filters: Filters | None = None) -> dict[str, Any]:
        """The `POST /ask` object (DESIGN.md)."""
        return self.run(question, filters).result

    def run(self, text: str, filters: Filters | None = None) -> Outcome:
        """The answer with the evidence behind it (passages and the refusal decision)."""
        with self.store.pinned() as snapshot:
            return self._run(text, filters, snapshot)

    def _run(self, text: str, filters: Filters | None, snapshot: Snapshot) -> Outcome:
        fitted = self.fitted or calibration.shipped()
        risk = escalation.detect(text, snapshot)
        # the rest reads the question in the knowledge base's words ("camhs" spelt out where
        # the documents never write it)
        text = glossary.spell_out(text, lambda phrase: self.store.cached_frequencies(
            [phrase])[0][phrase])
        passages = self.retriever.passages(text, PASSAGES, filters, snapshot)
        question = read_question(text, self.store)
        scorer = Scorer(question, passages)
        answering = self.answering(scorer, snapshot)
        answering += self.stating(answering, question.facts)
        scored = scorer.candidates(answering)
        decision = self.decide(question, passages, scored, snapshot, fitted.refusal)
        result: dict[str, Any] = {
            "answer": "", "citations": [], "refused": decision.refused,
            "escalation": escalation.escalation(risk, self.store), "advisory": ADVISORY,
            "mode": "extractive", "answer_id": uuid.uuid4().hex,
        }
        if decision.refused:
            result["answer"] = refusal_text(passages, decision.unstated)
            result["closest"] = [{"doc_id": p.doc.doc_id, "title": p.doc.meta.title}
                                 for p in distinct_docs(passages)[:3]]
        else:
            generated, reason = (self.llm.answer(text, answering) if self.llm else (None, ""))
            if generated:
                answer, citations, result["mode"] = generated.answer, generated.citations, "llm"
            else:
                answer, citations = compose(scored)
                if reason:
                    result["fallback"] = reason
            result["answer"] = " ".join([answer, *stale_notes(citations)])
            result["citations"] = [c.to_json(n) for n, c in enumerate(citations, start=1)]
        return Outcome(result, passages, decision)

    def warm_up(self) -> None:
        """Build what answering works out from the knowledge base (readers, names, the
        out-of-scope reference) before the first real question, by answering one and throwing
        the answer away: a fresh process otherwise spends seconds on its first question."""
        try:
            self.run(WARM_UP_QUESTION)
        except WaymarkError as exc:  # an empty or unavailable store: the first question will say
            log.info("warm-up skipped: %s", type(exc).__name__)

    def warm_up_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.warm_up, name="waymark-warm-up", daemon=True)
        thread.start()
        return thread

    def refusal_reference(self) -> dict[str, Any]:
        """How this knowledge base reads for refusal: its out-of-scope reference and where the
        model was fitted (for /health)."""
        snapshot = self.store.snapshot()
        found = refusal.reference(self.store, self.retriever.embeddings, snapshot)
        return {**found.to_json(), "model_fitted_on": calibration.shipped().fitted_on}

    def answering(self, scorer: Scorer, snapshot: Snapshot) -> list[Passage]:
        """The passages of the one document the answer draws on (mixing documents is how
        answers go wrong): of the first few, the one named by its title ("can Steps work with
        him?"), else the one holding the sentence that best answers the question."""
        question, passages = scorer.question, scorer.passages
        if not passages:
            return []
        # "young carer - what level of need is that?" asks the threshold, whatever it names
        docs = _of_kind_asked(question.text, [p.doc.doc_id for p in distinct_docs(passages)]
                              [:DOCUMENTS_CONSIDERED], snapshot)
        named = {d: n for d, n in self.names(snapshot).named_in(question.text).items()
                 if d in docs}
        # "young carers club? boy 10, AG8": of the services so named, those serving AG8
        serving = _serving(question.text, list(named), snapshot)
        named = {d: n for d, n in named.items() if d in serving}
        if not named:
            docs = _serving(question.text, docs, snapshot)

            # the document holding the sentence that best answers the question, the rank of
            # its passage counting for a little; a stated fact does not count here ("how many
            # health visitors work in NB7?" is not answered by a count from elsewhere)
            def document_score(doc_id: str) -> float:
                own = scorer.candidates(_of_document(passages, doc_id))
                return max((c.named_overlap + c.rank_bonus for c in own), default=0.0)
            return _of_document(passages, max(docs, key=document_score))
        research = bool(_RESEARCH.search(question.text))

        def strength(doc_id: str) -> tuple[int, int, bool, float]:
            """Named at more length, then by more of its names' words, then of the kind the
            question wants, then holding a sentence closer to the question."""
            mine = _of_document(passages, doc_id)
            own = scorer.candidates(mine)
            is_evidence = mine[0].doc.meta.kind == "evidence"
            return (named[doc_id].run, named[doc_id].extra, is_evidence == research,
                    max((c.overlap for c in own), default=0.0))

        chosen = max(named, key=strength)
        if chosen == docs[0]:
            return _of_document(passages, chosen)
        # the named document ranked below another: its own best passages, not only those that
        # made the shared top five
        only = Filters(doc_ids=frozenset({chosen}))
        return (self.retriever.passages(question.text, PASSAGES_FOR_ANSWER, only, snapshot)
                or _of_document(passages, chosen))

    def stating(self, answering: list[Passage], facts: list[Asked]) -> list[Passage]:
        """Chunks of the answering document, beyond the retrieved passages, that state a value
        of the kind asked for when the passages do not: an opening time sits in a contact
        section that shares few words with "what times is it open?"."""
        exact = [f for f in facts if f.exact]
        if not answering or not exact or any(
                f.stated_in(sentence.text) for p in answering for f in exact
                for sentence in split_sentences(p.text)):
            return []
        doc = answering[0].doc
        found = []
        for chunk in self.store.version_chunks(doc.version_key):
            if any(p.start <= chunk.start < p.end for p in answering):
                continue
            context = " ".join([doc.meta.title, *chunk.section[-1:]])
            if any(f.stated_in(sentence.text, context) for f in exact
                   for sentence in split_sentences(chunk.text)):
                found.append(Passage(doc, [Hit(chunk)], chunk.start, chunk.end, chunk.text,
                                     0.0, chunk.section, chunk.page))
        return found[:MAX_STATING_CHUNKS]

    def names(self, snapshot: Snapshot) -> Names:
        return snapshot.derived("names", lambda: self._names(snapshot))

    def _names(self, snapshot: Snapshot) -> Names:
        rows = max(self.store.chunk_rows(), 1)
        return Names(snapshot, lambda phrase: self.store.document_frequency(phrase) / rows,
                     lambda word: self.store.documents_using(word, snapshot.keys))

    def programme_not_held(self, question: Question, snapshot: Snapshot) -> str:
        """The national programme the question is about when no document names it, or ""."""
        named = programmes.named_in(question.text)
        if not named:
            return ""
        corpus = snapshot.derived("plain text", lambda: " {} ".format(" ".join(
            programmes.plain(f"{doc.meta.title} {self.store.text_span(doc.version_key)}")
            for doc in snapshot.documents.values())))
        for programme, spelling in named:
            share = sum(question.weights.get(t, 0.0) for t in set(content_terms(spelling)))
            if share / question.total >= programmes.TOPIC_SHARE and not programmes.held(
                    programme, corpus):
                return programme.name
        return ""

    def vocabulary(self, snapshot: Snapshot) -> Vocabulary:
        return snapshot.derived("vocabulary",
                                lambda: Vocabulary(self.store.words(snapshot.keys)))

    def decide(self, question: Question, passages: list[Passage], scored: list[Candidate],
               snapshot: Snapshot, model: refusal.RefusalModel) -> Decision:
        """Refuse when the question asks for a fact the answering document never states, or
        when the refusal model reads the evidence as not answering it."""
        # "age limit" asks for an age: neither word is a topic the guidance must know or put
        # together with another
        asking = {w for f in question.facts for w in f.kind.asking}
        unknown = [w for w in self.vocabulary(snapshot).unknown(question.text)
                   if w not in asking and w not in question.names]
        if not passages:
            return Decision(0.0, 0.0, 0.0, True, question.terms, unknown)
        pairs = [p for p in Vocabulary.word_pairs(question.text)
                 if not set(p.split()) & (asking | question.names)]
        unseen = [p for p in pairs if not self.store.phrase_exists(p)]
        dense = max(p.dense_score for p in passages)
        # a passage speaks for its document's title, names ("IY") and headings too
        present = set().union(*(
            {*content_terms(" ".join([p.doc.meta.title, *p.section, p.text])),
             *name_words(p)} for p in passages[:3]))
        weights, total = question.weights, question.total
        coverage = sum(w for t, w in weights.items() if t in present) / total
        missing = [t for t in question.terms if t not in present]
        reference = refusal.reference(self.store, self.retriever.embeddings, snapshot)
        signals = refusal.Signals(
            dense, reference.z(dense), coverage,
            max((c.named_overlap for c in scored), default=0.0),
            max((weights[t] for t in missing), default=0.0) / total,
            sum(weights.get(stem(w), 0.0) for w in unknown) / total,
            len(unseen) / len(pairs) if pairs else 0.0, len(question.terms))
        # "how many health visitors work in NB7?": guidance that never states such a number
        # cannot answer, however close its words are
        strict = [f for f in question.facts if f.strict]
        # (stating another kind asked — "ten weekly sessions" for "how long is the wait?",
        # "6 weeks" for "how many weeks wait?" — is not stating this one)
        unstated = (strict[0].kind.label if strict and not any(
            strict[0].kind.name in c.stated for c in scored) else "")
        # "contact details for Dr Okafor": a person no document names
        if not unstated and any(name in unknown for name in _titled_names(question.text)):
            unstated = "anyone by that name"
        # "how do families apply for healthy start vouchers": a national programme no document
        # names, whatever passage shares its words
        if not unstated and (missing_programme := self.programme_not_held(question, snapshot)):
            unstated = f"anything on {missing_programme}"
        refused = bool(unstated) or model.refuses(signals)
        return Decision(dense, coverage, signals.sentence, refused, missing, unknown, unstated,
                        signals, model.answerable(signals))


# "Miss" and "Ms" only before a capital: "if they miss appts", "mum with ms" name no one
_TITLED = re.compile(r"\b(?i:dr|mr|mrs|mx)\.?\s+([A-Za-z][a-z'-]+)"
                     r"|\b(?:Miss|Ms)\.?\s+([A-Z][a-z'-]+)")


def _titled_names(text: str) -> list[str]:
    """The surnames a question gives with a title ("dr okafor"), lower-cased."""
    return [(match.group(1) or match.group(2)).lower() for match in _TITLED.finditer(text)]


def _of_document(passages: list[Passage], doc_id: str) -> list[Passage]:
    return [p for p in passages[:PASSAGES_FOR_ANSWER] if p.doc.doc_id == doc_id] or [
        next(p for p in passages if p.doc.doc_id == doc_id)]


def _of_kind_asked(question: str, docs: list[str], snapshot: Snapshot) -> list[str]:
    """A question asking which level of need a family is at is answered by the threshold."""
    if not _LEVEL.search(question):
        return docs
    return [d for d in docs if snapshot.documents[d].meta.kind == "threshold"] or docs


def _serving(question: str, docs: list[str], snapshot: Snapshot) -> list[str]:
    """A question placing the family in a postcode district ("boy 10, AG8") is not answered by
    a service whose areas leave that district out (a look-alike of the neighbouring area)."""
    areas = snapshot.derived("service areas", lambda: {
        doc_id: frozenset(doc.meta.eligibility.areas) for doc_id, doc in snapshot.documents.items()
        if isinstance(doc.meta, ServiceMeta) and doc.meta.eligibility.areas})
    known: set[str] = set().union(*areas.values())
    districts = set(DISTRICT_IN_TEXT.findall(question.upper())) & known
    if not districts:
        return docs
    return [d for d in docs if d not in areas or areas[d] & districts] or docs
