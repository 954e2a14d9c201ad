"""Quality of `ask` on a pack's questions: retrieval (recall@5, MRR), citations, refusal,
escalation and latency, with a dense-only LangChain + Chroma baseline over the same store."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
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
    citation_validity: float = 0.0  # quote verbatim in the cited document (DESIGN.md)
    citation_in_expected: float = 0.0  # ... and the document among the expected ones
    citations: int = 0
    refusal_recall: float = 0.0
    false_refusal_rate: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    llm_answers: float = 0.0  # share of answered questions the model answered (LLM mode)
    misses: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Trace:
    """One question's outcome, kept for calibration."""

    id: str
    refuse: bool
    dense: float
    coverage: float
    sentence: float
    unknown: bool  # refused whatever the thresholds: an unknown word or an unstated fact


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
    hits = rr = valid = in_expected = 0.0
    by_llm = answered = 0
    refused_ok = refuse_n = false_refusals = answerable = 0
    for q in questions:
        start = time.perf_counter()
        outcome: Outcome = answerer.run(q["question"])
        latencies.append((time.perf_counter() - start) * 1000)
        result = outcome.result
        decision = outcome.decision
        traces.append(Trace(q["id"], q["refuse"], decision.dense, decision.coverage,
                            decision.sentence,
                            bool(decision.unknown) or bool(decision.unstated)))
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
        if not result["refused"]:
            answered += 1
            by_llm += result.get("mode") == "llm"
            if result.get("fallback"):
                metrics.misses.append({"id": q["id"], "problem": "LLM answer rejected",
                                       "reason": result["fallback"]})
        if result["refused"]:
            false_refusals += 1
            metrics.misses.append({"id": q["id"], "problem": "refused, should answer",
                                   "dense": round(outcome.decision.dense, 3),
                                   "coverage": round(outcome.decision.coverage, 3)})
        for citation in result["citations"]:
            metrics.citations += 1
            verbatim = norm(citation["quote"]) in texts.get(citation["doc_id"], "")
            valid += verbatim
            in_expected += citation["doc_id"] in expected
            if not verbatim:
                metrics.misses.append({"id": q["id"], "problem": "quote not verbatim",
                                       "doc_id": citation["doc_id"]})
            elif citation["doc_id"] not in expected:
                metrics.misses.append({"id": q["id"], "problem": "cites a document not among "
                                       "the expected", "doc_id": citation["doc_id"]})
    metrics.recall_at_5 = round(hits / max(answerable, 1), 4)
    metrics.mrr = round(rr / max(answerable, 1), 4)
    metrics.citation_validity = round(valid / metrics.citations, 4) if metrics.citations else 1.0
    metrics.citation_in_expected = (round(in_expected / metrics.citations, 4)
                                    if metrics.citations else 1.0)
    metrics.refusal_recall = round(refused_ok / refuse_n, 4) if refuse_n else 1.0
    metrics.false_refusal_rate = round(false_refusals / max(answerable, 1), 4)
    metrics.llm_answers = round(by_llm / answered, 4) if answered else 0.0
    metrics.latency_p50_ms = round(statistics.median(latencies), 1) if latencies else 0.0
    metrics.latency_p95_ms = percentile(latencies, 0.95)
    return metrics, traces


MAX_FALSE_REFUSALS = 0.05  # calibration never trades more answerable questions than this


def calibrate(traces: list[Trace]) -> dict[str, float]:
    """Thresholds that refuse as many out-of-scope questions as possible while refusing at most
    MAX_FALSE_REFUSALS of the answerable ones (questions built around words or word pairs no
    document uses, or asking for a time or number the answering document never states, are
    refused whatever the thresholds). A useful cut sits just above some
    out-of-scope question's value, so only those cuts are tried; among equally good ones the
    strictest wins (a score threshold that refuses nothing more here is still a safety margin
    elsewhere); each is then placed halfway to the next answerable question above it."""
    axes = ("dense", "coverage", "sentence")
    if not traces:
        return {}
    values = np.array([[getattr(t, a) for a in axes] for t in traces])
    refuse = np.array([t.refuse for t in traces])
    auto = np.array([t.unknown for t in traces])
    budget = int(MAX_FALSE_REFUSALS * int((~refuse).sum()))
    cuts = [np.unique(np.append(values[refuse, i] + 1e-9, 0.0)) for i in range(len(axes))]
    best: tuple[int, int, tuple[float, ...]] | None = None
    for d in cuts[0]:
        below_d = values[:, 0] < d
        for c in cuts[1]:
            below_dc = below_d | (values[:, 1] < c)
            for s_cut in cuts[2]:
                refused = auto | below_dc | (values[:, 2] < s_cut)
                wrong = int((refused & ~refuse).sum())
                right = int((refused & refuse).sum())
                # on a tie the stricter cut wins: it costs nothing here and keeps a margin
                if wrong <= budget and (best is None or (right, -wrong) >= (best[0], -best[1])):
                    best = (right, wrong, (float(d), float(c), float(s_cut)))
    if best is None:
        return {}
    result: dict[str, float] = {}
    for i, (axis, cut) in enumerate(zip(axes, best[2], strict=True)):
        above = values[(~refuse) & (values[:, i] >= cut), i]
        result[f"min_{axis}"] = round((cut + above.min()) / 2, 4) if cut > 0 and above.size \
            else round(cut, 4)
    result["refusal_recall"] = round(best[0] / max(int(refuse.sum()), 1), 4)
    result["false_refusal_rate"] = round(best[1] / max(int((~refuse).sum()), 1), 4)
    return result
