"""Load a document file into its metadata and extracted text, with sections and pages mapped.

Every loader returns the text it extracted plus `Block`s: spans of that text with the heading
path and page they belong to. Chunks are cut inside blocks, so each chunk's span points back into
the extracted text and any quote can be checked against it.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

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


# ----------------------------------------------------------------------------- reading bytes


def _read_bytes(path: Path, max_bytes: int) -> bytes:
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


def _decode(path: Path, data: bytes) -> str:
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


def _read_sidecar(path: Path, max_bytes: int) -> tuple[DocumentMeta, list[str]]:
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        raise DocumentError(
            path, f"no metadata: a {path.suffix} document takes it from the sidecar "
            f"{sidecar.name} beside it, which does not exist", hint=SIDECAR_HINT,
        )
    text = _decode(sidecar, _read_bytes(sidecar, max_bytes))
    data, node = parse_yaml(text, sidecar)
    return validate_meta(data, sidecar, node)


# ----------------------------------------------------------------------------- markdown

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _split_front_matter(path: Path, text: str) -> tuple[str, int, int]:
    """(yaml text, offset where the body starts, file line where the yaml starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise DocumentError(
            path, "no front matter: a Markdown document must begin with a line '---', "
            "then its metadata (id, kind, title, ...), then a closing '---'", line=1,
            hint="see knowledge/README.md for an example",
        )
    offset = len(lines[0])
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return "".join(lines[1:i]), offset + len(line), 2
        offset += len(line)
    raise DocumentError(
        path, "front matter is not closed: add a line '---' after the metadata", line=1
    )


def markdown_blocks(body: str) -> list[Block]:
    """One block per heading (fenced code ignored), carrying the path of headings above it."""
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    start, in_fence, pos = 0, False, 0
    for line in body.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line.rstrip("\r\n"))
        if heading:
            if pos > start:
                blocks.append(Block(start, pos, tuple(t for _, t in stack)))
            depth = len(heading.group(1))
            stack = [(d, t) for d, t in stack if d < depth] + [(depth, heading.group(2))]
            start = pos
        pos += len(line)
    if pos > start:
        blocks.append(Block(start, pos, tuple(t for _, t in stack)))
    return blocks


def load_markdown(path: Path, max_bytes: int) -> LoadedDocument:
    data = _read_bytes(path, max_bytes)
    text = _decode(path, data)
    front, body_start, first_line = _split_front_matter(path, text)
    meta_data, node = parse_yaml(front, path, first_line)
    meta, warnings = validate_meta(meta_data, path, node, first_line)
    body = text[body_start:]
    if not body.strip():
        raise DocumentError(path, "the document has metadata but no text after it",
                            hint="add the guidance itself below the closing '---'")
    return LoadedDocument(path, meta, body, markdown_blocks(body),
                          hashlib.sha256(data).hexdigest(), warnings)


# ----------------------------------------------------------------------------- PDF

_PDF_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?[A-Z][^.!?;:,]{1,70}$")


def _is_pdf_heading(line: str) -> bool:
    line = line.strip()
    return bool(_PDF_HEADING.match(line)) and len(line.split()) <= 8


def pdf_blocks(pages: list[str]) -> tuple[str, list[Block]]:
    """Join page texts and cut blocks at page breaks and at heading-like lines."""
    text, blocks, heading = "", [], ""
    for number, page_text in enumerate(pages, start=1):
        if text:
            text += "\n\n"
        start = pos = len(text)
        for line in page_text.splitlines(keepends=True):
            if _is_pdf_heading(line) and pos > start:
                blocks.append(Block(start, pos, (heading,) if heading else (), number))
                start = pos
            if _is_pdf_heading(line):
                heading = line.strip()
            pos += len(line)
        text += page_text
        if pos > start:
            blocks.append(Block(start, pos, (heading,) if heading else (), number))
    return text, blocks


def _pdf_reader(path: Path, data: bytes) -> PdfReader:
    if not data.lstrip().startswith(b"%PDF"):
        raise DocumentError(path, "not a PDF file (it does not start with %PDF)",
                            hint="export the document to PDF again, or rename it")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "PDF is encrypted with a password",
                                hint="save an unprotected copy and ingest that")
        _ = len(reader.pages)
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentError(path, f"PDF is corrupt or unreadable ({type(exc).__name__}: {exc})",
                            hint="export the document to PDF again") from None
    return reader


def load_pdf(path: Path, max_bytes: int) -> LoadedDocument:
    data = _read_bytes(path, max_bytes)
    meta, warnings = _read_sidecar(path, max_bytes)
    reader = _pdf_reader(path, data)
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentError(path, f"PDF text cannot be extracted ({type(exc).__name__}: {exc})",
                            hint="export the document to PDF again") from None
    blank = [n for n, page in enumerate(pages, start=1) if not page.strip()]
    if len(blank) == len(pages):
        raise DocumentError(
            path, f"PDF has no text layer on any of its {len(pages)} page(s) "
            "(is it a scanned image?)", hint="run it through OCR, or export it from the original",
        )
    if blank:
        warnings.append(f"{path}: pages {', '.join(map(str, blank))} have no text layer "
                        "(scanned images?) and cannot be searched or cited")
    text, blocks = pdf_blocks(pages)
    return LoadedDocument(path, meta, text, blocks, hashlib.sha256(data).hexdigest(),
                          warnings, pages=len(pages))


# ----------------------------------------------------------------------------- HTML

_BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "tr", "table", "section", "article", "br",
               "blockquote", "dd", "dt", "pre", "header", "footer", "main", "aside"}
_SKIP_TAGS = {"script", "style", "template", "noscript", "head"}
_CELL_TAGS = {"td", "th"}  # a table row reads as one line, its cells joined by " · "
_CELL_JOIN = " \u00b7 "
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class _HtmlText(HTMLParser):
    """Visible text with line breaks at block elements and a block at every heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.blocks: list[Block] = []
        self._skip = 0
        self._stack: list[tuple[int, str]] = []
        self._start = 0
        self._heading: tuple[int, int] | None = None  # (depth, text start)

    def _newline(self) -> None:
        if self.text and not self.text.endswith("\n"):
            self.text += "\n"

    def _close_block(self) -> None:
        if self.text[self._start:].strip():
            self.blocks.append(Block(self._start, len(self.text), tuple(t for _, t in self._stack)))
        self._start = len(self.text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _HEADINGS:
            self._newline()
            self._close_block()
            self._heading = (_HEADINGS[tag], len(self.text))
        elif tag in _BLOCK_TAGS:
            self._newline()
        elif tag in _CELL_TAGS and self.text and not self.text.endswith("\n"):
            self.text = self.text.rstrip(" ") + _CELL_JOIN

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _HEADINGS and self._heading:
            depth, start = self._heading
            title = " ".join(self.text[start:].split())
            self._stack = [(d, t) for d, t in self._stack if d < depth] + [(depth, title)]
            self._heading = None
            self._newline()
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        words = " ".join(data.split())
        if words:
            if self.text and not self.text[-1].isspace() and data[:1].isspace():
                self.text += " "
            self.text += words
            if data[-1:].isspace():
                self.text += " "

    def close(self) -> None:
        super().close()
        self._close_block()


def load_html(path: Path, max_bytes: int) -> LoadedDocument:
    data = _read_bytes(path, max_bytes)
    text = _decode(path, data)
    meta, warnings = _read_sidecar(path, max_bytes)
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    if not parser.text.strip():
        raise DocumentError(path, "the HTML page has no visible text")
    return LoadedDocument(path, meta, parser.text, parser.blocks,
                          hashlib.sha256(data).hexdigest(), warnings)


# ----------------------------------------------------------------------------- plain text


def load_text(path: Path, max_bytes: int) -> LoadedDocument:
    data = _read_bytes(path, max_bytes)
    text = _decode(path, data)
    meta, warnings = _read_sidecar(path, max_bytes)
    return LoadedDocument(path, meta, text, [Block(0, len(text))],
                          hashlib.sha256(data).hexdigest(), warnings)


LOADERS: dict[str, Callable[[Path, int], LoadedDocument]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".txt": load_text,
}


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    """Load any supported document; raises DocumentError with file, line, field and remedy."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(
            path, f"unsupported file type '{path.suffix or '(none)'}'",
            hint=f"Waymark reads {', '.join(LOADERS)}; save it as PDF with a sidecar",
        )
    try:
        return loader(path, max_bytes)
    except OSError as exc:
        raise DocumentError(path, f"cannot be read ({exc.strerror or exc})") from None
