"""The lexical index: SQLite FTS5 with the Porter stemmer, BM25 ranking and word frequencies."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

from cachetools import LRUCache

from waymark.store.sqlite import SideStore, marks
from waymark.tokens import plain_words

COMMON_SHARE = 0.3  # see LexicalIndex.selective_terms
PRUNE_FROM_CHUNKS = 2000


class LexicalIndex:
    """Reads the FTS index the side store keeps beside its chunks. Frequencies are remembered
    per generation by this object, so they go when it does."""

    def __init__(self, side: SideStore, generation: Callable[[], int | None]) -> None:
        self.side = side
        self._active_generation = generation
        self._frequencies: LRUCache[tuple[int | None, str], int] = LRUCache(maxsize=8192)
        self._sizes: LRUCache[int | None, int] = LRUCache(maxsize=16)
        self._lock = threading.Lock()  # requests run in a thread pool; the caches are not safe

    def search(self, query: str, k: int, keys: Sequence[str],
               whole_base: bool = False) -> list[tuple[int, float]]:
        """(chunk rowid, BM25 score, higher is better) among versions `keys`.

        Over the whole active base the FTS index alone ranks (with room to spare for chunks of
        versions kept for the previous generation's readers): joining every candidate to its
        version first costs twice as much.
        """
        terms = self.selective_terms(list(dict.fromkeys(fts_terms(query))))
        if not terms or not keys:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        with self.side.db() as db:
            if whole_base:
                rows = db.execute(
                    """SELECT rowid, -bm25(chunks_fts, 1.0, 0.5, 0.3) AS score FROM chunks_fts
                       WHERE chunks_fts MATCH ? ORDER BY score DESC LIMIT ?""",
                    (match, k * 2)).fetchall()
                owners = dict(db.execute(
                    f"SELECT rowid, version_key FROM chunks WHERE rowid IN ({marks(rows)})",
                    [r["rowid"] for r in rows]).fetchall())
                wanted = set(keys)
                found = [(r["rowid"], float(r["score"])) for r in rows
                         if owners.get(r["rowid"]) in wanted]
                if len(found) >= k or len(rows) < k * 2:
                    return found[:k]
            rows = db.execute(
                f"""SELECT f.rowid, -bm25(chunks_fts, 1.0, 0.5, 0.3) AS score
                    FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid
                    WHERE chunks_fts MATCH ? AND c.version_key IN ({marks(keys)})
                    ORDER BY score DESC LIMIT ?""", (match, *keys, k),
            ).fetchall()
        return [(r["rowid"], float(r["score"])) for r in rows]

    def selective_terms(self, terms: list[str]) -> list[str]:
        """The words worth ranking by: in a large index, a word in more than COMMON_SHARE of
        the chunks adds almost nothing to BM25 but makes it score most of the index (keep the
        rarest one when all are that common). Small indexes are fast anyway and keep them all."""
        if len(terms) < 2:
            return terms
        generation = self._active_generation()
        total = self.size(generation)
        if total < PRUNE_FROM_CHUNKS:
            return terms
        frequency = {t: self.frequency(t, generation) for t in terms}
        kept = [t for t in terms if frequency[t] <= COMMON_SHARE * total]
        return kept or [min(terms, key=frequency.__getitem__)]

    def frequency(self, term: str, generation: int | None) -> int:
        """Chunks holding `term`, remembered for `generation` (the active one)."""
        key = (generation, term)
        with self._lock:
            found = self._frequencies.get(key)
        if found is None:
            found = self.document_frequency(term)
            with self._lock:
                self._frequencies[key] = found
        return found

    def size(self, generation: int | None) -> int:
        """All chunks in the index, remembered for `generation` (the active one)."""
        with self._lock:
            found = self._sizes.get(generation)
        if found is None:
            with self.side.db() as db:
                found = int(db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            with self._lock:
                self._sizes[generation] = found
        return found

    def document_frequency(self, term: str) -> int:
        """How many stored chunks contain `term` (FTS5 applies its own stemming)."""
        if not any(ch.isalnum() for ch in term):
            return 0
        with self.side.db() as db:
            row = db.execute("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?",
                             (f'"{term}"',)).fetchone()
        return int(row["n"])

    def documents_using(self, term: str, keys: Sequence[str]) -> int:
        """How many of the versions `keys` hold `term` in some chunk."""
        if not any(ch.isalnum() for ch in term) or not keys:
            return 0
        with self.side.db() as db:
            row = db.execute(
                f"""SELECT COUNT(DISTINCT c.version_key) AS n FROM chunks_fts f
                    JOIN chunks c ON c.rowid = f.rowid
                    WHERE chunks_fts MATCH ? AND c.version_key IN ({marks(keys)})""",
                (f'"{term}"', *keys)).fetchone()
        return int(row["n"])

    def phrase_exists(self, phrase: str) -> bool:
        """Whether any stored chunk holds these words in this order (FTS5 phrase query)."""
        words = list(fts_terms(phrase))
        if not words:
            return False
        with self.side.db() as db:
            row = db.execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1",
                             ('"' + " ".join(words) + '"',)).fetchone()
        return row is not None


def fts_terms(query: str) -> Iterator[str]:
    """Words of a free-text query, safe to quote inside an FTS5 MATCH expression (function
    words left out: they match nearly every chunk and only cost time)."""
    from waymark.terms import STOPWORDS

    return (word for word in plain_words(query) if word not in STOPWORDS)
