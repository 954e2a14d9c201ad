"""Add, update and withdraw single documents (the web page and `POST/DELETE /sources`).

The knowledge folders stay the source of truth: an upload is checked in a scratch folder first,
then written into the folder the knowledge base was ingested from (replacing the file of the
same document id), and that folder is ingested again. A withdrawn document's files are moved
to `<data dir>/withdrawn/`, never deleted, so nothing is lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from waymark.config import Settings
from waymark.errors import DocumentError, UnknownDocument, WaymarkError
from waymark.ingest.pipeline import IngestReport, ingest
from waymark.loaders import LOADERS, SIDECAR_SUFFIX, load_document, sidecar_path
from waymark.store import open_store

UPLOADS = "uploads"
METADATA_FIELDS = ("id", "kind", "title", "owner", "version", "effective", "review_by",
                   "source_url")


class UploadError(WaymarkError):
    """The upload cannot be used; nothing was changed."""


def safe_name(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename or "").name).strip(".-")
    if not name or Path(name).suffix.lower() not in LOADERS:
        raise UploadError(f"{filename!r}: Waymark reads {', '.join(LOADERS)} files")
    return name


def sidecar_from_form(fields: dict[str, str], extra_yaml: str | None) -> bytes | None:
    """A sidecar built from metadata form fields (plus YAML for the structured parts)."""
    meta: dict[str, Any] = {k: fields[k] for k in METADATA_FIELDS if fields.get(k)}
    if extra_yaml and extra_yaml.strip():
        try:
            extra = yaml.safe_load(extra_yaml)
        except yaml.YAMLError as exc:
            raise UploadError(f"the extra metadata is not valid YAML ({exc})") from None
        if not isinstance(extra, dict):
            raise UploadError("the extra metadata must be YAML fields, e.g. 'eligibility:'")
        meta.update(extra)
    if not meta:
        return None
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).encode()


def _check(name: str, data: bytes, sidecar: bytes | None, settings: Settings) -> str:
    """Load the upload in a scratch folder exactly as ingest will; returns its document id."""
    with tempfile.TemporaryDirectory(prefix="waymark-upload-") as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        if sidecar is not None:
            sidecar_path(path).write_bytes(sidecar)
        try:
            doc = load_document(path, settings.max_file_bytes)
        except DocumentError as exc:
            raise UploadError(str(exc).replace(scratch + os.sep, "")) from None
        return doc.meta.id


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.uploading")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _archive(paths: list[Path], settings: Settings) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    folder = settings.data_dir / "withdrawn" / stamp
    for path in paths:
        if path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), folder / path.name)


def _roots(settings: Settings) -> list[Path]:
    roots = open_store(settings).roots()
    return roots or [settings.knowledge_dir.resolve()]


def add_document(settings: Settings, filename: str, data: bytes, sidecar: bytes | None,
                 actor: str) -> tuple[str, IngestReport]:
    """Add or replace one document; returns its id and the ingest report."""
    name = safe_name(filename)
    if name.lower().endswith(".md"):
        sidecar = None  # Markdown carries its own front matter
    doc_id = _check(name, data, sidecar, settings)
    store = open_store(settings)
    roots = _roots(settings)
    existing = store.snapshot().documents.get(doc_id)
    if existing is not None:  # the new file takes the old one's place, whatever its name
        old = Path(existing.path)
        target = old.with_name(name)
        if target != old:
            if sidecar is None and sidecar_path(old).exists() and not name.lower().endswith(".md"):
                sidecar = sidecar_path(old).read_bytes()
            _archive([old, sidecar_path(old)], settings)
    else:
        folder = roots[0] if roots[0].is_dir() else roots[0].parent
        target = folder / UPLOADS / name
        while target.exists():
            target = target.with_name(f"{target.stem}-{doc_id}{target.suffix}")
    _write(target, data)
    if sidecar is not None:  # without one, an updated file keeps the sidecar it had
        _write(sidecar_path(target), sidecar)
    return doc_id, ingest(roots, settings, actor=actor)


def withdraw_document(settings: Settings, doc_id: str, actor: str) -> IngestReport:
    """Take a document out of the knowledge base; its files move to the withdrawn folder."""
    doc = open_store(settings).snapshot().documents.get(doc_id)
    if doc is None:
        raise UnknownDocument(f"no document {doc_id!r} in the knowledge base")
    path = Path(doc.path)
    _archive([path, path.with_name(path.name + SIDECAR_SUFFIX)], settings)
    return ingest(_roots(settings), settings, actor=actor)


def draft_metadata(settings: Settings, doc_id: str) -> dict[str, Any]:
    """A document's metadata as the owner reviews it: each field with the sentence Waymark
    proposed it from (empty for a confirmed document)."""
    doc = open_store(settings).snapshot().documents.get(doc_id)
    if doc is None:
        raise UnknownDocument(f"no document {doc_id!r} in the knowledge base")
    return {"doc_id": doc_id, "path": doc.path, "metadata": doc.meta.metadata,
            "fields": _confirmable(doc.meta.model_dump(mode="json")),
            "proposed_from": dict(doc.meta.proposed_from)}


def confirm_metadata(settings: Settings, doc_id: str, changes: dict[str, Any],
                     actor: str) -> IngestReport:
    """Confirm a draft's metadata, with the owner's changes: write it beside the file (a
    sidecar) or into it (Markdown front matter), record it in the audit trail, and ingest
    again, which re-indexes only that document."""
    review = draft_metadata(settings, doc_id)
    _write_confirmed(settings, {doc_id: _confirmed_file(settings, review, changes)}, actor)
    return ingest(_roots(settings), settings, actor=actor)


def confirm_from_csv(settings: Settings, text: str, actor: str) -> IngestReport:
    """Confirm every draft named in a metadata CSV (as `drafts_csv` writes it, edited by the
    owner: a `doc_id` column, one column per field, an empty cell keeps what was proposed),
    then ingest once. Every row is checked before anything is written."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "doc_id" not in rows[0]:
        raise UploadError("the metadata CSV needs a header row with a doc_id column")
    edits: dict[str, tuple[Path, bytes, str | None]] = {}
    for number, row in enumerate(rows, start=2):
        doc_id = (row.pop("doc_id") or "").strip()
        try:
            review = draft_metadata(settings, doc_id)
        except UnknownDocument:
            raise UploadError(f"line {number}: no document {doc_id!r}") from None
        form = {k: v for k, v in row.items() if k and v and v.strip()}
        edits[doc_id] = _confirmed_file(settings, review, edits_from_form(review, form))
    _write_confirmed(settings, edits, actor)
    return ingest(_roots(settings), settings, actor=actor)


def drafts_csv(settings: Settings) -> str:
    """Every draft's proposed metadata as a CSV for the owner to complete and confirm."""
    drafts = [d for d in open_store(settings).documents() if d.meta.is_draft]
    rows = []
    for doc in drafts:
        fields = _confirmable(doc.meta.model_dump(mode="json"))
        row = {"doc_id": doc.doc_id, "owner": "", "review_by": ""}
        for name, value in fields.items():
            if isinstance(value, dict):
                row.update({f"{name}.{k}": _cell(v) for k, v in value.items()})
            elif name != "id":
                row[name] = _cell(value)
        rows.append(row)
    columns = list(dict.fromkeys(c for row in rows for c in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return "" if value is None else str(value)


def _confirmed_file(settings: Settings, review: dict[str, Any], changes: dict[str, Any]
                    ) -> tuple[Path, bytes, str | None]:
    """(file to write, its bytes, version) for a draft under `review` (`draft_metadata`): the
    sidecar, or the Markdown file with its front matter, checked exactly as ingest will read
    it. Nothing is written here."""
    doc_id, path = review["doc_id"], Path(review["path"])
    markdown = path.suffix.lower() in (".md", ".markdown")
    if review["metadata"] != "draft":
        raise UploadError(f"{doc_id}: its metadata is already confirmed; edit its "
                          f"{'front matter' if markdown else 'sidecar'}")
    fields = {**review["fields"], **changes}
    text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)
    data = (f"---\n{text}---\n{path.read_text(encoding='utf-8')}".encode() if markdown
            else text.encode())
    try:
        _check(path.name, data if markdown else path.read_bytes(),
               None if markdown else data, settings)
    except UploadError as exc:
        raise UploadError(f"{doc_id}: the confirmed metadata is not valid: {exc}") from None
    version = fields.get("version")
    return (path if markdown else sidecar_path(path)), data, None if version is None \
        else str(version)


def _write_confirmed(settings: Settings, confirmed: dict[str, tuple[Path, bytes, str | None]],
                     actor: str) -> None:
    store = open_store(settings)
    for doc_id, (path, data, version) in confirmed.items():
        _write(path, data)
        store.record(actor, "metadata confirmed", doc_id, version)


def _confirmable(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields an owner confirms: no draft markers, nothing empty."""
    fields.pop("metadata", None)
    fields.pop("proposed_from", None)

    def kept(value: Any) -> bool:
        return value not in (None, [], {}, "")

    cleaned = {}
    for key, value in fields.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if kept(v)}
        if kept(value):
            cleaned[key] = value
    return cleaned


def edits_from_form(review: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """The owner's edits as metadata: "eligibility.areas": "BV1, BV2" becomes a nested list
    (a field that holds a list takes comma-separated values), other values are read as YAML
    scalars ("2.1", "true", "2026-04-01"); an emptied field is dropped."""
    fields: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v)
                              for k, v in review["fields"].items()}
    for name, text in form.items():
        group, _, key = name.partition(".")
        holder = fields.setdefault(group, {}) if key else fields
        if not isinstance(holder, dict):
            raise UploadError(f"{name}: {group} is not a group of fields")
        target = key or group
        current = holder.get(target)
        if not text.strip():
            holder.pop(target, None)
        elif isinstance(current, list) or target == "areas":
            holder[target] = [part.strip().upper() for part in text.split(",") if part.strip()]
        else:
            try:
                holder[target] = yaml.safe_load(text)
            except yaml.YAMLError:
                holder[target] = text.strip()
    return fields
