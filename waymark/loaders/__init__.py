"""Load a document file into its metadata and extracted text, with sections and pages mapped.

Every loader returns the text it extracted plus `Block`s: spans of that text with the heading
path and page they belong to. Chunks are cut inside blocks, so each chunk's span points back into
the extracted text and any quote can be checked against it. Metadata comes from Markdown front
matter or the sidecar beside any other file; a file with neither is a draft, with metadata
proposed from its own text (`waymark/drafting.py`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from waymark.drafting import propose_metadata
from waymark.errors import DocumentError
from waymark.loaders.base import (
    SIDECAR_HINT,
    SIDECAR_SUFFIX,
    Block,
    Extracted,
    LoadedDocument,
    decode,
    fingerprint,
    read_bytes,
    read_sidecar,
    sidecar_path,
)
from waymark.loaders.html import load_html
from waymark.loaders.markdown import load_markdown, markdown_blocks
from waymark.loaders.pdf import load_pdf, pdf_blocks
from waymark.loaders.text import load_text
from waymark.loaders.word import load_docx
from waymark.models import DocumentMeta

__all__ = ["SIDECAR_HINT", "SIDECAR_SUFFIX", "Block", "LoadedDocument", "LOADERS",
           "fingerprint", "load_document", "markdown_blocks", "pdf_blocks", "sidecar_path"]

MetaRead = tuple[DocumentMeta, list[str]] | None


def _markdown(path: Path, data: bytes, max_bytes: int) -> tuple[Extracted, MetaRead]:
    return load_markdown(path, decode(path, data))


def _pdf(path: Path, data: bytes, max_bytes: int) -> tuple[Extracted, MetaRead]:
    return load_pdf(path, data), read_sidecar(path, max_bytes)


def _html(path: Path, data: bytes, max_bytes: int) -> tuple[Extracted, MetaRead]:
    return load_html(path, decode(path, data)), read_sidecar(path, max_bytes)


def _text(path: Path, data: bytes, max_bytes: int) -> tuple[Extracted, MetaRead]:
    return load_text(decode(path, data)), read_sidecar(path, max_bytes)


def _docx(path: Path, data: bytes, max_bytes: int) -> tuple[Extracted, MetaRead]:
    return load_docx(path, data), read_sidecar(path, max_bytes)


LOADERS = {
    ".md": _markdown,
    ".markdown": _markdown,
    ".pdf": _pdf,
    ".html": _html,
    ".htm": _html,
    ".txt": _text,
    ".docx": _docx,
}


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    """Load any supported document; raises DocumentError with file, line, field and remedy."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        hint = ("save it as .docx (Word 2007 or later)" if path.suffix.lower() == ".doc"
                else "save it as .docx, PDF, HTML, Markdown or text")
        raise DocumentError(path, f"unsupported file type '{path.suffix or '(none)'}'",
                            hint=f"Waymark reads {', '.join(LOADERS)}; {hint}")
    try:
        data = read_bytes(path, max_bytes)
        extracted, read = loader(path, data, max_bytes)
    except OSError as exc:
        raise DocumentError(path, f"cannot be read ({exc.strerror or exc})") from None
    meta, warnings = read if read is not None else propose_metadata(path, extracted)
    return LoadedDocument(path, meta, extracted.text, extracted.blocks,
                          hashlib.sha256(data).hexdigest(), [*warnings, *extracted.warnings],
                          extracted.pages)
