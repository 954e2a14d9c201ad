"""The SQLite side store: its schema, one connection per thread, and transactions."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from waymark.errors import StoreError

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

REBUILD_HINT = "rebuild it from the documents with `waymark ingest --rebuild PATH`"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def marks(values: object) -> str:
    """`?,?,?` for an SQL `IN (...)` over `values`."""
    return ",".join("?" * len(values))  # type: ignore[arg-type]


class SideStore:
    """The SQLite file beside the vectors; cheap to create, one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        try:
            with self.db() as db:
                db.executescript(SCHEMA)
        except StoreError:
            # A damaged side store must not stop a server from starting: every call answers
            # with the error (a 503) until `waymark ingest --rebuild` replaces the file.
            pass

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened once and reopened if the file was replaced."""
        try:
            yield self._connection()
        except sqlite3.DatabaseError as exc:
            self._local.__dict__.clear()
            raise StoreError(
                f"the side store {self.path} is damaged or unreadable ({exc}); {REBUILD_HINT}"
            ) from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        try:
            identity = (self.path.stat().st_dev, self.path.stat().st_ino)
        except OSError:
            identity = None
        cached = getattr(self._local, "db", None)
        if cached is not None and identity is not None and cached[0] == identity:
            return cached[1]
        if cached is not None:
            cached[1].close()
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                 check_same_thread=True)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: still atomic after a crash
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the side store {self.path}: {exc}; if it is "
                             f"damaged, {REBUILD_HINT}") from exc
        self._local.db = ((self.path.stat().st_dev, self.path.stat().st_ino), db)
        return db
