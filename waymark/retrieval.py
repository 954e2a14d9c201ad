"""Hybrid retrieval: dense (Chroma) and lexical (SQLite FTS5, BM25) results fused by a convex
combination of their scores, filtered by metadata, with neighbouring chunks merged into
passages. Every passage keeps the ranks and scores that explain why it was chosen."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from waymark import calibration
from waymark.store import Snapshot, Store, StoredChunk, StoredDocument

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="waymark-lexical")

# Fusion: w * cosine + (1 - w) * bm25 / (best bm25 of the query). A convex combination of scores
# keeps how far ahead a match is, which rank fusion throws away: a chunk that is the words' clear
# first but only the meaning's 58th was lost by reciprocal rank fusion (k=60). Bruch et al.
# (2023, "An analysis of fusion functions for hybrid retrieval") also found a convex combination
# ahead of RRF. The weight w is fitted on dev by `waymark eval --calibrate`
# (`waymark/calibration.py`).
DEPTH = 30  # candidates taken from each side before fusion


@dataclass(frozen=True)
class Filters:
    kinds: frozenset[str] | None = None
    doc_ids: frozenset[str] | None = None
    exclude_stale: bool = False

    def admits(self, doc: StoredDocument, today: dt.date) -> bool:
        return ((self.kinds is None or doc.meta.kind in self.kinds)
                and (self.doc_ids is None or doc.doc_id in self.doc_ids)
                and not (self.exclude_stale and doc.meta.is_stale(today)))


@dataclass
class Hit:
    """One chunk with its fused score and the evidence for it."""

    chunk: StoredChunk
    score: float = 0.0
    dense_rank: int | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None

    def why(self) -> str:
        parts = []
        if self.dense_rank:
            parts.append(f"meaning #{self.dense_rank} (cosine {self.dense_score:.3f})")
        if self.lexical_rank:
            parts.append(f"words #{self.lexical_rank} (bm25 {self.lexical_score:.2f})")
        return ", ".join(parts)


@dataclass
class Passage:
    """Adjacent retrieved chunks of one document, merged; `text` is the document's own text."""

    doc: StoredDocument
    hits: list[Hit]
    start: int
    end: int
    text: str
    score: float
    section: tuple[str, ...] = field(default=())
    page: int | None = None

    @property
    def best(self) -> Hit:
        return max(self.hits, key=lambda h: h.score)

    @property
    def dense_score(self) -> float:
        return max((h.dense_score or 0.0) for h in self.hits)

    def why(self) -> str:
        merged = f"; merged {len(self.hits)} neighbouring chunks" if len(self.hits) > 1 else ""
        return self.best.why() + merged

    def locate(self, position: int) -> tuple[tuple[str, ...], int | None]:
        """Section and page of the chunk holding `position` (merged chunks may differ)."""
        for hit in self.hits:
            if hit.chunk.start <= position < hit.chunk.end:
                return hit.chunk.section, hit.chunk.page
        return self.section, self.page

    def to_document(self) -> Document:
        meta = self.doc.meta
        return Document(page_content=self.text, metadata={
            "doc_id": self.doc.doc_id, "title": meta.title, "kind": meta.kind,
            "version": meta.version, "section": " > ".join(self.section), "page": self.page,
            "start": self.start, "end": self.end, "score": self.score, "why": self.why(),
        })


def fuse(dense: list[tuple[StoredChunk, float]], lexical: list[tuple[StoredChunk, float]],
         dense_weight: float) -> list[Hit]:
    """Two ranked lists of chunks (cosine similarity; BM25, higher is better) fused into one by
    a convex combination of the cosine and the BM25 score relative to the query's best."""
    hits: dict[int, Hit] = {}
    for rank, (chunk, similarity) in enumerate(dense, start=1):
        hit = hits.setdefault(chunk.rowid, Hit(chunk))
        hit.dense_rank, hit.dense_score = rank, similarity
        hit.score += dense_weight * max(similarity, 0.0)
    best_bm25 = max((bm25 for _, bm25 in lexical), default=0.0)
    for rank, (chunk, bm25) in enumerate(lexical, start=1):
        hit = hits.setdefault(chunk.rowid, Hit(chunk))
        hit.lexical_rank, hit.lexical_score = rank, bm25
        if best_bm25 > 0:
            hit.score += (1.0 - dense_weight) * max(bm25, 0.0) / best_bm25
    return sorted(hits.values(), key=lambda h: h.score, reverse=True)


def merge_neighbours(hits: list[Hit], snapshot: Snapshot, store: Store) -> list[Passage]:
    """Group hits of the same document whose chunks are adjacent into one passage each."""
    by_version: dict[str, list[Hit]] = {}
    for hit in hits:
        by_version.setdefault(hit.chunk.version_key, []).append(hit)
    docs = {doc.version_key: doc for doc in snapshot.documents.values()}
    passages: list[Passage] = []
    for key, group in by_version.items():
        group.sort(key=lambda h: h.chunk.index)
        runs: list[list[Hit]] = [[group[0]]]
        for hit in group[1:]:
            if hit.chunk.index - runs[-1][-1].chunk.index == 1:
                runs[-1].append(hit)
            else:
                runs.append([hit])
        for run in runs:
            first = run[0].chunk
            start, end = first.start, max(h.chunk.end for h in run)
            text = first.text if len(run) == 1 else store.text_span(key, start, end)
            passages.append(Passage(docs[key], run, start, end, text,
                                    max(h.score for h in run), first.section, first.page))
    return sorted(passages, key=lambda p: p.score, reverse=True)


class HybridRetriever:
    """Dense + lexical retrieval over the active knowledge base."""

    def __init__(self, store: Store, embeddings: Embeddings,
                 dense_weight: float | None = None) -> None:
        self.store = store
        self.embeddings = embeddings
        # None: the weight fitted on dev and shipped (waymark/calibration.py)
        self.dense_weight = calibration.shipped().dense_weight if dense_weight is None \
            else dense_weight

    def hits(self, query: str, k: int = 10, filters: Filters | None = None,
             snapshot: Snapshot | None = None) -> list[Hit]:
        snapshot = snapshot or self.store.snapshot()
        today = dt.date.today()
        if filters is None or filters == Filters():
            keys, whole = snapshot.keys, True
        else:
            keys = [doc.version_key for doc in snapshot.documents.values()
                    if filters.admits(doc, today)]
            whole = len(keys) == len(snapshot.documents)
        # The word search runs beside the embedding and vector search: both wait on native code.
        lexical_job = _POOL.submit(self.store.lexical_search, query, DEPTH, keys, whole)
        dense_ids = self.store.dense_search(self.embeddings.embed_query(query), DEPTH, keys,
                                            whole_base=whole)
        lexical_ids = lexical_job.result()
        by_id = self.store.chunks_by_id([cid for cid, _ in dense_ids])
        by_row = self.store.chunks_by_rowid([rowid for rowid, _ in lexical_ids])
        dense = [(by_id[cid], score) for cid, score in dense_ids if cid in by_id]
        lexical = [(by_row[rowid], score) for rowid, score in lexical_ids if rowid in by_row]
        return fuse(dense, lexical, self.dense_weight)[:k]

    def passages(self, query: str, k: int = 5, filters: Filters | None = None,
                 snapshot: Snapshot | None = None) -> list[Passage]:
        snapshot = snapshot or self.store.snapshot()
        hits = self.hits(query, k * 2, filters, snapshot)
        return merge_neighbours(hits, snapshot, self.store)[:k]


class WaymarkRetriever(BaseRetriever):
    """The hybrid retriever behind langchain's interface (for chains and the optional LLM)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    k: int = 5
    filters: Filters = Filters()

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [p.to_document() for p in self.retriever.passages(query, self.k, self.filters)]


def hybrid_search(store: Store, embeddings: Embeddings, query: str, k: int = 5) -> list[Hit]:
    """The top `k` chunks for `query` (raw retrieval, as `waymark search` shows it)."""
    return HybridRetriever(store, embeddings).hits(query, k)
