"""`waymark token`: API tokens and their roles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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

token_app = typer.Typer(help="Create, list and revoke API tokens (roles: practitioner, lead, "
                             "owner).", no_args_is_help=True)


def _tokens_file() -> Path:
    path = get_settings().api_tokens_file
    if path is None:
        err.print("[red]error:[/red] set WAYMARK_API_TOKENS_FILE to the tokens file first")
        raise typer.Exit(2)
    return path


@token_app.command("create")
def token_create(name: Annotated[str, typer.Option(help="Who or what uses the token.")],
                 role: Annotated[str, typer.Option(help="practitioner, lead or owner.")]) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from waymark.auth import create_token

    with errors():
        token = create_token(_tokens_file(), name, role)
    err.print(f"token for {name} ({role}); store it now, it will not be shown again:")
    sys.stdout.write(token + "\n")


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke the token called NAME (takes effect at once, no restart)."""
    from waymark.auth import revoke_token

    with errors():
        revoke_token(_tokens_file(), name)
    err.print(f"revoked {name}")


@token_app.command("list")
def token_list(as_json: JsonOption = False) -> None:
    """The tokens' names and roles (never the tokens)."""
    from waymark.auth import list_tokens

    with errors():
        rows = list_tokens(_tokens_file())
    if as_json:
        print_json(rows)
        return
    table = Table("name", "role", "created")
    for row in rows:
        table.add_row(row["name"], row["role"], row["created_at"])
    out.print(table)
