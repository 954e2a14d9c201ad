"""Word documents (.docx, read with python-docx): headings become section paths as in Markdown,
bulleted and numbered paragraphs list items, and each table row one readable line ("Age: 0-5 ·
Area: NB1-NB4"), so a citation quotes what the owner wrote and says where."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

from waymark.errors import DocumentError
from waymark.loaders.base import Block, Extracted

_HEADING_STYLE = re.compile(r"^(?:Heading\s*(\d)|Title)$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^Title$", re.IGNORECASE)
_CELL_JOIN = " \u00b7 "
TITLE_SEARCH_PARAGRAPHS = 6  # a title stands among the first few paragraphs
BODY_POINTS = 11.0  # Word's usual body size, for runs that do not set one
TITLE_POINTS_ABOVE_BODY = 3.0


def _heading_depth(paragraph: Paragraph) -> int | None:
    name = paragraph.style.name if paragraph.style is not None else ""
    match = _HEADING_STYLE.match(name or "")
    if not match:
        return None
    return int(match.group(1)) if match.group(1) else 1


def _is_list_item(paragraph: Paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    return numbered or name.lower().startswith("list")


def _cells(row: object) -> list[str]:
    """A row's cell texts, a merged cell once."""
    seen, texts = set(), []
    for cell in row.cells:  # type: ignore[attr-defined]
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        texts.append(" ".join(cell.text.split()))
    return texts


def table_lines(table: Table) -> list[str]:
    """Each row as a line: a two-column table reads "key: value"; a wider one with a header
    row reads "header: cell · header: cell"."""
    rows = [_cells(row) for row in table.rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    if all(len(r) == 2 for r in rows):
        return [f"{key}: {value}" if key and value else key or value for key, value in rows]
    header, body = rows[0], rows[1:]
    if not body:
        return [_CELL_JOIN.join(c for c in header if c)]
    return [_CELL_JOIN.join(f"{h}: {c}" if h and c else c for h, c in zip(header, row,
                                                                          strict=False) if c)
            for row in body]


def load_docx(path: Path, data: bytes) -> Extracted:
    import docx  # slow to import: only when a Word file comes
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(path, f"not a readable Word document ({type(exc).__name__}: {exc})",
                            hint="open it in Word and save it again as .docx") from None
    text, start = "", 0
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    previous_item = False
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            lines = table_lines(part)
            if lines:
                text += ("\n" if text else "") + "\n".join(lines) + "\n"
            previous_item = False
            continue
        words = " ".join(part.text.split())
        if not words:
            continue
        depth = _heading_depth(part)
        if depth is not None:
            if text[start:].strip():
                blocks.append(Block(start, len(text), tuple(t for _, t in stack)))
            stack = [(d, t) for d, t in stack if d < depth] + [(depth, words)]
            start = len(text)
            text += ("\n" if text else "") + words + "\n"
            previous_item = False
            continue
        item = _is_list_item(part)
        gap = "" if not text or (item and previous_item) else "\n"
        text += gap + ("- " if item else "") + words + "\n"
        previous_item = item
    if text[start:].strip():
        blocks.append(Block(start, len(text), tuple(t for _, t in stack)))
    if not text.strip():
        raise DocumentError(path, "the Word document has no text",
                            hint="check it is the right file; text in images is not read")
    title = document.core_properties.title or None
    return Extracted(text, blocks, title=title, shown_title=_shown_title(document),
                     margins=_margins(document))


def _shown_title(document: Any) -> str | None:
    """A title set in large type on an ordinary paragraph before the first heading (Word
    files often have one instead of a Title style)."""
    opening: list[tuple[float, str]] = []
    for paragraph in document.paragraphs[:TITLE_SEARCH_PARAGRAPHS]:
        if _heading_depth(paragraph) is not None:
            # a paragraph styled Title is the title the owner chose, over an organisation's
            # name set large above it
            return None if _TITLE_STYLE.match(paragraph.style.name or "") else _largest(opening)
        if paragraph.text.strip():
            sizes = [r.font.size.pt for r in paragraph.runs if r.font.size is not None]
            opening.append((max(sizes, default=BODY_POINTS), " ".join(paragraph.text.split())))
    return _largest(opening)


def _largest(opening: list[tuple[float, str]]) -> str | None:
    if not opening:
        return None
    largest, text = max(opening, key=lambda item: item[0])
    return text if largest >= BODY_POINTS + TITLE_POINTS_ABOVE_BODY else None


def _margins(document: Any) -> list[str]:
    """The text of page headers and footers, where owners put versions and dates."""
    lines = []
    for section in document.sections:
        for part in (section.header, section.footer):
            if part is not None and not part.is_linked_to_previous:
                lines += [" ".join(p.text.split()) for p in part.paragraphs if p.text.strip()]
    return list(dict.fromkeys(lines))
