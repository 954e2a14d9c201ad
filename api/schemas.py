"""Request bodies of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
