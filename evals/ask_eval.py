"""Quality of `ask` on a pack's questions, per split: retrieval (recall@5, MRR), the expected
document cited, the answering passage carried, citations, refusal and latency against the bare
embed + vector query of the same question, with a dense-only LangChain + Chroma baseline over
the same store (it cites its top chunk and never refuses)."""

from __future__ import annotations

import re
import statistics
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings
from sklearn.linear_model import LogisticRegressionCV

from waymark.answer import Answerer, Outcome
from waymark.citations import MIN_QUOTE_CHARS
from waymark.refusal import RefusalModel, Signals
from waymark.retrieval import DEPTH
from waymark.store import Store

TOP_K = 5
GOLD_SHARE = 0.6  # a gold passage is carried when this share of its longer words is present


def norm(text: str) -> str:
    """Lower-case words only, so a quote survives Markdown stripping and PDF line breaks."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.findall(r"[a-z0-9£%]+", text))


def reciprocal_rank(ranked_docs: list[str], expected: set[str]) -> float:
    for rank, doc_id in enumerate(ranked_docs, start=1):
        if doc_id in expected:
            return 1.0 / rank
    return 0.0


def carries_gold(text: str, gold: dict[str, Any] | None) -> bool | None:
    """Whether `text` holds most words of one of the gold passages (as score_api.py counts it);
    None when the question has no gold passage."""
    if not gold or not gold.get("quotes"):
        return None
    said = set(norm(text).split())
    for quote in gold["quotes"]:
        words = [w for w in norm(quote).split() if len(w) > 3]
        if words and sum(w in said for w in words) / len(words) >= GOLD_SHARE:
            return True
    return False


@dataclass
class Trace:
    """One question's refusal signals, kept for calibration."""

    id: str
    refuse: bool
    signals: Signals | None  # None: no passage retrieved
    unstated: bool  # refused whatever the model: asks for a fact the guidance never states


@dataclass
class QuestionRun:
    """What happened to one question, for Waymark or the baseline."""

    id: str
    refuse: bool
    expected: set[str]
    ranked: list[str]  # documents of the top passages
    cited: set[str]
    refused: bool
    supported: bool | None  # carries a gold passage (None: no gold)
    citations: int = 0
    verbatim: int = 0
    cited_expected: int = 0
    latency_ms: float = 0.0
    bare_ms: float = 0.0
    by_llm: bool = False  # answered by the LLM (not the extractive fallback)


@dataclass
class AskRun:
    runs: list[QuestionRun] = field(default_factory=list)
    baseline: list[QuestionRun] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)


def _share(n: float, d: int) -> float | None:
    return round(n / d, 4) if d else None


def summarise(runs: list[QuestionRun]) -> dict[str, Any]:
    """The answer metrics of a set of question runs (one split)."""
    answerable = [r for r in runs if not r.refuse]
    out_of_scope = [r for r in runs if r.refuse]
    gold = [r for r in answerable if r.supported is not None]
    citations = sum(r.citations for r in runs)
    answered = [r for r in answerable if not r.refused]
    metrics: dict[str, Any] = {
        "questions": len(runs),
        "recall_at_5": _share(sum(bool(r.expected & set(r.ranked[:TOP_K])) for r in answerable),
                              len(answerable)),
        "mrr": _share(sum(reciprocal_rank(r.ranked, r.expected) for r in answerable),
                      len(answerable)),
        "recall_at_cited": _share(sum(bool(r.expected & r.cited) for r in answered),
                                  len(answerable)),
        "gold_support": _share(sum(bool(r.supported) and not r.refused for r in gold), len(gold)),
        "citation_validity": _share(sum(r.verbatim for r in runs), citations),
        "citation_in_expected": _share(sum(r.cited_expected for r in answerable),
                                       sum(r.citations for r in answerable)),
        "refusal_recall": _share(sum(r.refused for r in out_of_scope), len(out_of_scope)),
        "false_refusal_rate": _share(sum(r.refused for r in answerable), len(answerable)),
    }
    if any(r.by_llm for r in runs):
        metrics["llm_answers"] = _share(sum(r.by_llm for r in answered), len(answered))
    latencies = [r.latency_ms for r in runs if r.latency_ms]
    bare = [r.bare_ms for r in runs if r.bare_ms]
    if latencies:
        metrics["latency_p50_ms"] = round(statistics.median(latencies), 1)
        metrics["latency_p95_ms"] = round(float(np.percentile(latencies, 95)), 1)
    if latencies and bare:
        metrics["bare_p50_ms"] = round(statistics.median(bare), 1)
        metrics["ratio_to_bare_p50"] = round(statistics.median(latencies)
                                             / statistics.median(bare), 2)
    return {k: v for k, v in metrics.items() if v is not None}


class DenseBaseline:
    """What most teams would build: LangChain's Chroma retriever, dense only, over our store,
    citing its top chunk and never refusing."""

    def __init__(self, store: Store, embeddings: Embeddings) -> None:
        chroma = Chroma(client=store.vectors.client, collection_name=store.vectors.collection_name,
                        embedding_function=embeddings)
        self.retriever = chroma.as_retriever(search_kwargs={
            "k": TOP_K, "filter": {"version_key": {"$in": store.snapshot().keys}}})

    def run(self, q: dict[str, Any], gold: dict[str, Any] | None) -> QuestionRun:
        found = self.retriever.invoke(q["question"])
        ranked = [d.metadata["doc_id"] for d in found]
        top = found[0] if found else None
        return QuestionRun(
            q["id"], q["refuse"], set(q["expect_docs"]), ranked,
            {top.metadata["doc_id"]} if top else set(), refused=False,
            supported=carries_gold(top.page_content if top else "", gold))


def bare_query_ms(store: Store, embeddings: Embeddings, question: str) -> float:
    """The bare cost of a question: embed it and query the vectors, as deep as /ask does."""
    start = time.perf_counter()
    store.vectors.collection.query(query_embeddings=[embeddings.embed_query(question)],
                           n_results=DEPTH, include=["distances", "metadatas"])
    return (time.perf_counter() - start) * 1000


def _citation_checks(result: dict[str, Any], texts: dict[str, str], run: QuestionRun,
                     misses: list[dict[str, Any]]) -> None:
    for citation in result["citations"]:
        run.citations += 1
        quote = norm(citation["quote"])
        verbatim = len(quote) >= MIN_QUOTE_CHARS and quote in texts.get(citation["doc_id"], "")
        run.verbatim += verbatim
        run.cited_expected += citation["doc_id"] in run.expected
        if not verbatim:
            misses.append({"id": run.id, "problem": "quote not verbatim",
                           "doc_id": citation["doc_id"]})


def run_questions(answerer: Answerer, bare_embeddings: Embeddings | None,
                  questions: list[dict[str, Any]], gold: dict[str, Any],
                  baseline: DenseBaseline | None = None) -> AskRun:
    """Every question through Waymark (and the baseline), timed beside its bare query (when
    `bare_embeddings` is given)."""
    out = AskRun()
    store = answerer.store
    texts = {doc.doc_id: norm(store.document_text(doc.doc_id) or "")
             for doc in store.documents()}
    for q in questions:
        start = time.perf_counter()
        outcome: Outcome = answerer.run(q["question"])
        latency = (time.perf_counter() - start) * 1000
        result, decision = outcome.result, outcome.decision
        said = " ".join([result["answer"], *(c["quote"] for c in result["citations"])])
        run = QuestionRun(
            q["id"], q["refuse"], set(q["expect_docs"]),
            [p.doc.doc_id for p in outcome.passages[:TOP_K]],
            {c["doc_id"] for c in result["citations"]}, result["refused"],
            carries_gold(said, gold.get(q["id"])), latency_ms=latency,
            by_llm=result.get("mode") == "llm",
            bare_ms=bare_query_ms(store, bare_embeddings, q["question"]) if bare_embeddings else 0)
        _citation_checks(result, texts, run, out.misses)
        out.runs.append(run)
        out.traces.append(Trace(q["id"], q["refuse"], decision.signals,
                                bool(decision.unstated)))
        out.misses += _misses(run, result, outcome)
        if baseline is not None:
            out.baseline.append(baseline.run(q, gold.get(q["id"])))
    return out


def _misses(run: QuestionRun, result: dict[str, Any], outcome: Outcome) -> list[dict[str, Any]]:
    if run.refuse:
        return [] if run.refused else [{"id": run.id, "problem": "answered, should refuse",
                                        "cited": sorted(run.cited)}]
    misses: list[dict[str, Any]] = []
    if not run.expected & set(run.ranked):
        misses.append({"id": run.id, "problem": "expected document not in top 5",
                       "retrieved": run.ranked})
    if run.refused:
        misses.append({"id": run.id, "problem": "refused, should answer",
                       "dense": round(outcome.decision.dense, 3),
                       "coverage": round(outcome.decision.coverage, 3),
                       "sentence": round(outcome.decision.sentence, 3),
                       "answerable": round(outcome.decision.answerable, 3),
                       "unknown": outcome.decision.unknown,
                       "unstated": outcome.decision.unstated})
    elif not run.expected & run.cited:
        misses.append({"id": run.id, "problem": "cites no expected document",
                       "cited": sorted(run.cited)})
    elif run.supported is False:
        misses.append({"id": run.id, "problem": "answer lacks the answering passage"})
    if result.get("fallback"):
        misses.append({"id": run.id, "problem": "LLM answer rejected",
                       "reason": result["fallback"]})
    return misses


MAX_FALSE_REFUSALS = 0.05  # calibration never trades more answerable questions than this
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # regularisation tried by cross-validation on dev


def calibrate(traces: list[Trace]) -> tuple[RefusalModel, dict[str, float]] | None:
    """The refusal model fitted on `traces` (the dev split): logistic regression over the
    signals (regularisation by 5-fold cross-validation), then the cut that refuses the most
    out-of-scope questions while refusing at most MAX_FALSE_REFUSALS of the answerable ones
    (counting those refused for an unstated fact), placed halfway to the next answerable
    question so that it leans to answering."""
    scored = [t for t in traces if t.signals is not None and not t.unstated]
    labels = [not t.refuse for t in scored]
    if len(set(labels)) < 2 or min(labels.count(True), labels.count(False)) < 5:
        return None
    x = np.array([t.signals.vector() for t in scored if t.signals is not None])
    with warnings.catch_warnings():  # scikit-learn 1.8 announces a change of attributes
        warnings.simplefilter("ignore", FutureWarning)
        fit = LogisticRegressionCV(Cs=list(C_GRID), cv=5, scoring="neg_log_loss",
                                   class_weight="balanced").fit(x, labels)
    probability = fit.predict_proba(x)[:, 1]
    answerable = sum(not t.refuse for t in traces)
    budget = int(MAX_FALSE_REFUSALS * answerable) - sum(
        t.unstated and not t.refuse for t in traces)
    refuse = ~np.array(labels)
    best_cut, best_right = 0.0, -1
    for cut in np.unique(probability):
        wrong = int(((probability < cut) & ~refuse).sum())
        right = int(((probability < cut) & refuse).sum())
        if wrong <= budget and right > best_right:
            best_cut, best_right = float(cut), right
    above = probability[~refuse & (probability >= best_cut)]
    below = probability[probability < best_cut]
    if above.size and below.size:
        best_cut = (float(below.max()) + float(above.min())) / 2
    refused = (probability < best_cut)
    model = RefusalModel(tuple(round(float(w), 4) for w in fit.coef_[0]),
                         round(float(fit.intercept_[0]), 4), round(best_cut, 4))
    unstated_right = sum(t.unstated and t.refuse for t in traces)
    unstated_wrong = sum(t.unstated and not t.refuse for t in traces)
    out_of_scope = sum(t.refuse for t in traces)
    return model, {
        "C": float(fit.C_[0]),
        "refusal_recall": round((int((refused & refuse).sum()) + unstated_right)
                                / max(out_of_scope, 1), 4),
        "false_refusal_rate": round((int((refused & ~refuse).sum()) + unstated_wrong)
                                    / max(answerable, 1), 4)}
