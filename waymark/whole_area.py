"""A draft's districts read against the whole knowledge base.

A single document cannot say whether "Marlow Fen (MF1 to MF12)" is the whole of Marlow Fen or a
part of it, nor which districts remain of "anywhere in Tarrowby except the Fellside locality (TY7
and TY8)"; the knowledge base can. The districts the area's other services name (at least two
of them, in the same postcode area) stand for the area's districts:

- a draft whose districts take in all of them is for the whole area: no area limit ([]);
- a draft for the whole area "except" some districts is for the area's other districts.

Each says why in its `proposed_from`. Only drafts change: an owner's confirmed areas stand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from waymark.models import DocumentMeta, ServiceMeta
from waymark.service_criteria import districts_excepted

MIN_OTHER_SERVICES = 2  # fewer, and the other services' districts say little about the area
_LETTERS = re.compile(r"^[A-Z]+")
_AREAS = "eligibility.areas"


def widen_to_whole_area(metas: Mapping[str, DocumentMeta]) -> dict[str, DocumentMeta]:
    """`metas` with each draft service's districts read against the other services'."""
    listed = {doc_id: meta.eligibility.areas for doc_id, meta in metas.items()
              if isinstance(meta, ServiceMeta) and meta.eligibility.areas}
    read = dict(metas)
    for doc_id, meta in metas.items():
        if not isinstance(meta, ServiceMeta) or not meta.is_draft:
            continue
        source = meta.proposed_from.get(_AREAS, "")
        areas = meta.eligibility.areas or districts_excepted(source)
        letters = _postcode_area(areas)
        others = [set(other) for other_id, other in listed.items()
                  if other_id != doc_id and _postcode_area(other) == letters]
        if letters is None or len(others) < MIN_OTHER_SERVICES:
            continue
        named = set().union(*others)
        if meta.eligibility.areas and named <= set(areas):
            read[doc_id] = _with_areas(meta, [], f"{source} (these are all the districts the "
                                                 f"knowledge base's other services name: "
                                                 f"{_listed(named)}, so the whole area)")
        elif not meta.eligibility.areas and named - set(areas):
            remaining = sorted(named - set(areas), key=_district_order)
            read[doc_id] = _with_areas(meta, remaining, f"{source} (the districts the knowledge "
                                                        f"base's other services name, but "
                                                        f"{_listed(set(areas))})")
    return read


def _with_areas(meta: ServiceMeta, areas: list[str], why: str) -> ServiceMeta:
    return meta.model_copy(update={
        "eligibility": meta.eligibility.model_copy(update={"areas": areas}),
        "proposed_from": {**meta.proposed_from, _AREAS: why.strip()}})


def _postcode_area(districts: list[str]) -> str | None:
    """The letters all the districts share ("MF" for MF1 and MF12), or None."""
    areas = {match.group() for d in districts if (match := _LETTERS.match(d))}
    return areas.pop() if len(areas) == 1 else None


def _listed(districts: set[str]) -> str:
    return ", ".join(sorted(districts, key=_district_order))


def _district_order(district: str) -> tuple[str, int]:
    letters = _LETTERS.match(district)
    prefix = letters.group() if letters else ""
    digits = district[len(prefix):]
    return prefix, int(digits) if digits.isdigit() else 0
