"""Plain text: one block."""

from __future__ import annotations

from waymark.loaders.base import Block, Extracted


def load_text(text: str) -> Extracted:
    return Extracted(text, [Block(0, len(text))])
