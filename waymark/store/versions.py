"""Document versions in the side store: their text, chunks and words, under a content key."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from waymark.models import DocumentMeta
from waymark.store.records import NewVersion, StoredChunk, chunk_id, parse_meta
from waymark.store.sqlite import SideStore, marks, now


class Versions:
    def __init__(self, side: SideStore) -> None:
        self.side = side

    def chunk_total(self, keys: Sequence[str]) -> int:
        with self.side.db() as db:
            row = db.execute(f"SELECT COALESCE(SUM(chunks), 0) AS n FROM versions WHERE key IN "
                             f"({marks(keys)})", list(keys)).fetchone()
        return int(row["n"])

    def text_span(self, version_key: str, start: int = 0, end: int | None = None) -> str:
        """Extracted text of a stored version, or the [start, end) slice of it."""
        with self.side.db() as db:
            if end is None:
                row = db.execute("SELECT substr(text, ? + 1) AS t FROM versions WHERE key = ?",
                                 (start, version_key)).fetchone()
            else:
                row = db.execute("SELECT substr(text, ? + 1, ?) AS t FROM versions WHERE key = ?",
                                 (start, end - start, version_key)).fetchone()
        return row["t"] if row else ""

    def complete(self, key: str) -> tuple[str, DocumentMeta] | None:
        """(doc_id, meta) when this content is already fully indexed."""
        with self.side.db() as db:
            row = db.execute(
                "SELECT doc_id, meta_json FROM versions WHERE key = ? AND complete = 1", (key,)
            ).fetchone()
        return (row["doc_id"], parse_meta(row["meta_json"])) if row else None

    def chunks_where(self, column: str, values: Sequence[Any]) -> list[StoredChunk]:
        if not values:
            return []
        with self.side.db() as db:
            rows = db.execute(
                f"""SELECT c.*, v.doc_id FROM chunks c JOIN versions v ON v.key = c.version_key
                    WHERE c.{column} IN ({marks(values)}) ORDER BY c.idx""", list(values),
            ).fetchall()
        return [StoredChunk.from_row(r) for r in rows]

    def words(self, keys: Sequence[str]) -> set[str]:
        """Every word stem of the given versions (what the knowledge base can talk about)."""
        if not keys:
            return set()
        with self.side.db() as db:
            rows = db.execute(f"SELECT DISTINCT word FROM version_words WHERE version_key IN "
                              f"({marks(keys)})", list(keys)).fetchall()
        return {r["word"] for r in rows}

    def known(self, keys: Sequence[str]) -> list[str]:
        """The keys of `keys` stored here."""
        if not keys:
            return []
        with self.side.db() as db:
            return [r["key"] for r in db.execute(
                f"SELECT key FROM versions WHERE key IN ({marks(keys)})", list(keys))]

    @staticmethod
    def insert(db: sqlite3.Connection, version: NewVersion) -> None:
        """The version, its chunks (and their lexical index rows) and its words, not yet
        complete."""
        meta, key = version.meta, version.key
        db.execute(
            "INSERT INTO versions (key, doc_id, sha256, kind, meta_json, text, chunks, pages, "
            "complete, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            (key, meta.id, version.sha256, meta.kind, meta.model_dump_json(), version.text,
             len(version.chunks), version.pages, now()),
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

    def mark_complete(self, keys: Sequence[str]) -> None:
        with self.side.transaction() as db:
            db.executemany("UPDATE versions SET complete = 1 WHERE key = ?",
                           [(key,) for key in keys])

    def delete(self, key: str) -> None:
        """One version's rows, lexical index included, in one transaction."""
        with self.side.transaction() as db:
            db.execute("DELETE FROM chunks_fts WHERE rowid IN "
                       "(SELECT rowid FROM chunks WHERE version_key = ?)", (key,))
            db.execute("DELETE FROM chunks WHERE version_key = ?", (key,))
            db.execute("DELETE FROM version_words WHERE version_key = ?", (key,))
            db.execute("DELETE FROM versions WHERE key = ?", (key,))
