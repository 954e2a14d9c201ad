"""A draft's districts read against the whole knowledge base: a service that lists every
district the area's other services name is for the whole area.

A single document cannot say whether "Marlow Fen (MF1 to MF12)" is the whole of Marlow Fen or
a part of it; the knowledge base can. When the districts a draft proposes take in every district
(of the same postcode area) that at least two other services name, the draft proposes no area
limit ([]) instead, and says why. Only drafts change: an owner's confirmed areas stand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from waymark.models import DocumentMeta, ServiceMeta

MIN_OTHER_SERVICES = 2  # fewer, and the other services' districts say little about the area
_LETTERS = re.compile(r"^[A-Z]+")


def _postcode_area(districts: list[str]) -> str | None:
    """The letters all the districts share ("MF" for MF1 and MF12), or None when they differ."""
    areas = {match.group() for d in districts if (match := _LETTERS.match(d))}
    return areas.pop() if len(areas) == 1 else None


def widen_to_whole_area(metas: Mapping[str, DocumentMeta]) -> dict[str, DocumentMeta]:
    """`metas` with each draft service that lists the whole area widened to no area limit."""
    listed = {doc_id: meta.eligibility.areas for doc_id, meta in metas.items()
              if isinstance(meta, ServiceMeta) and meta.eligibility.areas}
    widened = dict(metas)
    for doc_id, areas in listed.items():
        meta = metas[doc_id]
        letters = _postcode_area(areas)
        if not meta.is_draft or letters is None:
            continue
        others = [set(other) for other_id, other in listed.items()
                  if other_id != doc_id and _postcode_area(other) == letters]
        named = set().union(*others)
        if len(others) >= MIN_OTHER_SERVICES and named <= set(areas):
            assert isinstance(meta, ServiceMeta)
            source = meta.proposed_from.get("eligibility.areas", "")
            why = (f"{source} (these are all the districts the knowledge base's other services "
                   f"name: {', '.join(sorted(named, key=_district_order))}, so the whole area)")
            widened[doc_id] = meta.model_copy(update={
                "eligibility": meta.eligibility.model_copy(update={"areas": []}),
                "proposed_from": {**meta.proposed_from, "eligibility.areas": why.strip()}})
    return widened


def _district_order(district: str) -> tuple[str, int]:
    letters = _LETTERS.match(district)
    prefix = letters.group() if letters else ""
    digits = district[len(prefix):]
    return prefix, int(digits) if digits.isdigit() else 0
