"""A note cut into the units a reader scores: its sentences and clauses, each with a vector.

The model runs once per window of text (not once per clause); each unit's vector is the mean of
its word pieces' states (with the window's start and end tokens), so a clause is read in context
and a note costs one pass."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from waymark.embeddings import MiniLMEmbeddings

_BREAK = re.compile(r"[.!?;\n]+|\s+(?:but|however|although|whereas)\s+|,\s+(?:and\s+)?(?:but|"
                    r"though|although)\s+", re.I)
WINDOW_CHARS = 900  # stays under the model's 256 word pieces for ordinary prose


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    text: str


# A line break inside a sentence (a note pasted from an email or a form, wrapped at its width)
# is a space: the line before it is not a short label line and runs on without closing
# punctuation, and the next line does not start a list item or a "Label:".
WRAPPED_LINE_CHARS = 40
_CLOSED = re.compile(r"[.!?:;]\s*$")
_STARTS_ITEM = re.compile(r"\s*(?:[-*\u2022]|\d+[.)]|[A-Za-z ]{1,20}:)\s")


def _unwrapped(text: str) -> str:
    """`text` with its wrapped lines joined, the same length (units keep their places)."""
    lines = text.split("\n")
    joined = [line + (" " if len(line) >= WRAPPED_LINE_CHARS and not _CLOSED.search(line)
                      and following.strip() and not _STARTS_ITEM.match(following) else "\n")
              for line, following in zip(lines, lines[1:], strict=False)]
    return "".join(joined) + lines[-1]


def split_units(text: str) -> list[Unit]:
    units: list[Unit] = []
    position = 0
    text = _unwrapped(text)
    for match in [*_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[position:end]
        if re.search(r"[A-Za-z]{2}", piece):
            lead = len(piece) - len(piece.lstrip())
            units.append(Unit(position + lead, end, piece.strip()))
        position = match.end() if match else len(text)
    return units


def _normalised(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


class UnitEncoder:
    """Vectors for a whole text and for each of its units, from the local MiniLM model."""

    def __init__(self, model: MiniLMEmbeddings) -> None:
        self.model = model

    def whole(self, text: str) -> np.ndarray:
        _, states = self.model.token_states(text)
        return _normalised(states.mean(axis=0))

    def units(self, text: str) -> tuple[list[Unit], np.ndarray, list[Unit], np.ndarray]:
        """The units of `text` with one vector each, and the windows the model read (a short
        note is one window) with one vector each."""
        units = split_units(text)
        if not units:
            empty = np.zeros((0, 384), dtype=np.float32)
            return [], empty, [], empty
        vectors: list[np.ndarray] = []
        windows: list[Unit] = []
        window_vectors: list[np.ndarray] = []
        parts = _windows(units)
        for window in parts:
            # a short text is read whole, exactly as retrieval embeds it (one pass serves both)
            offset = 0 if len(parts) == 1 else window[0].start
            body = text if len(parts) == 1 else text[offset:window[-1].end]
            spans, states = self.model.token_states(body)
            windows.append(Unit(offset, offset + len(body), body))
            window_vectors.append(states.mean(axis=0))
            ends = states[[0, -1]]
            for unit in window:
                inside = (spans[:, 0] >= unit.start - offset) & (spans[:, 1] <= unit.end - offset) \
                    & (spans[:, 1] > spans[:, 0])
                rows = np.vstack([states[inside], ends]) if inside.any() else states
                vectors.append(rows.mean(axis=0))
        return (units, _normalised(np.vstack(vectors)), windows,
                _normalised(np.vstack(window_vectors)))


def _windows(units: list[Unit]) -> list[list[Unit]]:
    windows: list[list[Unit]] = [[]]
    for unit in units:
        if windows[-1] and unit.end - windows[-1][0].start > WINDOW_CHARS:
            windows.append([])
        windows[-1].append(unit)
    return windows
