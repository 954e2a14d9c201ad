"""`waymark metadata`: review and confirm the metadata Waymark proposed for drafts."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from waymark.cli_support import (
    JsonOption,
    err,
    errors,
    out,
    print_json,
)
from waymark.config import get_settings

metadata_app = typer.Typer(help="Review and confirm the metadata Waymark proposed for drafts "
                                "(files that came without front matter or a sidecar).",
                           no_args_is_help=True)


@metadata_app.command("show")
def metadata_show(doc_id: str, as_json: JsonOption = False) -> None:
    """A document's metadata, each proposed field beside the sentence it came from."""
    from waymark.ingest.manage import draft_metadata

    with errors():
        review = draft_metadata(get_settings(), doc_id)
    if as_json:
        print_json(review)
        return
    table = Table("field", "value", "proposed from", title=f"{doc_id} ({review['metadata']})")
    sources = review["proposed_from"]
    for name, value in review["fields"].items():
        nested = value.items() if isinstance(value, dict) else [("", value)]
        for key, item in nested:
            field = f"{name}.{key}" if key else name
            table.add_row(field, str(item), sources.get(field, ""))
    for name in ("owner", "review_by"):
        if name not in review["fields"]:
            table.add_row(name, "[yellow](empty: only the owner knows it)[/yellow]", "")
    out.print(table)


@metadata_app.command("confirm")
def metadata_confirm(
    doc_id: str,
    owner: Annotated[str | None, typer.Option(help="Who maintains the document.")] = None,
    review_by: Annotated[str | None, typer.Option(help="Review date, YYYY-MM-DD.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="FIELD=VALUE to correct a "
                                                                 "proposed field (YAML value).")]
    = None,
    as_json: JsonOption = False,
) -> None:
    """Confirm a draft's metadata (with corrections): writes its sidecar or front matter,
    records it in the audit trail and re-indexes that document."""
    import yaml

    from waymark.ingest.manage import confirm_metadata

    changes: dict[str, Any] = {}
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            err.print(f"[red]error:[/red] --set {item!r}: write FIELD=VALUE, e.g. version=2.1")
            raise typer.Exit(2)
        changes[name.strip()] = yaml.safe_load(value)
    if owner:
        changes["owner"] = owner
    if review_by:
        changes["review_by"] = review_by
    with errors():
        report = confirm_metadata(get_settings(), doc_id, changes,
                                  actor=f"cli:{getpass.getuser()}")
    _confirmed(report, as_json)


@metadata_app.command("export")
def metadata_export() -> None:
    """Every draft's proposed metadata as CSV (stdout), for the owner to complete in a
    spreadsheet and confirm with `waymark metadata confirm-all FILE`."""
    from waymark.ingest.manage import drafts_csv

    with errors():
        sys.stdout.write(drafts_csv(get_settings()))


@metadata_app.command("confirm-all")
def metadata_confirm_all(csv_file: Path, as_json: JsonOption = False) -> None:
    """Confirm every draft in an edited metadata CSV (empty cells keep the proposal); every
    row is checked before anything is written, then the knowledge base is ingested once."""
    from waymark.ingest.manage import confirm_from_csv

    with errors():
        report = confirm_from_csv(get_settings(), csv_file.read_text(encoding="utf-8-sig"),
                                  actor=f"cli:{getpass.getuser()}")
    _confirmed(report, as_json)


def _confirmed(report: Any, as_json: bool) -> None:
    """The ingest that followed a confirmation: the documents re-indexed, and its exit code."""
    if as_json:
        print_json(report.to_json())
    else:
        err.print(f"confirmed; re-indexed: {', '.join(report.changed) or 'nothing'}")
    raise typer.Exit(report.exit_code)
