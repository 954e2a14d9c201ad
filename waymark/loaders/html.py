"""HTML as it is saved from a council's website: only the main content is read (trafilatura
drops navigation, breadcrumbs, cookie banners, related links and footers), with line breaks at
block elements, a block at every heading and a table row as one line."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from waymark.errors import DocumentError
from waymark.loaders.base import Block, Extracted

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


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# the page's own heading: the boilerplate remover may leave it behind in a banner above the text
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
# What a saved page has around its content: site navigation, banners, footers.
_CLUTTER = re.compile(r"<(?:nav|header|footer|aside)\b|\b(?:class|id|role)\s*=\s*[\"'][^\"']*"
                      r"(?:cookie|consent|breadcrumb|banner|navigation|navbar|menu|footer|"
                      r"sidebar)", re.IGNORECASE)


# a description list of a page's details ("<dt>Version</dt><dd>1.0</dd>"): the boilerplate
# remover drops description lists, so each term and its description become a table row
_DEFINITION = re.compile(r"<dt\b[^>]*>(.*?)</dt>\s*<dd\b[^>]*>(.*?)</dd>",
                         re.IGNORECASE | re.DOTALL)
_LIST_TAG = re.compile(r"<(/?)dl\b[^>]*>", re.IGNORECASE)


def _definitions_as_rows(page: str) -> str:
    rows = _DEFINITION.sub(r"<tr><td>\1</td><td>\2</td></tr>", page)
    return _LIST_TAG.sub(lambda m: "</table>" if m.group(1) else "<table>", rows)


def main_content(page: str) -> str | None:
    """The page's main content as HTML; None when the page is only content (nothing around it
    to remove) or no main content is found."""
    if not _CLUTTER.search(page):
        return None
    import trafilatura  # slow to import: only when a page needs it

    return trafilatura.extract(page, output_format="html", include_tables=True,
                               include_links=False, include_images=False,
                               include_comments=False, favor_recall=True, fast=True)


def _visible(page: str) -> _HtmlText:
    parser = _HtmlText()
    parser.feed(page)
    parser.close()
    return parser


def load_html(path: Path, page: str) -> Extracted:
    page = _definitions_as_rows(page)
    whole = _visible(page)
    if not whole.text.strip():
        raise DocumentError(path, "the HTML page has no visible text")
    main = main_content(page)
    warnings = []
    parser = _visible(main) if main else whole
    if not parser.text.strip():
        parser = whole
    if parser is whole and _CLUTTER.search(page):
        warnings.append(f"{path}: no main content found; the whole page is read, navigation "
                        "and footer included")
    title = _TITLE.search(page)
    heading = _H1.search(page)
    shown = " ".join(_visible(heading.group(1)).text.split()) if heading else ""
    return Extracted(parser.text, parser.blocks, warnings,
                     title=" ".join(title.group(1).split()) if title else None,
                     shown_title=shown or None)
