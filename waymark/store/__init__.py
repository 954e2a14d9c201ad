"""The knowledge base: a Chroma collection (dense vectors) and a SQLite side store (documents,
chunks, an FTS5 lexical index, taxonomy, ingest history and the audit trail).

Atomicity comes from generations. Every document version is stored under a content key and is
invisible until a generation that names it is committed; committing is one SQLite transaction
that moves the `active` pointer. Readers only ever see versions of the active generation, so an
ingest killed at any moment leaves the previous knowledge base whole. Versions no generation
needs any more are collected at the start and end of the next ingest.

`Store` puts the parts together behind one interface; each part has one job:
`sqlite.SideStore` (connections, schema), `generations.Generations`, `versions.Versions`,
`lexical.LexicalIndex`, `vectors.VectorIndex` and `trail.AuditTrail`.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from waymark.config import Settings
from waymark.errors import StoreError
from waymark.models import DocumentMeta, Taxonomy
from waymark.store.generations import Generations, TrailEntry
from waymark.store.lexical import LexicalIndex
from waymark.store.records import (
    NewVersion,
    Snapshot,
    StoredChunk,
    StoredDocument,
    chunk_id,
    parse_meta,
)
from waymark.store.sqlite import SideStore
from waymark.store.trail import AuditTrail
from waymark.store.vectors import VectorIndex
from waymark.store.versions import Versions

__all__ = ["NewVersion", "Snapshot", "Store", "StoredChunk", "StoredDocument", "chunk_id",
           "open_store", "parse_meta"]

# The last snapshot read per side store file in this process, so that stores opened per
# request share it: {sqlite path: (generation token, snapshot)}
_SNAPSHOTS: dict[str, tuple[str, Snapshot]] = {}
# The snapshot one piece of work (a question) holds, per side store file: set by `Store.pinned`
_PINNED: ContextVar[dict[str, tuple[str, Snapshot]] | None] = ContextVar("pinned", default=None)
CHUNKS_REMEMBERED = 4096


class Store:
    """Open with `Store(settings, embeddings_id)`; cheap to create, connections are per call."""

    def __init__(self, settings: Settings, embeddings_id: str) -> None:
        self.settings = settings
        self.embeddings_id = embeddings_id
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.side = SideStore(settings.sqlite_path)
        self._where = str(settings.sqlite_path.resolve())
        self.generations = Generations(self.side)
        self.versions = Versions(self.side)
        self.lexical = LexicalIndex(self.side, lambda: self.snapshot().generation)
        self.vectors = VectorIndex(settings, embeddings_id, lambda: self._current()[0])
        self.audit = AuditTrail(self.side)
        self._chunks: LRUCache[tuple[tuple[str, int | None], Any], StoredChunk] = \
            LRUCache(maxsize=CHUNKS_REMEMBERED)
        self._chunks_lock = threading.Lock()

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> Snapshot:
        """The active knowledge base as one consistent view, cached until the generation moves
        (the one held by `pinned` inside it)."""
        return self._current()[1]

    @contextmanager
    def pinned(self) -> Iterator[Snapshot]:
        """One snapshot for all the work inside (answering one question): every part reads the
        same generation, and asks the side store which one is active once, not once a part."""
        token, snapshot = self._current()
        held = _PINNED.set({**(_PINNED.get() or {}), self._where: (token, snapshot)})
        try:
            yield snapshot
        finally:
            _PINNED.reset(held)

    def _current(self) -> tuple[str, Snapshot]:
        """(generation token, snapshot) of the active generation, or of the pinned one."""
        pinned = (_PINNED.get() or {}).get(self._where)
        if pinned is not None:
            return pinned
        generation, token = self.generations.active()
        cached = _SNAPSHOTS.get(self._where)
        if cached is not None and cached[0] == token:
            return cached
        current = (token, self.generations.load(generation))
        _SNAPSHOTS[self._where] = current
        return current

    def documents(self) -> list[StoredDocument]:
        """The documents of the active generation, ordered by id."""
        return list(self.snapshot().documents.values())

    def taxonomy(self) -> Taxonomy:
        return self.snapshot().taxonomy

    def counts(self) -> tuple[int, int]:
        """(documents, chunks) in the active knowledge base."""
        documents = self.snapshot().documents
        return len(documents), sum(doc.chunks for doc in documents.values())

    def document_text(self, doc_id: str) -> str | None:
        doc = self.snapshot().documents.get(doc_id)
        return self.versions.text_span(doc.version_key) if doc else None

    def text_span(self, version_key: str, start: int = 0, end: int | None = None) -> str:
        return self.versions.text_span(version_key, start, end)

    def chunk_total(self, keys: Sequence[str]) -> int:
        return self.versions.chunk_total(keys)

    def complete_version(self, key: str) -> tuple[str, DocumentMeta] | None:
        return self.versions.complete(key)

    def chunks_by_rowid(self, rowids: Sequence[int]) -> dict[int, StoredChunk]:
        # a rowid freed by garbage collection may be reused later: remembered per generation
        generation = self.snapshot().generation
        found = self._remembered(("rowid", generation), rowids)
        return {rowid: found[rowid] for rowid in rowids if rowid in found}

    def chunks_by_id(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        # a chunk id names its content (version key and index): it never changes
        found = self._remembered(("id", None), chunk_ids)
        return {cid: found[cid] for cid in chunk_ids if cid in found}

    def _remembered(self, kind: tuple[str, int | None], keys: Sequence[Any]
                    ) -> dict[Any, StoredChunk]:
        """Chunks by rowid or id, read from the side store once (the same passages come back
        for many questions)."""
        column, _ = kind
        with self._chunks_lock:  # requests run in a thread pool; the cache is not safe
            found = {k: chunk for k in keys if (chunk := self._chunks.get((kind, k)))}
        read = self.versions.chunks_where(column, [k for k in keys if k not in found])
        with self._chunks_lock:
            for chunk in read:
                key = chunk.rowid if column == "rowid" else chunk.chunk_id
                self._chunks[(kind, key)] = found[key] = chunk
        return found

    def version_chunks(self, version_key: str) -> list[StoredChunk]:
        """Every chunk of one stored version, in order."""
        return self.versions.chunks_where("version_key", [version_key])

    def chunk_rows(self) -> int:
        """All chunks in the index (remembered per generation)."""
        return self.lexical.size(self.snapshot().generation)

    def words(self, keys: Sequence[str]) -> set[str]:
        return self.versions.words(keys)

    def dense_search(self, vector: list[float], k: int, keys: Sequence[str],
                     whole_base: bool = False) -> list[tuple[str, float]]:
        return self.vectors.search(vector, k, keys, whole_base)

    def best_cosines(self, vectors: list[list[float]], keys: Sequence[str]) -> list[float]:
        return self.vectors.best_cosines(vectors, keys)

    def lexical_search(self, query: str, k: int, keys: Sequence[str],
                       whole_base: bool = False) -> list[tuple[int, float]]:
        return self.lexical.search(query, k, keys, whole_base)

    def cached_frequencies(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """({term: chunks holding it}, all chunks), remembered per generation."""
        generation = self.snapshot().generation
        return ({term: self.lexical.frequency(term, generation) for term in terms},
                self.lexical.size(generation))

    def document_frequency(self, term: str) -> int:
        return self.lexical.document_frequency(term)

    def documents_using(self, term: str, keys: Sequence[str]) -> int:
        return self.lexical.documents_using(term, keys)

    def phrase_exists(self, phrase: str) -> bool:
        return self.lexical.phrase_exists(phrase)

    def roots(self) -> list[Path]:
        return self.generations.roots()

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.generations.history(limit)

    def record(self, actor: str, action: str, doc_id: str, version: str | None) -> None:
        """One entry in the audit trail, against the active generation."""
        self.audit.record(actor, action, doc_id, version, self.snapshot().generation or 0)

    def trail(self, limit: int = 200) -> list[dict[str, Any]]:
        """Who added, changed or withdrew which document and version, and when (newest first)."""
        return self.audit.entries(limit)

    # ------------------------------------------------------------------ writing

    @contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """Only one ingest at a time; readers never wait for it."""
        with open(self.settings.data_dir / "ingest.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError("another ingest is running on this knowledge base; "
                                 "wait for it to finish") from None
            yield

    def begin_generation(self) -> int:
        return self.generations.begin()

    def write_versions(self, versions: Sequence[NewVersion]) -> None:
        """Store document versions: side store first, then vectors, then mark them complete.

        Until a version is complete (and named by a committed generation) nobody reads it, so a
        crash at any point leaves only garbage that `_forget` clears on the next run. Writing
        many versions per call keeps Chroma's per-call cost off the hot path.
        """
        self._forget([v.key for v in versions])
        with self.side.transaction() as db:
            for version in versions:
                Versions.insert(db, version)
        self.vectors.add(versions)
        self.versions.mark_complete([v.key for v in versions])

    def commit_generation(self, generation: int, docs: dict[str, tuple[str, str]],
                          taxonomy: Taxonomy, report: dict[str, Any],
                          roots: Sequence[str] = (), trail: Sequence[TrailEntry] = ()) -> None:
        """Make `docs` ({doc_id: (version key, path)}) the knowledge base, in one transaction,
        with the folders it was read from and the trail of (actor, action, doc id, version)."""
        self.generations.commit(generation, docs, taxonomy, report, roots, trail)

    def collect_garbage(self, keep_generations: int = 2) -> int:
        """Drop versions no recent committed generation names, and mark dead runs interrupted.

        The previous generation is kept too, so a reader that looked up the active generation
        just before a commit still finds its chunks.
        """
        dead = self.generations.unneeded_versions(keep_generations)
        self._forget(dead)
        return len(dead)

    def _forget(self, keys: Sequence[str]) -> None:
        """Delete versions' vectors, then their side-store rows (safe to repeat after a crash)."""
        for key in self.versions.known(keys):
            self.vectors.delete(key)
            self.versions.delete(key)


def open_store(settings: Settings) -> Store:
    from waymark.embeddings import embeddings_id

    return Store(settings, embeddings_id(settings))
