"""Request bodies of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from waymark.family import Family
from waymark.models import Kind
from waymark.retrieval import Filters


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000,
                          description="The practitioner's question, in their own words.")
    kinds: list[Kind] | None = Field(None, description="Only these kinds of document.")
    doc_ids: list[str] | None = Field(None, description="Only these documents.")
    exclude_stale: bool = Field(False, description="Leave out documents past review_by.")

    def filters(self) -> Filters:
        return Filters(frozenset(self.kinds) if self.kinds else None,
                       frozenset(self.doc_ids) if self.doc_ids else None, self.exclude_stale)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, question: str) -> str:
        if not question.strip():
            raise ValueError("the question is empty: type what you want to know")
        return question


class CaseRequest(BaseModel):
    """A family as structured facts or as a worker's free-text description (one of the two)."""

    model_config = ConfigDict(extra="forbid")

    family: Family | None = Field(None, description="Structured facts (DESIGN.md).")
    text: str | None = Field(None, max_length=5000, description="The family, in your words.")


class EligibilityRequest(CaseRequest):
    service_id: str = Field(min_length=1, max_length=120)


class SignpostRequest(CaseRequest):
    limit: int = Field(10, ge=1, le=50)


class AuditCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ref: str = Field(min_length=1, max_length=120)
    applied_level: int = Field(ge=1, le=9)
    family: Family | None = None
    text: str | None = Field(None, max_length=5000)


class AuditRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[AuditCaseIn] = Field(min_length=1, max_length=2000)


class ConfirmRequest(BaseModel):
    """The owner's review of a draft: each field as the form shows it ("eligibility.areas":
    "BV1, BV2"); fields left out keep what Waymark proposed."""

    fields: dict[str, str] = Field(default_factory=dict, max_length=100)
