"""Grounded answers without an LLM: escalation first, then retrieval, an answerability decision,
and a short answer composed of the retrieved documents' own sentences, each numbered to its
citation. When the evidence does not answer the question, a plain refusal instead."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from langchain_core.embeddings import Embeddings

from waymark import escalation, refusal
from waymark.asked import Asked, asked
from waymark.citations import MIN_QUOTE_CHARS, Citation
from waymark.llm import LLM
from waymark.naming import Names, names_of
from waymark.retrieval import Filters, Hit, HybridRetriever, Passage
from waymark.sentences import Sentence, clean, normalise_quote, split_sentences
from waymark.store import Snapshot, Store
from waymark.terms import content_terms, stem, surface_forms
from waymark.vocabulary import Vocabulary

# A question about research wants the evidence summary of a programme, not its service page.
_RESEARCH = re.compile(r"\b(?:trials?|stud(?:y|ies)|research\w*|evidence|evaluat\w*|found|find"
                       r"|findings|meta-analys[ie]s|review|effective\w*|results?|rat(?:ing|ed))\b",
                       re.IGNORECASE)

_ITEM_END = re.compile(r"(?:[;,]?\s+(?:and|or))?[\s;,.]*$")  # "under five; and" -> "under five"

ADVISORY = ("Waymark advises; it never decides. Check the cited guidance, use your professional "
            "judgement and discuss decisions with your manager or safeguarding lead.")


ANSWER_WORDS = 120
PASSAGES = 5
PASSAGES_FOR_ANSWER = 4
MAX_SENTENCES_PER_PASSAGE = 2
MIN_SENTENCE_OVERLAP = 0.2  # share of the question's weighted words a further sentence must hold
RANK_WEIGHT = 0.3  # a sentence's score: its overlap, plus this much for a top-ranked passage
STATES_BONUS = 0.3  # a sentence stating the kind of fact asked for ("because ...") ranks higher
STRICT_BONUS = 1.0  # ... and one stating a time, number or amount asked for leads the answer
DOCUMENTS_CONSIDERED = 3  # a document the question names may answer if among the first three
LABEL_WORDS = 4  # "Assertiveness and persistence." labels the sentence after it
MAX_ITEMS = 8  # list items a lead-in ending in ":" brings with it
MAX_STATING_CHUNKS = 2  # further chunks of the answering document that state the fact asked


@dataclass
class Candidate:
    passage: Passage
    rank: int
    sentence: Sentence
    overlap: float
    score: float
    about: float  # the overlap counting the document's names as held by every sentence
    standing: float  # what the rank of its passage adds to its score
    states: bool = False  # states the kind of fact the question asks for
    leads: bool = False  # ... a time, number, amount or contact: it opens the answer


@dataclass
class Decision:
    """Why the question was answered or refused: the calibrated signals."""

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
    def __init__(self, store: Store, embeddings: Embeddings, llm: LLM | None = None) -> None:
        self.store = store
        self.retriever = HybridRetriever(store, embeddings)
        self.llm = llm

    # ------------------------------------------------------------------ term weights

    def weights(self, terms: dict[str, str]) -> dict[str, float]:
        """BM25-style inverse document frequency of each term (stem: the word it was written
        as) over the stored chunks."""
        weights = {}
        for term, word in terms.items():
            df, total = self.store.cached_frequency(word)
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
        facts = asked(question)
        # "times" in "what times is it open?" asks for a time; it is not a topic to look up
        asking = {stem(w) for f in facts if f.strict for w in f.kind.asking}
        written = {t: w for t, w in surface_forms(question).items() if t not in asking}
        terms = list(written)
        weights = self.weights(written)
        answering = self.answering(question, passages, terms, weights, facts, snapshot)
        answering += self.stating(answering, facts)
        candidates = _candidates(answering, passages, terms, weights, facts)
        decision = self.decide(question, passages, terms, weights, candidates, facts, snapshot)
        result: dict[str, Any] = {
            "answer": "", "citations": [], "refused": decision.refused,
            "escalation": escalation.escalation(signals, self.store), "advisory": ADVISORY,
            "mode": "extractive", "answer_id": uuid.uuid4().hex,
        }
        if decision.refused:
            result["answer"] = refusal_text(passages, decision.unstated)
            result["closest"] = [{"doc_id": p.doc.doc_id, "title": p.doc.meta.title}
                                 for p in _distinct_docs(passages)[:3]]
        else:
            generated, reason = (self.llm.answer(question, answering)
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

    def answering(self, question: str, passages: list[Passage], terms: list[str],
                  weights: dict[str, float], facts: list[Asked],
                  snapshot: Snapshot) -> list[Passage]:
        """The passages of the one document the answer draws on (mixing documents is how
        answers go wrong): of the first few, the one named by its title ("can Steps work with
        him?"), else the one holding the sentence that best answers the question."""
        if not passages:
            return []
        docs = [p.doc.doc_id for p in _distinct_docs(passages)][:DOCUMENTS_CONSIDERED]
        named = {d: n for d, n in self.names(snapshot).named(question).items() if d in docs}
        if not named:
            # the document holding the sentence that best answers the question, the rank of
            # its passage counting for a little; a stated fact does not count here ("how many
            # health visitors work in NB7?" is not answered by a count from elsewhere)
            def fit(doc_id: str) -> float:
                own = _candidates(_of_document(passages, doc_id), passages, terms, weights, facts)
                return max((c.about + c.standing for c in own), default=0.0)
            return _of_document(passages, max(docs, key=fit))
        research = bool(_RESEARCH.search(question))

        def strength(doc_id: str) -> tuple[int, int, bool, float]:
            """Named at more length, then by more of its names' words, then of the kind the
            question wants, then holding a sentence closer to the question."""
            mine = _of_document(passages, doc_id)
            own = _candidates(mine, passages, terms, weights, facts)
            is_evidence = mine[0].doc.meta.kind == "evidence"
            return (named[doc_id].run, named[doc_id].extra, is_evidence == research,
                    max((c.overlap for c in own), default=0.0))

        chosen = max(named, key=strength)
        if chosen == docs[0]:
            return _of_document(passages, chosen)
        # the named document ranked below another: its own best passages, not only those that
        # made the shared top five
        only = Filters(doc_ids=frozenset({chosen}))
        return (self.retriever.passages(question, PASSAGES_FOR_ANSWER, only, snapshot)
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

    def vocabulary(self, snapshot: Snapshot) -> Vocabulary:
        return snapshot.derived("vocabulary",
                                lambda: Vocabulary(self.store.words(snapshot.keys)))

    def decide(self, question: str, passages: list[Passage], terms: list[str],
               weights: dict[str, float], candidates: list[Candidate], facts: list[Asked],
               snapshot: Snapshot) -> Decision:
        # "age limit" asks for an age: neither word is a topic the guidance must know or put
        # together with another
        asking = {w for f in facts for w in f.kind.asking}
        unknown = [w for w in self.vocabulary(snapshot).unknown(question) if w not in asking]
        pairs = [p for p in Vocabulary.word_pairs(question) if not set(p.split()) & asking]
        unseen = [p for p in pairs if not self.store.phrase_exists(p)]
        if not passages:
            return Decision(0.0, 0.0, 0.0, True, terms, unknown)
        dense = max(p.dense_score for p in passages)
        # a passage speaks for its document's title, names ("IY") and headings too
        present = set().union(*(
            {*content_terms(" ".join([p.doc.meta.title, *p.section, p.text])),
             *_name_words(p)} for p in passages[:3]))
        total = sum(weights.values()) or 1.0
        coverage = sum(w for t, w in weights.items() if t in present) / total if terms else 0.0
        sentence = max((c.about for c in candidates), default=0.0)
        missing = [t for t in terms if t not in present]
        reference = refusal.reference(self.store, self.retriever.embeddings, snapshot)
        signals = refusal.Signals(
            dense, reference.z(dense), coverage, sentence,
            max((weights[t] for t in missing), default=0.0) / total,
            sum(weights.get(stem(w), 0.0) for w in unknown) / total,
            len(unseen) / len(pairs) if pairs else 0.0, len(terms))
        model = refusal.shipped_model()
        # "how many health visitors work in NB7?": guidance that never states such a number
        # cannot answer, however close its words are
        strict = [f for f in facts if f.strict]
        unstated = (strict[0].kind.label if strict and not any(c.states for c in candidates)
                    else "")
        refused = bool(unstated) or model.refuses(signals)
        return Decision(dense, coverage, sentence, refused, missing, unknown, unstated, signals,
                        model.answerable(signals))


def _distinct_docs(passages: list[Passage]) -> list[Passage]:
    seen: dict[str, Passage] = {}
    for passage in passages:
        seen.setdefault(passage.doc.doc_id, passage)
    return list(seen.values())


def refusal_text(passages: list[Passage], unstated: str = "") -> str:
    closest = _distinct_docs(passages)[:3]
    text = "The guidance in Waymark does not cover this, so I cannot answer it."
    if unstated and closest:
        text = (f"The guidance in Waymark does not give {unstated} for this, so I cannot "
                "answer it.")
    if closest:
        names = "; ".join(f"{p.doc.meta.title} ({p.doc.doc_id})" for p in closest)
        text += f" The closest documents are: {names}."
        owner = closest[0].doc.meta.owner
        ask = f"{owner}, who maintain(s) the closest document," if owner else "the document owner"
        text += f" Ask {ask} or your team lead or early help duty line."
    else:
        text += " The knowledge base is empty: ask your team lead or early help duty line."
    return text


def _of_document(passages: list[Passage], doc_id: str) -> list[Passage]:
    return [p for p in passages[:PASSAGES_FOR_ANSWER] if p.doc.doc_id == doc_id] or [
        next(p for p in passages if p.doc.doc_id == doc_id)]


def stale_notes(citations: list[Citation]) -> list[str]:
    notes = []
    for n, citation in enumerate(citations, start=1):
        meta = citation.doc.meta
        if meta.is_stale():
            notes.append(f"Note: [{n}] comes from {meta.title}, which was due for review on "
                         f"{meta.review_by}; check it is still current before relying on it.")
    return notes


def _candidates(answering: list[Passage], passages: list[Passage], terms: list[str],
                weights: dict[str, float], facts: list[Asked]) -> list[Candidate]:
    """Every sentence of the answering passages, scored by the question's words it holds, the
    rank of its passage among all retrieved and whether it states the fact asked for."""
    total = sum(weights.values()) or 1.0
    top = passages[0].score if passages else 1.0
    found = []
    for rank, passage in enumerate(answering):
        title = passage.doc.meta.title
        named = _name_words(passage)
        for sentence in split_sentences(passage.text, passage.start):
            if sentence.is_heading or (len(normalise_quote(sentence.text)) < MIN_QUOTE_CHARS
                                       and not sentence.text.rstrip().endswith(":")):
                continue  # a short lead-in ("Young women who:") stays: its items need it
            # a sentence also speaks for the headings it stands under, and for its document's
            # names when deciding whether the guidance answers at all ("IY age range")
            section, _ = passage.locate(sentence.start)
            have = {stem(w) for w in content_terms(" ".join([sentence.text, *section]))}
            overlap = sum(weights[t] for t in terms if t in have) / total
            about = sum(weights[t] for t in terms if t in have | named) / total
            context = " ".join([title, *section[-1:]])
            stated = [f for f in facts if f.stated_in(sentence.text, context)]
            bonus = max((STRICT_BONUS if f.strict else STATES_BONUS for f in stated), default=0.0)
            standing = RANK_WEIGHT * passage.score / top
            found.append(Candidate(passage, rank, sentence, overlap, overlap + standing + bonus,
                                   about, standing, bool(stated), any(f.strict for f in stated)))
    return found


def _name_words(passage: Passage) -> frozenset[str]:
    """The words of the names its document's title gives it ("incredible", "year", "iy")."""
    return _title_name_words(passage.doc.meta.title)


@lru_cache(maxsize=4096)
def _title_name_words(title: str) -> frozenset[str]:
    # asked of every passage of every question: parse each title once
    return frozenset(w for name in names_of(title) for w in name)


def compose(candidates: list[Candidate]) -> tuple[str, list[Citation]]:
    """About ANSWER_WORDS words of the passages' own sentences, each cited. A sentence that
    leads into a list ("four processes:") brings the list, a list item the lead-in it completes,
    and a short label the sentence it labels."""
    chosen: list[list[Candidate]] = []  # the sentences of each statement
    used: set[int] = set()
    words = 0
    for cand in sorted(candidates, key=lambda c: -c.score):
        if id(cand) in used:
            continue
        if chosen and cand.overlap < MIN_SENTENCE_OVERLAP and not cand.states:
            break
        if sum(s[0].passage is cand.passage for s in chosen) >= MAX_SENTENCES_PER_PASSAGE:
            continue
        first, last = _lead_in(cand, candidates), _completion(cand, candidates)
        span = [c for c in candidates if c.passage is cand.passage
                and first.sentence.start <= c.sentence.start <= last.sentence.start]
        length = sum(len(c.sentence.text.split()) for c in span)
        if any(id(c) in used for c in span) or (chosen and words + length > ANSWER_WORDS):
            continue
        if len(normalise_quote(" ".join(c.sentence.text for c in span))) < MIN_QUOTE_CHARS:
            continue
        chosen.append(span)
        used.update(id(c) for c in span)
        words += length
    chosen.sort(key=lambda span: (not span[0].leads, span[0].rank, span[0].sentence.start))
    citations: list[Citation] = []
    statements: list[str] = []
    for span in chosen:
        passage = span[0].passage
        section, page = passage.locate(span[0].sentence.start)
        start, end = span[0].sentence.start, span[-1].sentence.end
        text = passage.text[start - passage.start:end - passage.start]
        citations.append(Citation(passage.doc, normalise_quote(text), section, page, start, end))
        statements.append(f"{_readable(span)} [{len(citations)}]")
    return " ".join(statements), citations


def _lead_in(cand: Candidate, candidates: list[Candidate]) -> Candidate:
    """The first sentence a statement ending at `cand` needs: for a list item ("are aged 19 or
    under;"), the lead-in it completes ("Young women who:"), on the same page."""
    if not cand.sentence.is_item:
        return cand
    before = sorted((c for c in candidates if c.passage is cand.passage
                     and c.sentence.start < cand.sentence.start),
                    key=lambda c: -c.sentence.start)
    page = cand.passage.locate(cand.sentence.start)[1]
    for c in before[:MAX_ITEMS]:
        if cand.passage.locate(c.sentence.start)[1] != page:
            break
        if not c.sentence.is_item:
            return c if c.sentence.text.rstrip().endswith(":") else cand
    return cand


def _completion(cand: Candidate, candidates: list[Candidate]) -> Candidate:
    """The last sentence a statement starting at `cand` needs: the list its lead-in introduces,
    or the sentence its label names; on the same page, so the quote can be checked there."""
    following = sorted((c for c in candidates if c.passage is cand.passage
                        and c.sentence.start > cand.sentence.start),
                       key=lambda c: c.sentence.start)
    page = cand.passage.locate(cand.sentence.start)[1]
    same_page = [c for c in following if cand.passage.locate(c.sentence.start)[1] == page]
    text = cand.sentence.text.rstrip()
    last = cand
    if text.endswith(":"):
        for item in same_page[:MAX_ITEMS]:
            if not item.sentence.is_item:
                break
            last = item
    elif len(text.split()) <= LABEL_WORDS and same_page:
        last = same_page[0]
    return last


def _readable(span: list[Candidate]) -> str:
    """The statement as the answer shows it: a list's items joined by semicolons."""
    pieces = [clean(c.sentence.text) for c in span]
    if len(pieces) > 1 and pieces[0].endswith(":"):
        return f"{pieces[0]} {'; '.join(_ITEM_END.sub('', p) for p in pieces[1:])}"
    return " ".join(pieces)
