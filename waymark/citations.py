"""Citations: a verbatim quote of the cited document with where it stands (DESIGN.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from waymark.sentences import normalise_quote, split_sentences
from waymark.store import Store, StoredDocument

MIN_QUOTE_CHARS = 20  # shorter quotes cannot be checked against the source reliably
MAX_QUOTE_CHARS = 400
_WORD = re.compile(r"[a-z0-9\u00a3%]+")


def checkable(quote: str) -> bool:
    """Whether a quote is long enough to check against its source: MIN_QUOTE_CHARS of its
    lower-cased words, as a checker compares them ("Contacts ........ 5", a contents line, has
    eight)."""
    return len(" ".join(_WORD.findall(quote.lower()))) >= MIN_QUOTE_CHARS


@dataclass(frozen=True)
class Citation:
    doc: StoredDocument
    quote: str  # the document's own words, whitespace normalised
    section: tuple[str, ...] = ()
    page: int | None = None
    start: int = 0  # span of the quote in the document's extracted text
    end: int = 0
    section_text: str = ""

    def to_json(self, n: int) -> dict[str, Any]:
        meta = self.doc.meta
        return {
            "n": n, "doc_id": self.doc.doc_id, "title": meta.title, "kind": meta.kind,
            "version": meta.version,
            "effective": meta.effective.isoformat() if meta.effective else None,
            "section": " > ".join(self.section) or None, "page": self.page,
            "quote": self.quote, "url": meta.source_url, "stale": meta.is_stale(),
            "metadata": meta.metadata,
        }


def quote_from(text: str, offset: int = 0) -> tuple[str, int, int] | None:
    """The first sentences of `text` (not headings) long enough to check: (quote, start, end)."""
    sentences = [s for s in split_sentences(text, offset) if not s.is_heading]
    if not sentences:
        return None
    start = end = sentences[0].start
    for sentence in sentences:
        if len(normalise_quote(text[start - offset:sentence.end - offset])) > MAX_QUOTE_CHARS:
            break
        end = sentence.end
        if len(normalise_quote(text[start - offset:end - offset])) >= MIN_QUOTE_CHARS * 2:
            break
    if end == start:
        end = sentences[0].end
    return normalise_quote(text[start - offset:end - offset]), start, end


def cite_section(store: Store, doc: StoredDocument, section: str | None) -> Citation | None:
    """A citation of the named section of `doc` (any heading level), or of its opening."""
    chunks = store.version_chunks(doc.version_key)
    wanted = (section or "").strip().lower()
    inside = [c for c in chunks if wanted and any(h.strip().lower() == wanted for h in c.section)]
    chosen = inside or chunks[:1]
    if not chosen:
        return None
    start, end = chosen[0].start, max(c.end for c in chosen)
    section_text = store.text_span(doc.version_key, start, end)
    quoted = quote_from(section_text, start)
    if quoted is None:
        return None
    quote, q_start, q_end = quoted
    return Citation(doc, quote, chosen[0].section, chosen[0].page, q_start, q_end, section_text)
