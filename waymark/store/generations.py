"""Generations: which document versions make up the knowledge base, and the one pointer that
moves, in one transaction, when an ingest commits."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from waymark.models import Taxonomy
from waymark.store.records import Snapshot, StoredDocument, parse_meta
from waymark.store.sqlite import SideStore, marks, now
from waymark.whole_area import widen_to_whole_area

TrailEntry = tuple[str, str, str, str | None]  # (actor, action, doc id, version)


class Generations:
    def __init__(self, side: SideStore) -> None:
        self.side = side

    def active(self) -> tuple[int | None, str]:
        """The active generation and a token that changes whenever it does, even across a
        rebuilt data directory (ids restart there, commit times do not)."""
        with self.side.db() as db:
            row = db.execute(
                "SELECT g.id, g.finished_at FROM state s JOIN generations g ON g.id = s.value "
                "WHERE s.key = 'active'").fetchone()
        return (int(row["id"]), f"{row['id']}@{row['finished_at']}") if row else (None, "none")

    def load(self, generation: int | None) -> Snapshot:
        """The documents and taxonomy of one generation."""
        with self.side.db() as db:
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
        # a draft's districts are read against the other services of this generation
        metas = widen_to_whole_area({doc_id: doc.meta for doc_id, doc in documents.items()})
        documents = {doc_id: dataclasses.replace(doc, meta=metas[doc_id])
                     for doc_id, doc in documents.items()}
        taxonomy = Taxonomy()
        if taxonomy_row and taxonomy_row["taxonomy_json"]:
            taxonomy = Taxonomy.model_validate_json(taxonomy_row["taxonomy_json"])
        return Snapshot(generation, documents, taxonomy)

    def roots(self) -> list[Path]:
        """The folders and files the active knowledge base was ingested from."""
        with self.side.db() as db:
            rows = db.execute("SELECT path FROM roots WHERE generation = "
                              "(SELECT value FROM state WHERE key = 'active')").fetchall()
        return [Path(r["path"]) for r in rows]

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.side.db() as db:
            rows = db.execute(
                "SELECT id, started_at, finished_at, status, report_json FROM generations "
                "ORDER BY id DESC LIMIT ?", (limit,),
            ).fetchall()
        return [
            {"generation": r["id"], "started_at": r["started_at"], "finished_at": r["finished_at"],
             "status": r["status"], "report": json.loads(r["report_json"] or "null")}
            for r in rows
        ]

    def begin(self) -> int:
        with self.side.transaction() as db:
            cur = db.execute("INSERT INTO generations (started_at, status) VALUES (?, 'running')",
                             (now(),))
        return int(cur.lastrowid or 0)

    def commit(self, generation: int, docs: dict[str, tuple[str, str]], taxonomy: Taxonomy,
               report: dict[str, Any], roots: Sequence[str] = (),
               trail: Sequence[TrailEntry] = ()) -> None:
        """Make `docs` ({doc_id: (version key, path)}) the knowledge base, in one transaction,
        with the folders it was read from and the trail of what changed."""
        with self.side.transaction() as db:
            db.executemany("INSERT INTO roots (generation, path) VALUES (?, ?)",
                           [(generation, root) for root in roots])
            db.executemany(
                "INSERT INTO trail (at, actor, action, doc_id, version, generation) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(now(), actor, action, doc_id, version, generation)
                 for actor, action, doc_id, version in trail])
            db.executemany(
                "INSERT INTO generation_docs (generation_id, doc_id, version_key, path) "
                "VALUES (?, ?, ?, ?)",
                [(generation, doc_id, key, path) for doc_id, (key, path) in docs.items()],
            )
            db.execute(
                "UPDATE generations SET status = 'committed', finished_at = ?, report_json = ?, "
                "taxonomy_json = ? WHERE id = ?",
                (now(), json.dumps(report), taxonomy.model_dump_json(), generation),
            )
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('active', ?)",
                       (str(generation),))

    def unneeded_versions(self, keep_generations: int) -> list[str]:
        """Mark dead runs interrupted, forget all but the last committed generations, and
        return the version keys none of those names."""
        with self.side.transaction() as db:
            db.execute("UPDATE generations SET status = 'interrupted', finished_at = ? "
                       "WHERE status = 'running'", (now(),))
            keep = [r["id"] for r in db.execute(
                "SELECT id FROM generations WHERE status = 'committed' ORDER BY id DESC LIMIT ?",
                (keep_generations,))]
            db.execute(f"DELETE FROM generation_docs WHERE generation_id NOT IN "
                       f"({marks(keep) or 'NULL'})", keep)
            return [r["key"] for r in db.execute(
                "SELECT key FROM versions WHERE key NOT IN "
                "(SELECT version_key FROM generation_docs)")]
