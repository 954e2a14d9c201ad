"""National abbreviations read in the words of the knowledge base at hand.

Practitioners type "camhs", "hv", "front door"; an area's documents may say "Orchard House -
children and young people's mental health service", "health visitor", "advice and response
desk". A question's abbreviation that the knowledge base never uses is read as the first of its
spellings (`waymark/data/glossary.yaml`) that the knowledge base does use, so retrieval and the
refusal signals see words the documents share. An area that writes the abbreviation keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

GLOSSARY_FILE = Path(__file__).parent / "data" / "glossary.yaml"


@cache
def _spellings() -> tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...]:
    """(where the abbreviation stands in a text, the abbreviation, its spellings), longest
    first so that "2 yr check" is read before "yr"."""
    entries = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8")) or {}
    return tuple(
        (re.compile(rf"(?<![\w'-]){re.escape(term)}(?![\w'-])", re.IGNORECASE), term,
         tuple(spellings))
        for term, spellings in sorted(entries.items(), key=lambda item: -len(item[0])))


def spell_out(text: str, used: Callable[[str], int]) -> str:
    """`text` with each abbreviation that the knowledge base never uses (`used(phrase)` counts
    the chunks holding it) replaced by its first spelling that it does use."""
    for where, term, spellings in _spellings():
        if not where.search(text) or used(term):
            continue
        known = next((spelling for spelling in spellings if used(spelling)), None)
        if known:
            text = where.sub(known, text)
    return text
