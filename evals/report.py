"""The eval report as tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from evals.runner import BARS, EvalReport


def _cell(value: object) -> str:
    if isinstance(value, dict):
        return " / ".join(f"{value[k]:.2f}" for k in ("precision", "recall", "f1"))
    return "" if value is None else f"{value}"


def notes_table(notes: dict[str, dict[str, Any]]) -> Table:
    """Reading the evaluation notes: dev (cuts fitted here) beside test (the headline)."""
    table = Table("reading notes (P / R / F1 where three)", "dev", "test (headline)",
                  title="evals/notes: people, needs, risk")
    for name in notes["test"]:
        table.add_row(name, _cell(notes["dev"].get(name)), _cell(notes["test"][name]))
    people = notes["dev"].get("people_dev")
    if people:
        for name in ("child_ages", "adult_ages"):
            table.add_row(f"people_dev {name} ({people['notes']} notes)", _cell(people[name]), "")
    return table


def print_report(report: EvalReport, console: Console) -> None:
    console.print(f"{report.documents} documents, {report.questions} questions, "
                  f"{report.vignettes} vignettes")
    bars = {name: f"{op} {bar:g}" for name, op, bar in BARS}
    table = Table("metric", "Waymark", "baseline (dense only)", "bar")
    for name, value in report.metrics.items():
        if name == "notes":
            continue
        base = report.baseline.get(name)
        table.add_row(name, f"{value}", "" if base is None else f"{base}", bars.get(name, ""))
    console.print(table)
    if "notes" in report.metrics:
        console.print(notes_table(report.metrics["notes"]))
    if report.calibration:
        console.print(f"refusal calibration on this pack: {report.calibration}")
    for miss in report.misses[:40]:
        console.print(f"[yellow]miss[/yellow] {miss}", highlight=False)
    for failure in report.failures:
        console.print(f"[red]FAIL[/red] {failure}")
    if not report.failures:
        console.print("[green]every bar met[/green]")
