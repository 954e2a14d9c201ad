"""`waymark check`, `signpost`, `threshold` and `threshold-audit`: one family, or a file of cases,
against the guidance."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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

cases_app = typer.Typer()


FamilyOption = Annotated[Path | None, typer.Option("--family", help="Family facts as JSON.")]
TextOption = Annotated[str | None, typer.Option("--text", help="The family, in your words.")]


def _case_input(family: Path | None, text: str | None) -> dict[str, Any]:
    if (family is None) == (text is None):
        err.print("[red]error:[/red] give either --family FILE or --text TEXT")
        raise typer.Exit(2)
    if family is None:
        return {"text": text}
    try:
        return {"family": json.loads(family.read_text(encoding="utf-8"))}
    except (OSError, json.JSONDecodeError) as exc:
        err.print(f"[red]error:[/red] {family}: cannot read family facts ({exc})")
        raise typer.Exit(2) from None


@contextmanager
def _cases() -> Iterator[Any]:
    from waymark.cases import Cases
    from waymark.llm import make_llm
    from waymark.store import open_store

    settings = get_settings()
    with errors():
        yield Cases(open_store(settings), make_llm(settings))


def _print_escalation(result: dict[str, Any]) -> None:
    esc = result.get("escalation")
    if esc:
        out.print(f"[bold red]{esc['message']}[/bold red]", highlight=False)
        for action in esc["actions"]:
            out.print(f"  • {action}", highlight=False)
        out.print()


def _print_criteria(criteria: list[dict[str, Any]]) -> None:
    marks = {"met": "[green]met[/green]", "not_met": "[red]not met[/red]",
             "unknown": "[yellow]unknown[/yellow]"}
    table = Table("criterion", "status", "detail", "source")
    for c in criteria:
        cite = c["citation"]
        source = f"“{cite['quote']}” ({cite['section'] or cite['title']})" if cite else ""
        table.add_row(c["criterion"], marks[c["status"]], c["detail"], source)
    out.print(table)


@cases_app.command()
def check(service: Annotated[str, typer.Option("--service", help="Service id.")],
          family: FamilyOption = None, text: TextOption = None,
          as_json: JsonOption = False) -> None:
    """Does this family meet the specification of SERVICE? Every criterion cited."""
    body = _case_input(family, text)
    with _cases() as cases:
        result = cases.eligibility(service, **body)
    if as_json:
        print_json(result)
        return
    _print_escalation(result)
    out.print(f"[bold]{result['title']}[/bold]: {result['verdict'].replace('_', ' ')}")
    _print_criteria(result["criteria"])
    for question in result["missing"]:
        out.print(f"  ask: {question}", highlight=False)
    out.print(f"[dim]{result['advisory']}[/dim]")


@cases_app.command()
def signpost(family: FamilyOption = None, text: TextOption = None,
             limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
             as_json: JsonOption = False) -> None:
    """Which services could this family be signposted to?"""
    body = _case_input(family, text)
    with _cases() as cases:
        result = cases.signpost(limit=limit, **body)
    if as_json:
        print_json(result)
        return
    _print_escalation(result)
    table = Table("service", "verdict", "why", "refer")
    for s in result["services"]:
        why = "; ".join(s["reasons"][:3] + [f"ask: {m}" for m in s["missing"][:2]])
        table.add_row(s["title"], s["verdict"].replace("_", " "), why,
                      s["referral"].get("route", "") + " " + s["referral"].get("contact", ""))
    out.print(table)
    if "advice" in result:
        out.print(result["advice"]["message"], highlight=False)
    out.print(f"[dim]{result['advisory']}[/dim]")


@cases_app.command()
def threshold(family: FamilyOption = None, text: TextOption = None,
              as_json: JsonOption = False) -> None:
    """Which level of need do this family's circumstances point to?"""
    body = _case_input(family, text)
    with _cases() as cases:
        result = cases.threshold(**body)
    if as_json:
        print_json(result)
        return
    _print_escalation(result)
    out.print(f"[bold]Suggested level {result['level']}[/bold] ({result['level_name']})")
    for ind in result["indicators"]:
        cite = ind["citation"]
        source = f": “{cite['quote']}” ({cite['section']})" if cite else ""
        out.print(f"  • {ind['need']} → level {ind['level']}{source}", highlight=False)
    out.print(f"[dim]{result['advisory']}[/dim]")


@cases_app.command("threshold-audit")
def threshold_audit(
    cases_csv: Annotated[Path, typer.Argument(help="CSV: case_ref, text (or family), "
                                                   "applied_level.")],
    output: Annotated[str, typer.Option("--format", help="table, json, csv or html.")] = "table",
    to: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Compare the levels workers applied with the suggested ones (agreement, kappa)."""
    from waymark.audit import parse_csv, run_audit, to_csv, to_html

    output = "json" if as_json else output
    if output not in ("table", "json", "csv", "html"):
        err.print("[red]error:[/red] --format must be table, json, csv or html")
        raise typer.Exit(2)
    try:
        data = cases_csv.read_text(encoding="utf-8-sig")
    except OSError as exc:
        err.print(f"[red]error:[/red] {cases_csv}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    with _cases() as cases:
        report = run_audit(cases, parse_csv(data))
    rendered = {"json": lambda: json.dumps(report, indent=2), "csv": lambda: to_csv(report),
                "html": lambda: to_html(report)}.get(output)
    if rendered is not None:
        text = rendered()
        if to:
            to.write_text(text, encoding="utf-8")
            err.print(f"wrote {to}")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    table = Table("case", "applied", "suggested", "agrees", "indicators")
    for row in report["cases"]:
        table.add_row(str(row["case_ref"]), str(row["applied_level"]),
                      str(row["suggested_level"]), "yes" if row["agrees"] else "[red]no[/red]",
                      ", ".join(f"{i['need']} ({i['level']})" for i in row["indicators"]))
    out.print(table)
    out.print(f"agreement {report['agreement']:.0%}, Cohen's kappa {report['kappa']:.2f}")
    conf = report["confusion"]
    matrix = Table("applied \\ suggested", *map(str, conf["levels"]))
    for level, row in zip(conf["levels"], conf["matrix"], strict=True):
        matrix.add_row(str(level), *map(str, row))
    out.print(matrix)
