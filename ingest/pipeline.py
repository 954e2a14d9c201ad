"""Ingest: load → validate → chunk → embed → commit a new generation of the knowledge base.

`ingest(paths)` makes the knowledge base hold exactly the documents under `paths`. Unchanged
files (same bytes and sidecar) are recognised by hash and neither parsed nor embedded again; a
file that fails keeps its previously indexed version; everything becomes visible at once when
the new generation is committed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from waymark.chunking import Chunk, chunk_text
from waymark.config import Settings
from waymark.embeddings import embeddings_id, make_embeddings
from waymark.errors import DocumentError
from waymark.ingest.discover import Found, discover
from waymark.loaders import LoadedDocument, fingerprint, load_document
from waymark.metadata import load_taxonomy
from waymark.models import DocumentMeta, ServiceMeta, Taxonomy, ThresholdMeta
from waymark.store import NewVersion, Store, open_store
from waymark.vocabulary import vocabulary_of

PIPELINE_VERSION = "8"  # bump when loading, draft proposals or chunking change: re-index all

WRITE_BATCH = 500  # chunks per store write: bounds the work an interrupted run loses

Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)


@dataclass
class Planned:
    """A document that will be in the new generation."""

    path: Path
    key: str
    sha256: str
    meta: DocumentMeta
    loaded: LoadedDocument | None = None  # None when an indexed version is reused
    chunks: list[Chunk] = field(default_factory=list)


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    drafted: list[str] = field(default_factory=list)  # in the base with metadata unconfirmed
    failed: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    generation: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@dataclass
class ValidationReport:
    documents: list[dict[str, str]] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    taxonomy_terms: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


# ---------------------------------------------------------------------------- shared steps


def version_key(source_hash: str, settings: Settings) -> str:
    """Content key of a document version: its bytes plus everything that shapes its chunks."""
    recipe = (f"{source_hash}|{PIPELINE_VERSION}|{embeddings_id(settings)}|"
              f"{settings.chunk_tokens}|{settings.chunk_overlap}")
    return hashlib.sha256(recipe.encode()).hexdigest()


def merge_taxonomies(paths: list[Path]) -> tuple[Taxonomy | None, list[Failure]]:
    """All taxonomy files merged (empty when there are none); None when one is broken."""
    terms, failures = [], []
    owners: dict[str, Path] = {}
    for path in paths:
        try:
            taxonomy = load_taxonomy(path)
        except DocumentError as exc:
            failures.append(Failure(str(path), str(exc)))
            continue
        for term in taxonomy.terms:
            if term.id in owners:
                failures.append(Failure(str(path), str(DocumentError(
                    path, f"term id {term.id!r} is already defined in {owners[term.id]}",
                    hint="keep each term in one taxonomy file"))))
                continue
            owners[term.id] = path
            terms.append(term)
    if failures:
        return None, failures
    return Taxonomy(terms=terms), []


def reference_warnings(docs: list[tuple[Path, DocumentMeta]], taxonomy: Taxonomy) -> list[str]:
    """Taxonomy ids that documents use but the taxonomy does not define."""
    if not taxonomy.terms:
        return ["no taxonomy.yaml found: needs, exclusions and indicators cannot be "
                "recognised in free text"] if docs else []
    known, warnings = taxonomy.ids(), []
    for path, meta in docs:
        used: list[tuple[str, str]] = []
        if isinstance(meta, ServiceMeta):
            for name in ("needs_any", "needs_all", "excludes"):
                used += [(f"eligibility.{name}", term) for term in getattr(meta.eligibility, name)]
        if isinstance(meta, ThresholdMeta):
            used += [(f"indicators[{i}].need", ind.need) for i, ind in enumerate(meta.indicators)]
        warnings += [
            f"{path}: field '{where}': {term!r} is not a taxonomy term; add it to taxonomy.yaml "
            "or fix the spelling (until then it only matches families given that exact id)"
            for where, term in used if term not in known
        ]
    return warnings


def duplicate_id_failures(entries: list[tuple[Path, str]]) -> tuple[set[Path], list[Failure]]:
    """Every file claiming an id another file also claims fails: neither wins silently."""
    by_id: dict[str, list[Path]] = defaultdict(list)
    for path, doc_id in entries:
        by_id[doc_id].append(path)
    bad, failures = set(), []
    for doc_id, paths in by_id.items():
        if len(paths) < 2:
            continue
        for path in paths:
            others = ", ".join(str(p) for p in paths if p != path)
            failures.append(Failure(str(path), str(DocumentError(
                path, f"duplicate id {doc_id!r}: also used by {others}", field="id",
                hint="give each document its own id"))))
            bad.add(path)
    return bad, failures


def section_warnings(loaded: LoadedDocument) -> list[str]:
    """Threshold indicators whose `section` names no heading: their citations would fall back
    to the document's opening instead of the passage that explains them."""
    if not isinstance(loaded.meta, ThresholdMeta):
        return []
    headings = {h.strip().lower() for block in loaded.blocks for h in block.section}
    return [f"{loaded.path}: field 'indicators[{i}].section': {ind.section!r} is not a heading "
            "of the document; use the exact heading text that explains this indicator"
            for i, ind in enumerate(loaded.meta.indicators)
            if ind.section and ind.section.strip().lower() not in headings]


def _load_and_chunk(path: Path, settings: Settings) -> tuple[LoadedDocument, list[Chunk]]:
    loaded = load_document(path, settings.max_file_bytes)
    loaded.warnings += section_warnings(loaded)
    chunks = chunk_text(loaded.text, loaded.blocks, settings.chunk_tokens, settings.chunk_overlap)
    if not chunks:
        raise DocumentError(path, "no text to index after its headings",
                            hint="add the guidance itself")
    return loaded, chunks


def _orphan_warnings(found: Found) -> list[str]:
    return [f"{p}: sidecar without its document ({p.name.removesuffix('.meta.yaml')}); "
            "it is ignored" for p in found.orphan_sidecars]


# ---------------------------------------------------------------------------- validate


def validate(paths: list[Path], settings: Settings) -> ValidationReport:
    """Check documents and taxonomy as ingest would, without touching the knowledge base."""
    found = discover(paths)
    report = ValidationReport(warnings=_orphan_warnings(found))
    taxonomy, report.failed = merge_taxonomies(found.taxonomies)
    ok: list[tuple[Path, DocumentMeta]] = []
    for path in found.documents:
        try:
            loaded, chunks = _load_and_chunk(path, settings)
        except DocumentError as exc:
            report.failed.append(Failure(str(path), str(exc)))
            continue
        report.warnings += loaded.warnings
        ok.append((path, loaded.meta))
        report.documents.append({"path": str(path), "doc_id": loaded.meta.id,
                                 "kind": loaded.meta.kind, "chunks": str(len(chunks))})
    bad, dup_failures = duplicate_id_failures([(p, m.id) for p, m in ok])
    report.failed += dup_failures
    report.documents = [d for d in report.documents if Path(d["path"]) not in bad]
    report.taxonomy_terms = len(taxonomy.terms) if taxonomy else 0
    report.warnings += reference_warnings(ok, taxonomy or Taxonomy())
    return report


# ---------------------------------------------------------------------------- ingest


def _plan(found: Found, settings: Settings, store: Store) -> tuple[list[Planned], list[Failure]]:
    planned, failures = [], []
    for path in found.documents:
        try:
            sha256, source_hash = fingerprint(path)
            key = version_key(source_hash, settings)
            reused = store.complete_version(key)
            if reused:
                planned.append(Planned(path, key, sha256, reused[1]))
                continue
            loaded, chunks = _load_and_chunk(path, settings)
        except DocumentError as exc:
            failures.append(Failure(str(path), str(exc)))
            continue
        except OSError as exc:
            failures.append(Failure(str(path), f"{path}: cannot be read ({exc.strerror or exc})"))
            continue
        planned.append(Planned(path, key, sha256, loaded.meta, loaded, chunks))
    bad, dup_failures = duplicate_id_failures([(p.path, p.meta.id) for p in planned])
    return [p for p in planned if p.path not in bad], failures + dup_failures


def _embed_text(meta: DocumentMeta, chunk: Chunk) -> str:
    """What the embedding sees: the chunk with the title and headings that place it."""
    return "\n".join([meta.title, " > ".join(chunk.section), chunk.text]).strip()


def _index(planned: list[Planned], store: Store, embeddings: Embeddings,
           progress: Progress | None) -> None:
    """Embed chunk by chunk and write versions in batches of about WRITE_BATCH chunks."""
    total, done = sum(len(p.chunks) for p in planned), 0
    if progress:
        progress(0, total)
    batch: list[NewVersion] = []
    for item in planned:
        assert item.loaded is not None
        vectors = []
        for chunk in item.chunks:
            vectors += embeddings.embed_documents([_embed_text(item.meta, chunk)])
            done += 1
            if progress:
                progress(done, total)
        batch.append(NewVersion(item.key, item.sha256, item.meta, item.loaded.text, item.chunks,
                                vectors, item.loaded.pages,
                                vocabulary_of(f"{item.meta.title}\n{item.loaded.text}")))
        if sum(len(v.chunks) for v in batch) >= WRITE_BATCH:
            store.write_versions(batch)
            batch = []
    if batch:
        store.write_versions(batch)


def _resolved(path: str | Path) -> str:
    return str(Path(path).resolve())


def ingest(
    paths: list[Path], settings: Settings, *, embeddings: Embeddings | None = None,
    progress: Progress | None = None, actor: str = "cli",
) -> IngestReport:
    """Make the knowledge base hold exactly the documents under `paths`; `actor` is recorded in
    the audit trail for every document added, changed or withdrawn."""
    found = discover(paths)
    store = open_store(settings)
    with store.ingest_lock():
        store.vectors.reload()  # another process may have written since this one last looked
        store.collect_garbage()  # finishes the clean-up of a run that was killed
        previous = {doc.doc_id: doc for doc in store.documents()}
        taxonomy, failed = merge_taxonomies(found.taxonomies)
        planned, plan_failures = _plan(found, settings, store)
        failed += plan_failures
        to_index = [p for p in planned if p.loaded is not None]
        generation = store.begin_generation()
        if to_index:
            _index(to_index, store, embeddings or make_embeddings(settings), progress)

        docs = {p.meta.id: (p.key, _resolved(p.path)) for p in planned}
        failed_paths = {_resolved(f.path) for f in failed}
        for doc in previous.values():  # a file that failed keeps its indexed version
            if doc.path in failed_paths and doc.doc_id not in docs:
                docs[doc.doc_id] = (doc.version_key, doc.path)

        report = IngestReport(failed=failed, generation=generation)
        for doc_id, (key, _) in sorted(docs.items()):
            before = previous.get(doc_id)
            if before is None:
                report.added.append(doc_id)
            elif before.version_key != key:
                report.changed.append(doc_id)
            else:
                report.unchanged.append(doc_id)
        report.removed = sorted(set(previous) - set(docs))
        report.drafted = sorted(p.meta.id for p in planned if p.meta.is_draft)
        report.warnings = _orphan_warnings(found)
        for item in to_index:
            assert item.loaded is not None
            report.warnings += item.loaded.warnings
        if taxonomy is None:  # broken: keep the one in use
            taxonomy = store.taxonomy()
        report.warnings += reference_warnings([(p.path, p.meta) for p in planned], taxonomy)
        report.documents = len(docs)
        report.chunks = store.chunk_total([key for key, _ in docs.values()])
        versions = {p.meta.id: p.meta.version for p in planned}
        trail = [(actor, "added", d, versions.get(d)) for d in report.added]
        trail += [(actor, "changed", d, versions.get(d)) for d in report.changed]
        trail += [(actor, "withdrawn", d, previous[d].meta.version) for d in report.removed]
        store.commit_generation(generation, docs, taxonomy, report.to_json(),
                                [_resolved(p) for p in paths], trail)
        store.collect_garbage()
    return report


def rebuild(paths: list[Path], settings: Settings, *, progress: Progress | None = None,
            actor: str = "cli") -> tuple[IngestReport, Path | None]:
    """Build a new knowledge base from `paths` beside the old one and swap it in when complete
    (for a damaged side store). Returns the report and where the old data now is (kept as a
    backup; None when there was none). With a Chroma server the collection is dropped first,
    so answers are empty until the rebuild ends."""
    import datetime as dt
    import os

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    target = settings.data_dir
    fresh = target.with_name(f".{target.name}.rebuild-{stamp}")
    if settings.chroma_host:
        store = Store(settings.model_copy(update={"data_dir": fresh}), embeddings_id(settings))
        client = store.vectors.client
        client.delete_collection(store.vectors.collection_name)
        store.vectors.reload()
    report = ingest(paths, settings.model_copy(update={"data_dir": fresh}), progress=progress,
                    actor=actor)
    backup = None
    if target.exists():
        backup = target.with_name(f"{target.name}.old-{stamp}")
        os.replace(target, backup)
    os.replace(fresh, target)
    return report, backup
