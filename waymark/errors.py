"""Errors that tell a content owner which file, where, what is wrong and what to do."""

from __future__ import annotations

from pathlib import Path


class WaymarkError(Exception):
    """Base class for errors Waymark reports to its users in plain words."""


class DocumentError(WaymarkError):
    """A document (or its sidecar, or the taxonomy) cannot be used as it stands."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.field = field
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = f"field '{self.field}': {self.problem}" if self.field else self.problem
        return f"{where}: {what}" + (f". {self.hint}" if self.hint else "")


class CaseInputError(WaymarkError):
    """The family facts or text cannot be used; the message says what to fix."""


class UnknownService(WaymarkError):
    """No service with that id in the knowledge base."""


class UnknownDocument(WaymarkError):
    """No document with that id in the knowledge base."""


class StoreError(WaymarkError):
    """The knowledge base cannot be read or written."""
