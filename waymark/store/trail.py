"""The audit trail: who added, changed or withdrew which document and version, and when."""

from __future__ import annotations

from typing import Any

from waymark.store.sqlite import SideStore, now


class AuditTrail:
    def __init__(self, side: SideStore) -> None:
        self.side = side

    def record(self, actor: str, action: str, doc_id: str, version: str | None,
               generation: int) -> None:
        with self.side.transaction() as db:
            db.execute("INSERT INTO trail (at, actor, action, doc_id, version, generation) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (now(), actor, action, doc_id, version, generation))

    def entries(self, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first."""
        with self.side.db() as db:
            rows = db.execute("SELECT at, actor, action, doc_id, version, generation FROM trail "
                              "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]
