"""What every `waymark` command shares: the consoles, options, and how failures become messages
and exit statuses (0 success, 1 some input failed, 2 usage)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from waymark.config import Settings
from waymark.errors import CaseInputError, UnknownService, WaymarkError

out = Console()
err = Console(stderr=True, soft_wrap=True)  # messages stay whole lines: grep-able, copyable

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or folders (default: WAYMARK_KNOWLEDGE_DIR, i.e. knowledge/).",
                   show_default=False),
]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@contextmanager
def errors() -> Iterator[None]:
    """Turn expected failures into a plain message and the documented exit status."""
    try:
        yield
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except (CaseInputError, UnknownService) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except WaymarkError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:  # disk full, permissions: nothing half-done is ever visible
        err.print(f"[red]error:[/red] {exc.strerror or exc} ({exc.filename or 'data directory'}"
                  "); the knowledge base was left as it was")
        raise typer.Exit(1) from None


def knowledge_paths(paths: list[Path] | None, settings: Settings) -> list[Path]:
    return paths or [settings.knowledge_dir]


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("embedding", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def failures_and_warnings(failed: list[Any], warnings: list[str]) -> None:
    for failure in failed:
        err.print(f"[red]failed[/red] {failure.error}", highlight=False)
    for warning in warnings:
        err.print(f"[yellow]warning[/yellow] {warning}", highlight=False)


