"""The knowledge formats of DESIGN.md as pydantic models.

Fields may be added to these models, never renamed: other areas' knowledge bases depend on them.
Unknown keys are kept (``extra="allow"``) and reported as warnings by the validator, because a
misspelt criterion that silently vanished would make a service look open to everyone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

Kind = Literal["service", "threshold", "evidence", "guidance"]
KINDS: tuple[str, ...] = ("service", "threshold", "evidence", "guidance")

DocId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)]
TermId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)]
Level = Annotated[int, Field(ge=1, le=9)]
Years = Annotated[float, Field(ge=0, le=120)]

POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
DISTRICT_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9]{1,2}[A-Z]?)\b")  # "NB3" in a sentence


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class AgeRange(_Open):
    min_years: Years | None = None
    max_years: Years | None = None

    @field_validator("max_years")
    @classmethod
    def _ordered(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("min_years")
        if value is not None and low is not None and low > value:
            raise ValueError(f"max_years ({value:g}) is below min_years ({low:g})")
        return value


class Eligibility(_Open):
    child_age: AgeRange | None = None
    parent_age: AgeRange | None = None
    pregnancy: Literal["required", "allowed", "excluded"] | None = None
    areas: list[str] = []
    levels: list[Level] = []
    needs_any: list[TermId] = []
    needs_all: list[TermId] = []
    excludes: list[TermId] = []
    consent_required: bool | None = None

    @field_validator("areas")
    @classmethod
    def _districts(cls, areas: list[str]) -> list[str]:
        out = []
        for area in areas:
            district = str(area).strip().upper()
            if not POSTCODE_DISTRICT.match(district):
                raise ValueError(
                    f"{area!r} is not a postcode district (write it like NB1 or NB12)"
                )
            out.append(district)
        return out


class Referral(_Open):
    route: str | None = None
    contact: str | None = None
    self_referral: bool | None = None


class ThresholdLevel(_Open):
    level: Level
    name: str


class Indicator(_Open):
    need: TermId
    level: Level
    immediate_risk: bool = False
    section: str | None = None


class DocumentMeta(_Open):
    """Fields every document carries (front matter or sidecar)."""

    id: DocId
    kind: Kind
    title: str = Field(min_length=1)
    owner: str | None = None
    version: str | None = None
    effective: dt.date | None = None
    review_by: dt.date | None = None
    source_url: str | None = None
    # A file that came without metadata is a draft: Waymark proposed these fields, each from
    # the sentence in `proposed_from`, and the owner has not confirmed them yet.
    metadata: Literal["confirmed", "draft"] = "confirmed"
    proposed_from: dict[str, str] = {}

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # `version: 3.0` arrives from YAML as a float; keep what the author meant.
        return str(value) if isinstance(value, int | float) else value

    @field_validator("review_by")
    @classmethod
    def _review_after_effective(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        effective = info.data.get("effective")
        if value and effective and value < effective:
            raise ValueError(
                f"review_by {value} is before effective {effective}; "
                "a document must be reviewed after it takes effect"
            )
        return value

    @property
    def is_draft(self) -> bool:
        return self.metadata == "draft"

    def is_stale(self, today: dt.date | None = None) -> bool:
        return self.review_by is not None and self.review_by < (today or dt.date.today())


class ServiceMeta(DocumentMeta):
    kind: Literal["service"]
    eligibility: Eligibility = Eligibility()
    referral: Referral = Referral()


class ThresholdMeta(DocumentMeta):
    kind: Literal["threshold"]
    levels: list[ThresholdLevel] = []
    indicators: list[Indicator] = []

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, levels: list[ThresholdLevel]) -> list[ThresholdLevel]:
        numbers = [lvl.level for lvl in levels]
        if len(numbers) != len(set(numbers)):
            raise ValueError("each level number may appear only once")
        return levels

    @field_validator("indicators")
    @classmethod
    def _known_levels(cls, indicators: list[Indicator], info: ValidationInfo) -> list[Indicator]:
        known = sorted(lvl.level for lvl in info.data.get("levels") or [])
        for i, ind in enumerate(indicators):
            if known and ind.level not in known:
                raise ValueError(
                    f"item {i} ({ind.need}) has level {ind.level}, "
                    f"which is not one of the levels defined: {known}"
                )
        return indicators


class EvidenceMeta(DocumentMeta):
    kind: Literal["evidence"]
    programme: str | None = None
    population: str | None = None
    outcomes: str | list[str] | None = None
    evidence_rating: str | None = None
    reference: str | None = None


class GuidanceMeta(DocumentMeta):
    kind: Literal["guidance"]


META_BY_KIND: dict[str, type[DocumentMeta]] = {
    "service": ServiceMeta,
    "threshold": ThresholdMeta,
    "evidence": EvidenceMeta,
    "guidance": GuidanceMeta,
}

RECOMMENDED_FIELDS: dict[str, tuple[str, ...]] = {
    "service": ("owner", "version", "effective", "review_by", "referral"),
    "threshold": ("owner", "version", "effective", "review_by", "levels"),
    "evidence": ("owner", "version", "effective", "review_by", "reference"),
    "guidance": ("owner", "version", "effective", "review_by"),
}


class TaxonomyTerm(_Open):
    id: TermId
    label: str = Field(min_length=1)
    phrases: list[str] = []


class Taxonomy(_Open):
    terms: list[TaxonomyTerm] = []

    @field_validator("terms")
    @classmethod
    def _unique_ids(cls, terms: list[TaxonomyTerm]) -> list[TaxonomyTerm]:
        seen: set[str] = set()
        for i, term in enumerate(terms):
            if term.id in seen:
                raise ValueError(f"item {i}: id {term.id!r} is already used by an earlier term")
            seen.add(term.id)
        return terms

    def ids(self) -> set[str]:
        return {term.id for term in self.terms}
