"""PDF: page-aware text (pypdf), blocks cut at page breaks and heading-like lines. A page with
no text layer is read by OCR (Tesseract) when it is installed, and reported when it is not."""

from __future__ import annotations

import io
import re
import shutil
import statistics
from collections import Counter
from pathlib import Path

from pypdf import PageObject, PdfReader
from pypdf.errors import PyPdfError

from waymark.errors import DocumentError
from waymark.loaders.base import Block, Extracted

_PDF_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?[A-Z][^.!?;:,]{1,70}$")
OCR_DPI = 300  # Tesseract reads print best at about 300 dots per inch
_READ_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, AttributeError)
EDGE_LINES = 2  # a header or footer stands in the first or last two lines of a page
RUNNING_SHARE = 0.6  # ... of at least this share of the pages
TITLE_SEARCH_RUNS = 12  # the title is among the first pieces of text on the first page
MAX_TITLE_WORDS = 20


def _is_pdf_heading(line: str) -> bool:
    line = line.strip()
    return bool(_PDF_HEADING.match(line)) and len(line.split()) <= 8


def running_lines(pages: list[str]) -> set[str]:
    """Page headers and footers: lines at the top or bottom of most pages ("Page 2 of 4",
    "OFFICIAL", the document's name), compared with their numbers left out."""
    if len(pages) < 2:
        return set()
    edges: Counter[str] = Counter()
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        edges.update({_furniture_key(line)
                      for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]})
    return {key for key, count in edges.items()
            if count >= max(2, RUNNING_SHARE * len(pages)) and key.strip("# ")}


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def _without(page: str, running: set[str]) -> str:
    return "".join(line for line in page.splitlines(keepends=True)
                   if _furniture_key(line) not in running or not line.strip())


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
    except _READ_ERRORS as exc:
        raise DocumentError(path, f"PDF is corrupt or unreadable ({type(exc).__name__}: {exc})",
                            hint="export the document to PDF again") from None
    return reader


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_pages(data: bytes, numbers: list[int]) -> dict[int, str]:
    """The text Tesseract reads on the given pages (1-based), rendered at OCR_DPI."""
    import pypdfium2
    import pytesseract

    found = {}
    document = pypdfium2.PdfDocument(data)
    try:
        for number in numbers:
            image = document[number - 1].render(scale=OCR_DPI / 72).to_pil()
            found[number] = pytesseract.image_to_string(image)
    finally:
        document.close()
    return found


def _first_page(page: PageObject) -> tuple[str, str | None]:
    """The first page's text, and the title it shows: the opening lines in its largest type
    (a title wrapped over two or three lines stays whole), when that type is larger than the
    body's."""
    runs: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            runs.append((round(size * abs(tm[3] or tm[0]) * abs(cm[3] or cm[0]), 1),
                         " ".join(text.split())))

    text = page.extract_text(visitor_text=visit) or ""
    opening = runs[:TITLE_SEARCH_RUNS]
    if not opening:
        return text, None
    largest = max(size for size, _ in opening)
    if largest <= statistics.median(size for size, _ in runs):
        return text, None
    start = next(i for i, (size, _) in enumerate(opening) if size == largest)
    words: list[str] = []
    for size, run in runs[start:]:
        if size != largest or len(words) + len(run.split()) > MAX_TITLE_WORDS:
            break
        words += run.split()
    return text, " ".join(words) or None


def load_pdf(path: Path, data: bytes) -> Extracted:
    reader = _pdf_reader(path, data)
    try:
        first, shown_title = _first_page(reader.pages[0])
        pages = [first] + [page.extract_text() or "" for page in reader.pages[1:]]
    except _READ_ERRORS as exc:
        raise DocumentError(path, f"PDF text cannot be extracted ({type(exc).__name__}: {exc})",
                            hint="export the document to PDF again") from None
    blank = [n for n, page in enumerate(pages, start=1) if not page.strip()]
    warnings = []
    if blank and ocr_available():
        for number, text in ocr_pages(data, blank).items():
            pages[number - 1] = text
        warnings.append(f"{path}: pages {', '.join(map(str, blank))} have no text layer and "
                        "were read by OCR (check quotes from them against the page)")
        blank = [n for n, page in enumerate(pages, start=1) if not page.strip()]
    if len(blank) == len(pages):
        raise DocumentError(
            path, f"PDF has no text layer on any of its {len(pages)} page(s) "
            "(is it a scanned image?)",
            hint="install Tesseract (apt-get install tesseract-ocr) so Waymark can read it by "
                 "OCR, or export it from the original" if not ocr_available()
                 else "OCR found no text either: export it from the original",
        )
    if blank:
        warnings.append(f"{path}: pages {', '.join(map(str, blank))} have no text layer "
                        "(scanned images?) and cannot be searched or cited")
    # headers and footers are not content: no answer should quote "Page 1 of 4 OFFICIAL"; a
    # draft still reads its version and dates from them
    running = running_lines(pages)
    margins = list(dict.fromkeys(" ".join(line.split()) for page in pages
                                 for line in page.splitlines()
                                 if line.strip() and _furniture_key(line) in running))
    text, blocks = pdf_blocks([_without(page, running) for page in pages])
    title = reader.metadata.title if reader.metadata and reader.metadata.title else None
    return Extracted(text, blocks, warnings, pages=len(pages), title=title,
                     shown_title=shown_title, margins=margins)
