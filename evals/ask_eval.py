"""Quality of `ask` on a pack's questions: retrieval (recall@5, MRR), citations, refusal,
escalation and latency, with a dense-only LangChain + Chroma baseline over the same store."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from waymark.answer import Answerer, Outcome
from waymark.store import Store

TOP_K = 5


def norm(text: str) -> str:
    """Lower-case words only, so a quote survives Markdown stripping and PDF line breaks."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.findall(r"[a-z0-9£%]+", text))


def reciprocal_rank(ranked_docs: list[str], expected: set[str]) -> float:
    for rank, doc_id in enumerate(ranked_docs, start=1):
        if doc_id in expected:
            return 1.0 / rank
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[int(share * (len(ordered) - 1))], 1) if ordered else 0.0


@dataclass
class AskMetrics:
    recall_at_5: float = 0.0
    mrr: float = 0.0
    citation_validity: float = 0.0
    citations: int = 0
    refusal_recall: float = 0.0
    false_refusal_rate: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    misses: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Trace:
    """One question's outcome, kept for calibration."""

    id: str
    refuse: bool
    dense: float
    coverage: float


def dense_baseline(store: Store, embeddings: Embeddings, questions: list[dict[str, Any]]
                   ) -> dict[str, float]:
    """What most teams would build: LangChain's Chroma retriever, dense only, over our store."""
    chroma = Chroma(client=store.chroma_client, collection_name=store.collection_name,
                    embedding_function=embeddings)
    keys = store.snapshot().keys
    retriever = chroma.as_retriever(search_kwargs={
        "k": TOP_K, "filter": {"version_key": {"$in": keys}}})
    answerable = [q for q in questions if not q["refuse"]]
    hits = rr = 0.0
    for q in answerable:
        ranked = [d.metadata["doc_id"] for d in retriever.invoke(q["question"])]
        hits += any(d in q["expect_docs"] for d in ranked)
        rr += reciprocal_rank(ranked, set(q["expect_docs"]))
    n = max(len(answerable), 1)
    return {"recall_at_5": round(hits / n, 4), "mrr": round(rr / n, 4)}


def evaluate_ask(answerer: Answerer, questions: list[dict[str, Any]]
                 ) -> tuple[AskMetrics, list[Trace]]:
    metrics, traces = AskMetrics(), []
    texts = {doc.doc_id: norm(answerer.store.document_text(doc.doc_id) or "")
             for doc in answerer.store.documents()}
    latencies: list[float] = []
    hits = rr = valid = 0.0
    refused_ok = refuse_n = false_refusals = answerable = 0
    for q in questions:
        start = time.perf_counter()
        outcome: Outcome = answerer.run(q["question"])
        latencies.append((time.perf_counter() - start) * 1000)
        result = outcome.result
        traces.append(Trace(q["id"], q["refuse"], outcome.decision.dense,
                            outcome.decision.coverage))
        if q["refuse"]:
            refuse_n += 1
            refused_ok += result["refused"]
            if not result["refused"]:
                metrics.misses.append({"id": q["id"], "problem": "answered, should refuse",
                                       "cited": [c["doc_id"] for c in result["citations"]]})
            continue
        answerable += 1
        expected = set(q["expect_docs"])
        ranked = [p.doc.doc_id for p in outcome.passages[:TOP_K]]
        hits += bool(expected & set(ranked))
        rr += reciprocal_rank(ranked, expected)
        if not expected & set(ranked):
            metrics.misses.append({"id": q["id"], "problem": "expected document not in top 5",
                                   "retrieved": ranked})
        if result["refused"]:
            false_refusals += 1
            metrics.misses.append({"id": q["id"], "problem": "refused, should answer",
                                   "dense": round(outcome.decision.dense, 3),
                                   "coverage": round(outcome.decision.coverage, 3)})
        for citation in result["citations"]:
            metrics.citations += 1
            ok = (citation["doc_id"] in expected
                  and norm(citation["quote"]) in texts.get(citation["doc_id"], ""))
            valid += ok
            if not ok:
                metrics.misses.append({"id": q["id"], "problem": "citation outside expected "
                                       "documents or not verbatim", "doc_id": citation["doc_id"]})
    metrics.recall_at_5 = round(hits / max(answerable, 1), 4)
    metrics.mrr = round(rr / max(answerable, 1), 4)
    metrics.citation_validity = round(valid / metrics.citations, 4) if metrics.citations else 1.0
    metrics.refusal_recall = round(refused_ok / refuse_n, 4) if refuse_n else 1.0
    metrics.false_refusal_rate = round(false_refusals / max(answerable, 1), 4)
    metrics.latency_p50_ms = round(statistics.median(latencies), 1) if latencies else 0.0
    metrics.latency_p95_ms = percentile(latencies, 0.95)
    return metrics, traces


def calibrate(traces: list[Trace]) -> dict[str, float]:
    """Thresholds that refuse every out-of-scope question and as few answerable ones as can be,
    with each threshold halfway between the nearest cases on either side."""
    best: tuple[int, float, float] | None = None
    denses = sorted({round(t.dense, 3) for t in traces} | {0.0})
    coverages = sorted({round(t.coverage, 3) for t in traces} | {0.0})
    for d in denses:
        for c in coverages:
            refused = [t for t in traces if t.dense < d or t.coverage < c]
            if all(t in refused for t in traces if t.refuse):
                wrong = sum(not t.refuse for t in refused)
                if best is None or wrong < best[0]:
                    best = (wrong, d, c)
    if best is None:
        return {}
    _, d, c = best

    def between(values: list[float], at: float) -> float:
        below = [v for v in values if v < at]
        return round((max(below) + at) / 2, 3) if below else at

    return {"min_dense": between(denses, d), "min_coverage": between(coverages, c),
            "false_refusals": best[0]}
