"""What was read, in one line a worker can check at a glance:
"Children: Leah 6, Jayden 3 · Mum Shannon 23 · NB3 · pregnant · concerns: domestic abuse"."""

from __future__ import annotations

from typing import Any

from waymark.family import Family
from waymark.models import Taxonomy
from waymark.reading.ages import format_age
from waymark.reading.person import Person


def person_json(person: Person) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": "child" if person.is_child else "adult"}
    for key in ("name", "role", "age_years", "school_year"):
        if getattr(person, key) is not None:
            row[key] = getattr(person, key)
    row["parent"] = person.is_parent
    row["words"] = person.words
    return row


def _ages(values: list[float | None]) -> str:
    return ", ".join(format_age(a) if a is not None else "age?" for a in values)


def summary_line(family: Family, people: list[Person], taxonomy: Taxonomy | None = None) -> str:
    parts = []
    children = [p for p in people if p.is_child]
    adults = [p for p in people if not p.is_child]
    if children:
        parts.append("Children: " + ", ".join(p.describe() for p in children))
    elif family.children:
        parts.append("Children: " + _ages([c.age_years for c in family.children]))
    if adults:
        parts.append(", ".join(p.describe() for p in adults))
    elif family.parents:
        parts.append("Parents: " + _ages([p.age_years for p in family.parents]))
    if family.postcode:
        parts.append(family.postcode)
    if family.pregnant is not None:
        parts.append("pregnant" if family.pregnant else "not pregnant")
    if family.consent is not None:
        parts.append("consent given" if family.consent else "no consent")
    if family.level is not None:
        parts.append(f"level {family.level} stated")
    labels = {t.id: t.label for t in taxonomy.terms} if taxonomy else {}
    terms = [labels.get(t, t) for t in [*family.needs, *family.circumstances]]
    parts.append("concerns: " + ("; ".join(terms) if terms else "none read"))
    return " · ".join(parts)
