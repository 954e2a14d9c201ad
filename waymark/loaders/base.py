"""What every loader shares: the extracted text with its blocks, reading bytes safely, and the
sidecar of metadata beside a non-Markdown file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from waymark.errors import DocumentError
from waymark.metadata import parse_yaml, validate_meta
from waymark.models import DocumentMeta

SIDECAR_SUFFIX = ".meta.yaml"
SIDECAR_HINT = "create it with id, kind, title, owner, version, effective and review_by"


@dataclass(frozen=True)
class Block:
    """A span [start, end) of the extracted text under one heading path, on one page."""

    start: int
    end: int
    section: tuple[str, ...] = ()
    page: int | None = None


@dataclass
class Extracted:
    """What a file says, before its metadata: the text, its blocks, the title its own
    properties give (DOCX/PDF), if any, the title it shows in its largest type at the start
    (DOCX/PDF), and its page headers and footers (kept out of the text)."""

    text: str
    blocks: list[Block]
    warnings: list[str] = field(default_factory=list)
    pages: int | None = None
    title: str | None = None
    shown_title: str | None = None
    margins: list[str] = field(default_factory=list)  # page headers and footers (DOCX/PDF)


@dataclass
class LoadedDocument:
    path: Path
    meta: DocumentMeta
    text: str
    blocks: list[Block]
    sha256: str
    warnings: list[str] = field(default_factory=list)
    pages: int | None = None


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def fingerprint(path: Path) -> tuple[str, str]:
    """(sha256 of the file, sha256 of file + sidecar): the second decides 'changed'."""
    data = path.read_bytes()
    combined = hashlib.sha256(data)
    sidecar = sidecar_path(path)
    if path.suffix.lower() != ".md" and sidecar.is_file():
        combined.update(b"\0sidecar\0" + sidecar.read_bytes())
    return hashlib.sha256(data).hexdigest(), combined.hexdigest()


def read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            path,
            f"file is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:g} MB limit",
            hint="split the document, or raise WAYMARK_MAX_FILE_MB",
        )
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(path, "file is empty", hint="add the document's content or delete it")
    return data


def decode(path: Path, data: bytes) -> str:
    if b"\0" in data[:8192]:
        raise DocumentError(
            path, "file holds binary data, not text",
            hint=f"check it is really a {path.suffix} document; a PDF must be named .pdf",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(
            path, f"text is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            line=line, hint="save the file with UTF-8 encoding",
        ) from None


def read_sidecar(path: Path, max_bytes: int) -> tuple[DocumentMeta, list[str]] | None:
    """The sidecar's metadata, or None when the file has no sidecar (a draft)."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return None
    text = decode(sidecar, read_bytes(sidecar, max_bytes))
    data, node = parse_yaml(text, sidecar)
    return validate_meta(data, sidecar, node)
