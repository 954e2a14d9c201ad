"""The answer as the guidance's own words: about ANSWER_WORDS words of the best sentences, each
numbered to a citation cut from the document by its span; or a refusal that names the closest
documents and who to ask."""

from __future__ import annotations

import re

from waymark.citations import Citation, checkable
from waymark.drafting import UNCONFIRMED
from waymark.retrieval import Passage
from waymark.scoring import Candidate
from waymark.sentences import clean, normalise_quote

ANSWER_WORDS = 120
LABEL_WORDS = 4  # "Assertiveness and persistence." labels the sentence after it
MAX_ITEMS = 8  # list items a lead-in ending in ":" brings with it

_ITEM_END = re.compile(r"(?:[;,]?\s+(?:and|or))?[\s;,.]*$")  # "under five; and" -> "under five"


def compose(candidates: list[Candidate]) -> tuple[str, list[Citation]]:
    """About ANSWER_WORDS words of the passages' own sentences, each cited. A sentence that
    leads into a list ("four processes:") brings the list, a list item the lead-in it completes,
    and a short label the sentence it labels."""
    chosen: list[list[Candidate]] = []  # the sentences of each statement
    used: set[int] = set()
    words = 0
    for cand in sorted(candidates, key=lambda c: -c.score):
        if id(cand) in used:
            continue
        first, last = _lead_in(cand, candidates), _completion(cand, candidates)
        span = [c for c in candidates if c.passage is cand.passage
                and first.sentence.start <= c.sentence.start <= last.sentence.start]
        length = sum(len(c.sentence.text.split()) for c in span)
        if any(id(c) in used for c in span) or (chosen and words + length > ANSWER_WORDS):
            continue
        if not checkable(" ".join(c.sentence.text for c in span)):
            continue
        chosen.append(span)
        used.update(id(c) for c in span)
        words += length
    # the best sentence leads (one stating the value asked for before it), the rest follow in
    # the order they stand in the guidance
    lead = chosen[0] if chosen else None
    chosen.sort(key=lambda span: (not span[0].opens_answer, span is not lead, span[0].rank,
                                  span[0].sentence.start))
    citations: list[Citation] = []
    statements: list[str] = []
    for span in chosen:
        passage = span[0].passage
        section, page = passage.locate(span[0].sentence.start)
        start, end = span[0].sentence.start, span[-1].sentence.end
        text = passage.text[start - passage.start:end - passage.start]
        citations.append(Citation(passage.doc, normalise_quote(text), section, page, start, end))
        statements.append(f"{_readable(span)} [{len(citations)}]")
    return " ".join(statements), citations


def _lead_in(cand: Candidate, candidates: list[Candidate]) -> Candidate:
    """The first sentence a statement ending at `cand` needs: for a list item ("are aged 19 or
    under;"), the lead-in it completes ("Young women who:"), on the same page."""
    if not cand.sentence.is_item:
        return cand
    before = sorted((c for c in candidates if c.passage is cand.passage
                     and c.sentence.start < cand.sentence.start),
                    key=lambda c: -c.sentence.start)
    page = cand.passage.locate(cand.sentence.start)[1]
    for c in before[:MAX_ITEMS]:
        if cand.passage.locate(c.sentence.start)[1] != page:
            break
        if not c.sentence.is_item:
            return c if c.sentence.text.rstrip().endswith(":") else cand
    return cand


def _completion(cand: Candidate, candidates: list[Candidate]) -> Candidate:
    """The last sentence a statement starting at `cand` needs: the list its lead-in introduces,
    or the sentence its label names; on the same page, so the quote can be checked there."""
    following = sorted((c for c in candidates if c.passage is cand.passage
                        and c.sentence.start > cand.sentence.start),
                       key=lambda c: c.sentence.start)
    page = cand.passage.locate(cand.sentence.start)[1]
    same_page = [c for c in following if cand.passage.locate(c.sentence.start)[1] == page]
    text = cand.sentence.text.rstrip()
    last = cand
    if text.endswith(":"):
        for item in same_page[:MAX_ITEMS]:
            if not item.sentence.is_item:
                break
            last = item
    elif len(text.split()) <= LABEL_WORDS and same_page:
        last = same_page[0]
    return last


def _readable(span: list[Candidate]) -> str:
    """The statement as the answer shows it: a list's items joined by semicolons."""
    pieces = [clean(c.sentence.text) for c in span]
    if len(pieces) > 1 and pieces[0].endswith(":"):
        return f"{pieces[0]} {'; '.join(_ITEM_END.sub('', p) for p in pieces[1:])}"
    return " ".join(pieces)


def stale_notes(citations: list[Citation]) -> list[str]:
    """What the answer must say about its sources: past their review date, or drafts whose
    metadata the owner has not confirmed."""
    notes = []
    for n, citation in enumerate(citations, start=1):
        meta = citation.doc.meta
        if meta.is_stale():
            notes.append(f"Note: [{n}] comes from {meta.title}, which was due for review on "
                         f"{meta.review_by}; check it is still current before relying on it.")
        if meta.is_draft:
            notes.append(f"Note: [{n}] comes from {meta.title}, whose {UNCONFIRMED} (its "
                         "version, dates and owner were proposed by Waymark).")
    return notes


def distinct_docs(passages: list[Passage]) -> list[Passage]:
    seen: dict[str, Passage] = {}
    for passage in passages:
        seen.setdefault(passage.doc.doc_id, passage)
    return list(seen.values())


def refusal_text(passages: list[Passage], unstated: str = "") -> str:
    closest = distinct_docs(passages)[:3]
    text = "The guidance in Waymark does not cover this, so I cannot answer it."
    if unstated and closest:
        text = (f"The guidance in Waymark does not give {unstated} for this, so I cannot "
                "answer it.")
    if closest:
        names = "; ".join(f"{p.doc.meta.title} ({p.doc.doc_id})" for p in closest)
        text += f" The closest documents are: {names}."
        owner = closest[0].doc.meta.owner
        ask = f"{owner}, who maintain(s) the closest document," if owner else "the document owner"
        text += f" Ask {ask} or your team lead or early help duty line."
    else:
        text += " The knowledge base is empty: ask your team lead or early help duty line."
    return text
