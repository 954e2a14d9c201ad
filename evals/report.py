"""The eval report as tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Column, Table

from waymark.evals.runner import BARS, EvalReport


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
    held_out = not report.dev
    columns = (["test (all held out)", "baseline"] if held_out
               else ["dev (fitted on)", "test (headline)", "baseline dev", "baseline test"])
    title = ("Waymark beside a dense LangChain + Chroma retriever that cites its top chunk and "
             "never refuses")
    table = Table(Column("metric", no_wrap=True), *columns, "bar", title=title)
    names = [n for n in {**report.dev, **report.metrics} if n != "notes"]
    for name in names:
        values = ([report.metrics.get(name), report.baseline.get(name)] if held_out else
                  [report.dev.get(name), report.metrics.get(name),
                   report.baseline_dev.get(name), report.baseline.get(name)])
        table.add_row(name, *("" if v is None else f"{v}" for v in values), bars.get(name, ""))
    console.print(table)
    if "notes" in report.metrics:
        console.print(notes_table(report.metrics["notes"]))
    if report.calibration:
        console.print(f"refusal cuts fitted on the dev split: {report.calibration}")
    for miss in report.misses[:40]:
        console.print(f"[yellow]miss[/yellow] {miss}", highlight=False)
    for gap in report.below_target:
        console.print(f"[yellow]below the DESIGN.md bar[/yellow] {gap}")
    for failure in report.failures:
        console.print(f"[red]FAIL[/red] {failure}")
    if not report.failures and not report.below_target:
        console.print("[green]every bar met[/green]")
    elif not report.failures:
        console.print("[green]no floor missed[/green] (the bars above are still to reach)")
