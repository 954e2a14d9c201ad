"""The knowledge base: a Chroma collection (dense vectors) and a SQLite side store (documents,
chunks, an FTS5 lexical index, taxonomy and ingest history).

Atomicity comes from generations. Every document version is stored under a content key and is
invisible until a generation that names it is committed; committing is one SQLite transaction
that moves the `active` pointer. Readers only ever see versions of the active generation, so an
ingest killed at any moment leaves the previous knowledge base whole. Versions no generation
needs any more are collected at the start and end of the next ingest.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from waymark.config import Settings
from waymark.errors import StoreError
from waymark.models import META_BY_KIND, DocumentMeta, Taxonomy

T = TypeVar("T")

if TYPE_CHECKING:
    from waymark.chunking import Chunk

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    meta_json TEXT NOT NULL,
    text TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    pages INTEGER,
    complete INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version_key TEXT NOT NULL,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    tokens INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_version ON chunks(version_key);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, section, title, tokenize = 'porter unicode61'
);
CREATE TABLE IF NOT EXISTS generations (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    report_json TEXT,
    taxonomy_json TEXT
);
CREATE TABLE IF NOT EXISTS generation_docs (
    generation_id INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    version_key TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (generation_id, doc_id)
);
CREATE INDEX IF NOT EXISTS generation_docs_key ON generation_docs(version_key);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trail (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version TEXT,
    generation INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS roots (generation INTEGER NOT NULL, path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS version_words (
    version_key TEXT NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (version_key, word)
) WITHOUT ROWID;
"""

COMMON_SHARE = 0.3  # see Store.selective_terms
PRUNE_FROM_CHUNKS = 2000
CHROMA_BATCH = 1000  # one upsert per thousand chunks: Chroma's cost is mostly per call

# One open collection per Chroma location in this process: (generation it reflects, collection)
_COLLECTIONS: dict[str, tuple[str, Any, Any]] = {}
# The last snapshot read per side store in this process
_SNAPSHOTS: dict[str, tuple[str, Snapshot]] = {}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StoredDocument:
    """A document of the active knowledge base."""

    doc_id: str
    version_key: str
    path: str
    sha256: str
    meta: DocumentMeta
    chunks: int
    pages: int | None

    def source_row(self, today: dt.date | None = None) -> dict[str, Any]:
        """The `waymark sources` / `GET /sources` row (DESIGN.md)."""
        meta = self.meta
        return {
            "doc_id": self.doc_id, "title": meta.title, "kind": meta.kind, "owner": meta.owner,
            "version": meta.version,
            "effective": meta.effective.isoformat() if meta.effective else None,
            "review_by": meta.review_by.isoformat() if meta.review_by else None,
            "stale": meta.is_stale(today), "chunks": self.chunks, "sha256": self.sha256,
            "path": self.path, "metadata": meta.metadata,
        }


@dataclass(frozen=True)
class Snapshot:
    """One generation of the knowledge base: what every read in a request should agree on."""

    generation: int | None
    documents: dict[str, StoredDocument]
    taxonomy: Taxonomy

    @cached_property
    def keys(self) -> list[str]:
        return [doc.version_key for doc in self.documents.values()]

    def of_kind(self, kind: str) -> list[StoredDocument]:
        """The documents of one kind (cached: every answer asks for the threshold guidance)."""
        if kind not in self._by_kind:
            self._by_kind[kind] = [d for d in self.documents.values() if d.meta.kind == kind]
        return self._by_kind[kind]

    @cached_property
    def _by_kind(self) -> dict[str, list[StoredDocument]]:
        return {}

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """`build()` once for this generation: what is worked out from the knowledge base
        (readers, indexes) lives and dies with the snapshot it came from."""
        if key not in self._derived:
            self._derived[key] = build()
        return cast(T, self._derived[key])

    @cached_property
    def _derived(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class NewVersion:
    """A document version ready to be written: its chunks and their vectors."""

    key: str
    sha256: str
    meta: DocumentMeta
    text: str
    chunks: list[Chunk]
    vectors: list[list[float]]
    pages: int | None
    words: frozenset[str] = frozenset()  # stems of the document's words, for answerability


@dataclass(frozen=True)
class StoredChunk:
    rowid: int
    chunk_id: str
    doc_id: str
    version_key: str
    index: int
    text: str
    section: tuple[str, ...]
    page: int | None
    start: int
    end: int


def parse_meta(meta_json: str) -> DocumentMeta:
    data = json.loads(meta_json)
    return META_BY_KIND[data["kind"]].model_validate(data)


class Store:
    """Open with `Store(settings, embeddings_id)`; cheap to create, connections are per call."""

    def __init__(self, settings: Settings, embeddings_id: str) -> None:
        self.settings = settings
        self.embeddings_id = embeddings_id
        self._local = threading.local()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            with self._db() as db:
                db.executescript(SCHEMA)
        except StoreError:
            # A damaged side store must not stop a server from starting: every call answers
            # with the error (a 503) until `waymark ingest --rebuild` replaces the file.
            pass

    # ------------------------------------------------------------------ connections

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened once and reopened if the file was replaced."""
        try:
            yield self._connection()
        except sqlite3.DatabaseError as exc:
            self._local.__dict__.clear()
            raise StoreError(
                f"the side store {self.settings.sqlite_path} is damaged or unreadable ({exc}); "
                "rebuild it from the documents with `waymark ingest --rebuild PATH`"
            ) from exc

    def _connection(self) -> sqlite3.Connection:
        path = self.settings.sqlite_path
        try:
            identity = (path.stat().st_dev, path.stat().st_ino)
        except OSError:
            identity = None
        cached = getattr(self._local, "db", None)
        if cached is not None and identity is not None and cached[0] == identity:
            return cached[1]
        if cached is not None:
            cached[1].close()
        try:
            db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                 check_same_thread=True)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: still atomic after a crash
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the side store {path}: {exc}; if it is damaged, "
                             "rebuild it from the documents with `waymark ingest --rebuild "
                             "PATH`") from exc
        self._local.db = ((path.stat().st_dev, path.stat().st_ino), db)
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextmanager
    def _vectors(self) -> Iterator[Any]:
        """The collection, with any failure of the vector store turned into a StoreError (a
        503 for the API) and the connection dropped so the next call reconnects."""
        try:
            yield self.collection
        except StoreError:
            raise
        except Exception as exc:
            _COLLECTIONS.pop(self._chroma_where(), None)
            raise StoreError(f"the vector store is unavailable ({type(exc).__name__}); "
                             "try again shortly") from exc

    @property
    def collection(self) -> Any:
        """The Chroma collection, reopened when another process may have changed it.

        A local Chroma keeps its index in memory, so a process that did not write a generation
        would not see it; reopening whenever the active generation moves fixes that.
        """
        # a server is shared, so every client sees its writes; local files need re-reading
        token = "server" if self.settings.chroma_host else self._active()[1]
        where = self._chroma_where()
        cached = _COLLECTIONS.get(where)
        if cached is None or cached[0] != token:
            _COLLECTIONS[where] = (token, *self._open_collection(fresh=cached is not None))
        return _COLLECTIONS[where][2]

    @property
    def chroma_client(self) -> Any:
        """The chromadb client behind `collection` (for langchain's Chroma wrapper)."""
        return self.collection and _COLLECTIONS[self._chroma_where()][1]

    def _chroma_where(self) -> str:
        if self.settings.chroma_host:
            return f"{self.settings.chroma_host}:{self.settings.chroma_port}"
        return str(self.settings.chroma_path.resolve())

    def reload(self) -> None:
        """Forget this process's view of the vectors; the next access reads them from disk."""
        for where, (_, client, collection) in list(_COLLECTIONS.items()):
            _COLLECTIONS[where] = ("stale", client, collection)

    def _open_collection(self, fresh: bool) -> tuple[Any, Any]:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_host:
            client = chromadb.HttpClient(host=self.settings.chroma_host,
                                         port=self.settings.chroma_port, settings=chroma_settings)
        else:
            if fresh:  # chromadb caches one system per path per process: drop it to re-read
                chromadb.api.client.SharedSystemClient.clear_system_cache()
            client = chromadb.PersistentClient(path=str(self.settings.chroma_path),
                                               settings=chroma_settings)
        return client, client.get_or_create_collection(
            self.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None)

    @property
    def collection_name(self) -> str:
        return f"{self.settings.chroma_collection_prefix}-{self.embeddings_id}"

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

    # ------------------------------------------------------------------ reading

    def _active(self) -> tuple[int | None, str]:
        """The active generation and a token that changes whenever it does, even across a
        rebuilt data directory (ids restart there, commit times do not)."""
        with self._db() as db:
            row = db.execute(
                "SELECT g.id, g.finished_at FROM state s JOIN generations g ON g.id = s.value "
                "WHERE s.key = 'active'").fetchone()
        return (int(row["id"]), f"{row['id']}@{row['finished_at']}") if row else (None, "none")

    def snapshot(self) -> Snapshot:
        """The active knowledge base as one consistent view, cached until the generation moves."""
        generation, token = self._active()
        where = str(self.settings.sqlite_path.resolve())
        cached = _SNAPSHOTS.get(where)
        if cached is not None and cached[0] == token:
            return cached[1]
        snapshot = self._load_snapshot(generation)
        _SNAPSHOTS[where] = (token, snapshot)
        return snapshot

    def _load_snapshot(self, generation: int | None) -> Snapshot:
        with self._db() as db:
            rows = db.execute(
                """SELECT g.doc_id, g.version_key, g.path, v.sha256, v.meta_json, v.chunks, v.pages
                   FROM generation_docs g JOIN versions v ON v.key = g.version_key
                   WHERE g.generation_id = ? ORDER BY g.doc_id""", (generation,),
            ).fetchall()
            taxonomy_row = db.execute("SELECT taxonomy_json FROM generations WHERE id = ?",
                                      (generation,)).fetchone()
        documents = {
            r["doc_id"]: StoredDocument(r["doc_id"], r["version_key"], r["path"], r["sha256"],
                                        parse_meta(r["meta_json"]), r["chunks"], r["pages"])
            for r in rows
        }
        taxonomy = Taxonomy()
        if taxonomy_row and taxonomy_row["taxonomy_json"]:
            taxonomy = Taxonomy.model_validate_json(taxonomy_row["taxonomy_json"])
        return Snapshot(generation, documents, taxonomy)

    def documents(self) -> list[StoredDocument]:
        """The documents of the active generation, ordered by id."""
        return list(self.snapshot().documents.values())

    def taxonomy(self) -> Taxonomy:
        return self.snapshot().taxonomy

    def counts(self) -> tuple[int, int]:
        """(documents, chunks) in the active knowledge base."""
        documents = self.snapshot().documents
        return len(documents), sum(doc.chunks for doc in documents.values())

    def chunk_total(self, keys: Sequence[str]) -> int:
        with self._db() as db:
            row = db.execute(
                f"SELECT COALESCE(SUM(chunks), 0) AS n FROM versions WHERE key IN "
                f"({','.join('?' * len(keys))})", list(keys),
            ).fetchone()
        return int(row["n"])

    def document_text(self, doc_id: str) -> str | None:
        doc = self.snapshot().documents.get(doc_id)
        return self.text_span(doc.version_key) if doc else None

    def text_span(self, version_key: str, start: int = 0, end: int | None = None) -> str:
        """Extracted text of a stored version, or the [start, end) slice of it."""
        with self._db() as db:
            if end is None:
                row = db.execute("SELECT substr(text, ? + 1) AS t FROM versions WHERE key = ?",
                                 (start, version_key)).fetchone()
            else:
                row = db.execute("SELECT substr(text, ? + 1, ?) AS t FROM versions WHERE key = ?",
                                 (start, end - start, version_key)).fetchone()
        return row["t"] if row else ""

    def complete_version(self, key: str) -> tuple[str, DocumentMeta] | None:
        """(doc_id, meta) when this content is already fully indexed."""
        with self._db() as db:
            row = db.execute(
                "SELECT doc_id, meta_json FROM versions WHERE key = ? AND complete = 1", (key,)
            ).fetchone()
        return (row["doc_id"], parse_meta(row["meta_json"])) if row else None

    def _chunks_where(self, column: str, values: Sequence[Any]) -> list[sqlite3.Row]:
        if not values:
            return []
        with self._db() as db:
            return db.execute(
                f"""SELECT c.*, v.doc_id FROM chunks c JOIN versions v ON v.key = c.version_key
                    WHERE c.{column} IN ({",".join("?" * len(values))})""", list(values),
            ).fetchall()

    def chunks_by_rowid(self, rowids: Sequence[int]) -> dict[int, StoredChunk]:
        return {r["rowid"]: _stored_chunk(r) for r in self._chunks_where("rowid", rowids)}

    def chunks_by_id(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        return {r["id"]: _stored_chunk(r) for r in self._chunks_where("id", chunk_ids)}

    def version_chunks(self, version_key: str) -> list[StoredChunk]:
        """Every chunk of one stored version, in order."""
        with self._db() as db:
            rows = db.execute(
                """SELECT c.*, v.doc_id FROM chunks c JOIN versions v ON v.key = c.version_key
                   WHERE c.version_key = ? ORDER BY c.idx""", (version_key,),
            ).fetchall()
        return [_stored_chunk(r) for r in rows]

    def dense_search(self, vector: list[float], k: int, keys: Sequence[str],
                     whole_base: bool = False) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest chunks among versions `keys`.

        Searching the whole active base, a metadata filter listing every version costs more
        than the search itself, so the query runs unfiltered with room to spare and drops the
        few chunks of versions kept only for readers of the previous generation.
        """
        if not keys:
            return []
        if whole_base:
            wanted = set(keys)
            with self._vectors() as collection:
                result = collection.query(query_embeddings=[vector], n_results=k * 2,
                                          include=["distances", "metadatas"])
            found = [(cid, 1.0 - float(dist)) for cid, dist, meta in zip(
                result["ids"][0], result["distances"][0], result["metadatas"][0], strict=True)
                if meta and meta.get("version_key") in wanted]
            if len(found) >= k or len(result["ids"][0]) < k * 2:
                return found[:k]
        where = {"version_key": keys[0]} if len(keys) == 1 else \
            {"version_key": {"$in": list(keys)}}
        with self._vectors() as collection:
            result = collection.query(query_embeddings=[vector], n_results=k,
                                      include=["distances"], where=where)
        return [(cid, 1.0 - float(dist))
                for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)]

    def best_cosines(self, vectors: list[list[float]], keys: Sequence[str]) -> list[float]:
        """For each query vector, the best cosine of a chunk among versions `keys` (one batched
        query)."""
        if not keys or not vectors:
            return [0.0] * len(vectors)
        where = {"version_key": keys[0]} if len(keys) == 1 else \
            {"version_key": {"$in": list(keys)}}
        with self._vectors() as collection:
            result = collection.query(query_embeddings=vectors, n_results=1,
                                      include=["distances"], where=where)
        return [1.0 - float(found[0]) if found else 0.0 for found in result["distances"]]

    def lexical_search(self, query: str, k: int, keys: Sequence[str],
                       whole_base: bool = False) -> list[tuple[int, float]]:
        """(chunk rowid, BM25 score, higher is better) among versions `keys`.

        Over the whole active base the FTS index alone ranks (with room to spare for chunks of
        versions kept for the previous generation's readers): joining every candidate to its
        version first costs twice as much.
        """
        terms = self.selective_terms(list(dict.fromkeys(_fts_terms(query))))
        if not terms or not keys:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        with self._db() as db:
            if whole_base:
                rows = db.execute(
                    """SELECT rowid, -bm25(chunks_fts, 1.0, 0.5, 0.3) AS score FROM chunks_fts
                       WHERE chunks_fts MATCH ? ORDER BY score DESC LIMIT ?""",
                    (match, k * 2)).fetchall()
                owners = dict(db.execute(
                    f"SELECT rowid, version_key FROM chunks WHERE rowid IN "
                    f"({','.join('?' * len(rows))})", [r["rowid"] for r in rows]).fetchall())
                wanted = set(keys)
                found = [(r["rowid"], float(r["score"])) for r in rows
                         if owners.get(r["rowid"]) in wanted]
                if len(found) >= k or len(rows) < k * 2:
                    return found[:k]
            rows = db.execute(
                f"""SELECT f.rowid, -bm25(chunks_fts, 1.0, 0.5, 0.3) AS score
                    FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid
                    WHERE chunks_fts MATCH ? AND c.version_key IN ({",".join("?" * len(keys))})
                    ORDER BY score DESC LIMIT ?""", (match, *keys, k),
            ).fetchall()
        return [(r["rowid"], float(r["score"])) for r in rows]

    def words(self, keys: Sequence[str]) -> set[str]:
        """Every word stem of the given versions (what the knowledge base can talk about)."""
        if not keys:
            return set()
        with self._db() as db:
            rows = db.execute(
                f"SELECT DISTINCT word FROM version_words WHERE version_key IN "
                f"({','.join('?' * len(keys))})", list(keys)).fetchall()
        return {r["word"] for r in rows}

    def selective_terms(self, terms: list[str]) -> list[str]:
        """The words worth ranking by: in a large index, a word in more than COMMON_SHARE of
        the chunks adds almost nothing to BM25 but makes it score most of the index (keep the
        rarest one when all are that common). Small indexes are fast anyway and keep them all."""
        if len(terms) < 2:
            return terms
        generation = self.snapshot().generation
        total = _chunk_rows(self, generation)
        if total < PRUNE_FROM_CHUNKS:
            return terms
        frequency = {t: _frequency(self, generation, t) for t in terms}
        kept = [t for t in terms if frequency[t] <= COMMON_SHARE * total]
        return kept or [min(terms, key=frequency.__getitem__)]

    def cached_frequency(self, term: str) -> tuple[int, int]:
        """(chunks holding `term`, all chunks), remembered per generation."""
        generation = self.snapshot().generation
        return _frequency(self, generation, term), _chunk_rows(self, generation)

    def document_frequency(self, term: str) -> int:
        """How many stored chunks contain `term` (FTS5 applies its own stemming)."""
        if not any(ch.isalnum() for ch in term):
            return 0
        with self._db() as db:
            row = db.execute("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?",
                             (f'"{term}"',)).fetchone()
        return int(row["n"])

    def documents_using(self, term: str, keys: Sequence[str]) -> int:
        """How many of the versions `keys` hold `term` in some chunk."""
        if not any(ch.isalnum() for ch in term) or not keys:
            return 0
        with self._db() as db:
            row = db.execute(
                f"""SELECT COUNT(DISTINCT c.version_key) AS n FROM chunks_fts f
                    JOIN chunks c ON c.rowid = f.rowid
                    WHERE chunks_fts MATCH ? AND c.version_key IN ({",".join("?" * len(keys))})""",
                (f'"{term}"', *keys)).fetchone()
        return int(row["n"])

    def phrase_exists(self, phrase: str) -> bool:
        """Whether any stored chunk holds these words in this order (FTS5 phrase query)."""
        words = list(_fts_terms(phrase))
        if not words:
            return False
        with self._db() as db:
            row = db.execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1",
                             ('"' + " ".join(words) + '"',)).fetchone()
        return row is not None

    def chunk_rows(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def roots(self) -> list[Path]:
        """The folders and files the active knowledge base was ingested from."""
        with self._db() as db:
            rows = db.execute("SELECT path FROM roots WHERE generation = "
                              "(SELECT value FROM state WHERE key = 'active')").fetchall()
        return [Path(r["path"]) for r in rows]

    def record(self, actor: str, action: str, doc_id: str, version: str | None) -> None:
        """One entry in the audit trail, against the active generation."""
        generation = self.snapshot().generation or 0
        with self._transaction() as db:
            db.execute("INSERT INTO trail (at, actor, action, doc_id, version, generation) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (_now(), actor, action, doc_id, version, generation))

    def trail(self, limit: int = 200) -> list[dict[str, Any]]:
        """Who added, changed or withdrew which document and version, and when (newest first)."""
        with self._db() as db:
            rows = db.execute("SELECT at, actor, action, doc_id, version, generation FROM trail "
                              "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute(
                "SELECT id, started_at, finished_at, status, report_json FROM generations "
                "ORDER BY id DESC LIMIT ?", (limit,),
            ).fetchall()
        return [
            {"generation": r["id"], "started_at": r["started_at"], "finished_at": r["finished_at"],
             "status": r["status"], "report": json.loads(r["report_json"] or "null")}
            for r in rows
        ]

    # ------------------------------------------------------------------ writing

    def begin_generation(self) -> int:
        with self._transaction() as db:
            cur = db.execute("INSERT INTO generations (started_at, status) VALUES (?, 'running')",
                             (_now(),))
        return int(cur.lastrowid or 0)

    def write_versions(self, versions: Sequence[NewVersion]) -> None:
        """Store document versions: side store first, then vectors, then mark them complete.

        Until a version is complete (and named by a committed generation) nobody reads it, so a
        crash at any point leaves only garbage that `_forget` clears on the next run. Writing
        many versions per call keeps Chroma's per-call cost off the hot path.
        """
        self._forget([v.key for v in versions])
        with self._transaction() as db:
            for version in versions:
                self._insert_version(db, version)
        ids, embeddings, metadatas, documents = [], [], [], []
        for version in versions:
            meta = version.meta
            for chunk, vector in zip(version.chunks, version.vectors, strict=True):
                ids.append(chunk_id(version.key, chunk.index))
                embeddings.append(vector)
                metadatas.append({"version_key": version.key, "doc_id": meta.id,
                                  "kind": meta.kind, "idx": chunk.index})
                documents.append(chunk.text)
        for at in range(0, len(ids), CHROMA_BATCH):
            with self._vectors() as collection:
                collection.upsert(ids=ids[at:at + CHROMA_BATCH],
                                  embeddings=embeddings[at:at + CHROMA_BATCH],
                                  metadatas=metadatas[at:at + CHROMA_BATCH],
                                  documents=documents[at:at + CHROMA_BATCH])
        with self._transaction() as db:
            db.executemany("UPDATE versions SET complete = 1 WHERE key = ?",
                           [(v.key,) for v in versions])

    @staticmethod
    def _insert_version(db: sqlite3.Connection, version: NewVersion) -> None:
        meta, key = version.meta, version.key
        db.execute(
            "INSERT INTO versions (key, doc_id, sha256, kind, meta_json, text, chunks, pages, "
            "complete, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            (key, meta.id, version.sha256, meta.kind, meta.model_dump_json(), version.text,
             len(version.chunks), version.pages, _now()),
        )
        for chunk in version.chunks:
            cur = db.execute(
                "INSERT INTO chunks (id, version_key, idx, text, section, page, start, end, "
                "tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (chunk_id(key, chunk.index), key, chunk.index, chunk.text,
                 json.dumps(list(chunk.section)), chunk.page, chunk.start, chunk.end,
                 chunk.tokens),
            )
            db.execute("INSERT INTO chunks_fts (rowid, text, section, title) VALUES (?,?,?,?)",
                       (cur.lastrowid, chunk.text, " ".join(chunk.section), meta.title))
        db.executemany("INSERT OR IGNORE INTO version_words (version_key, word) VALUES (?, ?)",
                       [(key, word) for word in sorted(version.words)])

    def commit_generation(
        self, generation: int, docs: dict[str, tuple[str, str]], taxonomy: Taxonomy,
        report: dict[str, Any], roots: Sequence[str] = (),
        trail: Sequence[tuple[str, str, str, str | None]] = (),
    ) -> None:
        """Make `docs` ({doc_id: (version key, path)}) the knowledge base, in one transaction,
        with the folders it was read from and the trail of (actor, action, doc id, version)."""
        with self._transaction() as db:
            db.executemany("INSERT INTO roots (generation, path) VALUES (?, ?)",
                           [(generation, root) for root in roots])
            db.executemany(
                "INSERT INTO trail (at, actor, action, doc_id, version, generation) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(_now(), actor, action, doc_id, version, generation)
                 for actor, action, doc_id, version in trail])
            db.executemany(
                "INSERT INTO generation_docs (generation_id, doc_id, version_key, path) "
                "VALUES (?, ?, ?, ?)",
                [(generation, doc_id, key, path) for doc_id, (key, path) in docs.items()],
            )
            db.execute(
                "UPDATE generations SET status = 'committed', finished_at = ?, report_json = ?, "
                "taxonomy_json = ? WHERE id = ?",
                (_now(), json.dumps(report), taxonomy.model_dump_json(), generation),
            )
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('active', ?)",
                       (str(generation),))

    def collect_garbage(self, keep_generations: int = 2) -> int:
        """Drop versions no recent committed generation names, and mark dead runs interrupted.

        The previous generation is kept too, so a reader that looked up the active generation
        just before a commit still finds its chunks.
        """
        with self._transaction() as db:
            db.execute("UPDATE generations SET status = 'interrupted', finished_at = ? "
                       "WHERE status = 'running'", (_now(),))
            keep = [r["id"] for r in db.execute(
                "SELECT id FROM generations WHERE status = 'committed' ORDER BY id DESC LIMIT ?",
                (keep_generations,))]
            marks = ",".join("?" * len(keep)) or "NULL"
            db.execute(f"DELETE FROM generation_docs WHERE generation_id NOT IN ({marks})", keep)
            dead = [r["key"] for r in db.execute(
                "SELECT key FROM versions WHERE key NOT IN "
                "(SELECT version_key FROM generation_docs)")]
        self._forget(dead)
        return len(dead)

    def _forget(self, keys: Sequence[str]) -> None:
        """Delete versions' vectors, then their side-store rows (safe to repeat after a crash)."""
        if not keys:
            return
        with self._db() as db:
            known = [r["key"] for r in db.execute(
                f"SELECT key FROM versions WHERE key IN ({','.join('?' * len(keys))})", keys)]
        for key in known:
            with self._vectors() as collection:
                collection.delete(where={"version_key": key})
            with self._transaction() as db:
                db.execute("DELETE FROM chunks_fts WHERE rowid IN "
                           "(SELECT rowid FROM chunks WHERE version_key = ?)", (key,))
                db.execute("DELETE FROM chunks WHERE version_key = ?", (key,))
                db.execute("DELETE FROM version_words WHERE version_key = ?", (key,))
                db.execute("DELETE FROM versions WHERE key = ?", (key,))


def chunk_id(version_key: str, index: int) -> str:
    return f"{version_key[:24]}-{index:05d}"


def _stored_chunk(row: sqlite3.Row) -> StoredChunk:
    return StoredChunk(row["rowid"], row["id"], row["doc_id"], row["version_key"], row["idx"],
                       row["text"], tuple(json.loads(row["section"])), row["page"], row["start"],
                       row["end"])


@lru_cache(maxsize=16)
def _chunk_rows(store: Store, generation: int | None) -> int:
    return store.chunk_rows()


@lru_cache(maxsize=8192)
def _frequency(store: Store, generation: int | None, term: str) -> int:
    return store.document_frequency(term)


def _fts_terms(query: str) -> Iterator[str]:
    """Words of a free-text query, safe to quote inside an FTS5 MATCH expression (function
    words left out: they match nearly every chunk and only cost time)."""
    from waymark.terms import STOPWORDS

    word = ""
    for char in query.lower() + " ":
        if char.isalnum():
            word += char
        elif word:
            if word not in STOPWORDS:
                yield word
            word = ""


def open_store(settings: Settings) -> Store:
    from waymark.embeddings import embeddings_id

    return Store(settings, embeddings_id(settings))
