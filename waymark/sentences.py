"""Sentences of a passage, each with its exact character span, and light Markdown clean-up for
display. Quotes are always cut from the document's own text by these spans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# A sentence ends at . ! ? (optionally followed by closing quotes, brackets or emphasis markers)
# before whitespace and a capital, digit or opening mark; or at a blank line.
_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]*_]*\s+(?=[\"'\u201c\u2018(\[*_]*[A-Z0-9])"
                  r"|\n\s*\n\s*")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Dr.", "Mr.", "Mrs.", "Ms.", "St.", "no.", "vs.")
_LIST_MARK = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_NUMBERING = re.compile(r"(?:^|\n)\s*\d+(?:\.\d+)*\.$")  # "4." opening a numbered heading
# A line of its own that reads as a title: short, capitalised, no closing punctuation.
_TITLE_LINE = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?[A-Z][^.!?;:,]{1,70}$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _line_breaks(text: str) -> list[int]:
    """Positions of single line breaks that end a unit: before a list item or heading, after a
    title-like line or a line ending in punctuation. Other breaks are wrapping (PDF, hard-wrapped
    Markdown) and do not end a sentence."""
    breaks, pos = [], 0
    lines = text.split("\n")
    for line, following in zip(lines, lines[1:], strict=False):
        pos += len(line) + 1
        if not line.strip() or not following.strip():
            continue
        if (_LIST_MARK.match(following) or _HEADING.match(following) or _HEADING.match(line)
                or line.rstrip().endswith((".", "!", "?", ":", ";"))
                or (_TITLE_LINE.match(line.strip()) and len(line.split()) <= 8
                    and following.lstrip()[:1].isupper())):
            breaks.append(pos - 1)
    return breaks

@dataclass(frozen=True)
class Sentence:
    start: int  # span in the text it was cut from
    end: int
    text: str
    is_heading: bool = False
    is_item: bool = False  # a list item ("- ...", "2) ...")


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Sentences and list items of `text`; spans are shifted by `offset`."""
    return list(_split(text, offset))


@lru_cache(maxsize=8192)  # the same retrieved passages are split for many questions
def _split(text: str, offset: int) -> tuple[Sentence, ...]:
    cuts: list[tuple[int, int]] = []  # (end of a sentence, start of the next)
    for match in _END.finditer(text):
        end = match.start() + _trailing(match)
        if "\n" not in match.group() and (text[:end].rstrip().endswith(_ABBREVIATIONS)
                                          or _NUMBERING.search(text[:end])):
            continue
        cuts.append((end, match.end()))
    cuts += [(pos, pos + 1) for pos in _line_breaks(text)]
    sentences: list[Sentence] = []
    start = 0
    for end, following in sorted(cuts):
        if end >= start:
            _add(sentences, text, start, end, offset)
            start = max(start, following)
    _add(sentences, text, start, len(text), offset)
    return tuple(sentences)


def _trailing(match: re.Match[str]) -> int:
    """Keep closing quotes and emphasis that belong to the sentence before the break."""
    return len(match.group()) - len(match.group().lstrip("\"'\u201d\u2019)]*_"))


def _add(sentences: list[Sentence], text: str, start: int, end: int, offset: int) -> None:
    piece = text[start:end]
    marker = _LIST_MARK.match(piece)
    lead = marker.end() if marker else len(piece) - len(piece.lstrip())
    piece = piece[lead:].rstrip()
    if piece:
        sentences.append(Sentence(offset + start + lead, offset + start + lead + len(piece),
                                  piece, _is_title(piece, text[start:end]), bool(marker)))


def _is_title(piece: str, raw: str) -> bool:
    if _HEADING.match(raw):
        return True
    one_line = "\n" not in piece
    return one_line and bool(_TITLE_LINE.match(piece)) and len(piece.split()) <= 8


def clean(text: str) -> str:
    """Readable text for an answer: no Markdown markers, list bullets or stray whitespace."""
    text = _LINK.sub(r"\1 (\2)", text)
    text = _LIST_MARK.sub("", _HEADING.sub("", text))
    return " ".join(_EMPHASIS.sub("", text).split())


def normalise_quote(text: str) -> str:
    """A quote as stored: the document's own words, whitespace collapsed."""
    return " ".join(text.split())
