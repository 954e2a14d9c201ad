"""What the store holds and hands out: documents, chunks, snapshots and versions to write."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from waymark.models import META_BY_KIND, DocumentMeta, Taxonomy

if TYPE_CHECKING:
    from waymark.chunking import Chunk

T = TypeVar("T")


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

    @property
    def derived_keys(self) -> set[str]:
        """What has been worked out for this generation so far."""
        return set(self._derived)

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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredChunk:
        return cls(row["rowid"], row["id"], row["doc_id"], row["version_key"], row["idx"],
                   row["text"], tuple(json.loads(row["section"])), row["page"], row["start"],
                   row["end"])


def parse_meta(meta_json: str) -> DocumentMeta:
    data = json.loads(meta_json)
    return META_BY_KIND[data["kind"]].model_validate(data)


def chunk_id(version_key: str, index: int) -> str:
    return f"{version_key[:24]}-{index:05d}"


def version_part(chunk: str) -> str:
    """The part of a chunk id (`chunk_id`) that names its version."""
    return chunk.rsplit("-", 1)[0]
