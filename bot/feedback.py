"""👍 / 👎 on answers, in SQLite: the answer id, the rating, when, and a salted hash of the user
id (so that a second vote on the same answer replaces the first). Never the question or the
answer text."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    answer_id  TEXT NOT NULL,
    helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    created_at TEXT NOT NULL,
    user_hash  TEXT NOT NULL,
    PRIMARY KEY (answer_id, user_hash)
);
CREATE TABLE IF NOT EXISTS salt (value TEXT NOT NULL);
"""


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)
            row = db.execute("SELECT value FROM salt").fetchone()
            if row is None:
                db.execute("INSERT INTO salt (value) VALUES (?)", (secrets.token_hex(32),))
                row = db.execute("SELECT value FROM salt").fetchone()
        self._salt = bytes.fromhex(row[0])

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # one short connection per call: feedback is rare, and calls come from worker threads
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            yield db

    def user_hash(self, user_id: int) -> str:
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()

    def record(self, answer_id: str, helpful: bool, user_id: int) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute(
                "INSERT INTO feedback (answer_id, helpful, created_at, user_hash) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (answer_id, user_hash) DO UPDATE SET "
                "helpful = excluded.helpful, created_at = excluded.created_at",
                (answer_id, int(helpful), now, self.user_hash(user_id)))

    def counts(self) -> dict[str, int]:
        with self._db() as db:
            row = db.execute("SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM feedback").fetchone()
        return {"helpful": int(row[0]), "not_helpful": int(row[1] - row[0])}
