"""Markdown: YAML front matter, then the body; a block per heading."""

from __future__ import annotations

import re
from pathlib import Path

from waymark.errors import DocumentError
from waymark.loaders.base import Block, Extracted
from waymark.metadata import parse_yaml, validate_meta
from waymark.models import DocumentMeta

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _split_front_matter(path: Path, text: str) -> tuple[str, int, int] | None:
    """(yaml text, offset where the body starts, file line where the yaml starts), or None when
    the file has no front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
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


def load_markdown(path: Path, text: str) -> tuple[Extracted, tuple[DocumentMeta, list[str]] | None]:
    """The body and the front matter's metadata (None: no front matter, a draft)."""
    split = _split_front_matter(path, text)
    meta = None
    body = text
    if split is not None:
        front, body_start, first_line = split
        meta_data, node = parse_yaml(front, path, first_line)
        meta = validate_meta(meta_data, path, node, first_line)
        body = text[body_start:]
    if not body.strip():
        raise DocumentError(path, "the document has metadata but no text after it",
                            hint="add the guidance itself below the closing '---'")
    return Extracted(body, markdown_blocks(body)), meta
