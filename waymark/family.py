"""Family facts (DESIGN.md): what eligibility, signposting and thresholds reason over.

A missing fact is unknown, never "no": `None` and an absent list mean "not stated".
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from waymark.models import Taxonomy

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})?$")


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age_years: float | None = None


class Child(Person):
    age_years: Annotated[float | None, Field(ge=0, le=25, description=(
        "Age in years; fractions for babies (18 months = 1.5)."))] = None


class Parent(Person):
    age_years: Annotated[float | None, Field(ge=10, le=100)] = None


class Family(BaseModel):
    model_config = ConfigDict(extra="forbid")

    children: list[Child] | None = None
    parents: list[Parent] | None = None
    pregnant: bool | None = None
    postcode: str | None = None
    needs: list[str] = []
    circumstances: list[str] = []
    level: Annotated[int | None, Field(ge=1, le=9)] = None
    consent: bool | None = None

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        text = " ".join(value.upper().split())
        if not POSTCODE.match(text):
            raise ValueError(f"{value!r} is not a UK postcode or postcode district "
                             "(write it like NB2 4QT or NB2)")
        return text

    @property
    def district(self) -> str | None:
        match = POSTCODE.match(self.postcode or "")
        return match.group(1) if match else None

    @property
    def terms(self) -> set[str]:
        """Every taxonomy id the family is known to have (needs and circumstances)."""
        return set(self.needs) | set(self.circumstances)

    def child_ages(self) -> list[float]:
        return [c.age_years for c in self.children or [] if c.age_years is not None]

    def parent_ages(self) -> list[float]:
        return [p.age_years for p in self.parents or [] if p.age_years is not None]

    def unknown_terms(self, taxonomy: Taxonomy) -> list[str]:
        known = taxonomy.ids()
        return sorted(t for t in self.terms if known and t not in known)

    def echo(self) -> dict[str, Any]:
        """The facts as used, for the worker to check and correct (unknowns left out)."""
        return self.model_dump(exclude_none=True)
