"""Hybrid retrieval: dense (Chroma) and lexical (SQLite FTS5, BM25) results fused by
reciprocal rank fusion, each hit keeping the ranks and scores that explain why it was chosen."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from waymark.store import Store, StoredChunk

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of top ranks


@dataclass
class Hit:
    chunk: StoredChunk
    score: float
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


def hybrid_search(store: Store, embeddings: Embeddings, query: str, k: int = 5,
                  depth: int = 30) -> list[Hit]:
    """The top `k` chunks of the active knowledge base for `query`."""
    dense = store.dense_search(embeddings.embed_query(query), depth)
    lexical = store.lexical_search(query, depth)
    by_id = store.chunks_by_id([cid for cid, _ in dense])
    by_rowid = store.chunks_by_rowid([rowid for rowid, _ in lexical])
    hits: dict[int, Hit] = {}
    for rank, (cid, similarity) in enumerate(dense, start=1):
        chunk = by_id.get(cid)
        if chunk:
            hit = hits.setdefault(chunk.rowid, Hit(chunk, 0.0))
            hit.dense_rank, hit.dense_score = rank, similarity
            hit.score += 1.0 / (RRF_K + rank)
    for rank, (rowid, bm25) in enumerate(lexical, start=1):
        chunk = by_rowid.get(rowid)
        if chunk:
            hit = hits.setdefault(rowid, Hit(chunk, 0.0))
            hit.lexical_rank, hit.lexical_score = rank, bm25
            hit.score += 1.0 / (RRF_K + rank)
    return sorted(hits.values(), key=lambda h: h.score, reverse=True)[:k]
