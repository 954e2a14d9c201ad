"""Threshold audit for team leads: the level each worker applied against the level the
threshold guidance suggests, with agreement, Cohen's kappa and the confusion matrix, and the
cited indicators behind every disagreement (management oversight, Ofsted 2015)."""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from waymark.cases import Cases
from waymark.errors import CaseInputError
from waymark.threshold import suggest


@dataclass(frozen=True)
class AuditCase:
    case_ref: str
    applied_level: int
    text: str | None = None
    family: dict[str, Any] | None = None


def cohen_kappa(pairs: list[tuple[int, int]]) -> float:
    """Agreement between two raters beyond chance: (po - pe) / (1 - pe)."""
    if not pairs:
        return 0.0
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return round((observed - expected) / (1 - expected), 4)


def confusion(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    """Rows: the level applied; columns: the level suggested."""
    levels = sorted({a for a, _ in pairs} | {b for _, b in pairs})
    counts = Counter(pairs)
    return {"levels": levels, "rows": "applied", "columns": "suggested",
            "matrix": [[counts[(a, s)] for s in levels] for a in levels]}


def parse_csv(data: str) -> list[AuditCase]:
    """Cases from CSV with columns case_ref, applied_level and text (or family as JSON)."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    columns = {c.strip() for c in reader.fieldnames or []}
    if not {"case_ref", "applied_level"} <= columns or not columns & {"text", "family"}:
        raise CaseInputError("the audit CSV needs the columns case_ref, applied_level and text "
                             f"(or family as JSON); found: {', '.join(sorted(columns)) or 'none'}")
    cases = []
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        try:
            level = int(row["applied_level"])
        except ValueError:
            raise CaseInputError(f"line {line}: applied_level {row['applied_level']!r} is not a "
                                 "whole number (use 1 to 4)") from None
        family = None
        if row.get("family"):
            try:
                family = json.loads(row["family"])
            except json.JSONDecodeError as exc:
                raise CaseInputError(f"line {line}: family is not valid JSON ({exc.msg})") from None
        cases.append(AuditCase(row["case_ref"] or f"line {line}", level,
                               row.get("text") or None, family))
    if not cases:
        raise CaseInputError("the audit CSV has no cases")
    return cases


def run_audit(cases_service: Cases, cases: list[AuditCase]) -> dict[str, Any]:
    store = cases_service.store
    snapshot = store.snapshot()
    rows, pairs = [], []
    for case in cases:
        try:
            facts = cases_service.read(snapshot, case.family, case.text)
        except CaseInputError as exc:
            raise CaseInputError(f"case {case.case_ref}: {exc}") from None
        suggestion = suggest(facts.family, snapshot, store)
        agrees = suggestion.level == case.applied_level
        pairs.append((case.applied_level, suggestion.level))
        rows.append({
            "case_ref": case.case_ref, "applied_level": case.applied_level,
            "suggested_level": suggestion.level, "suggested_level_name": suggestion.level_name,
            "agrees": agrees,
            "indicators": [m.to_json(n) for n, m in enumerate(suggestion.indicators, start=1)],
            "escalation": cases_service.escalation_for(facts, snapshot),
        })
    agreement = round(sum(a == s for a, s in pairs) / len(pairs), 4) if pairs else 0.0
    return {"cases": rows, "agreement": agreement, "kappa": cohen_kappa(pairs),
            "confusion": confusion(pairs),
            "disagreements": [r["case_ref"] for r in rows if not r["agrees"]],
            "advisory": "The suggested level comes from the threshold indicators Waymark found "
                        "in each case; a disagreement is a prompt to look again together, not a "
                        "verdict on the worker."}


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case_ref", "applied_level", "suggested_level", "agrees", "indicators",
                     "escalation"])
    for row in report["cases"]:
        writer.writerow([row["case_ref"], row["applied_level"], row["suggested_level"],
                         "yes" if row["agrees"] else "no",
                         "; ".join(f"{i['need']} (level {i['level']})" for i in row["indicators"]),
                         "yes" if row["escalation"] else ""])
    return out.getvalue()


def to_html(report: dict[str, Any]) -> str:
    """A self-contained HTML report (no scripts, no external files)."""
    esc = html.escape
    conf = report["confusion"]
    head = "".join(f"<th>suggested {lvl}</th>" for lvl in conf["levels"])
    body = "".join(
        f"<tr><th>applied {lvl}</th>" + "".join(
            f"<td class='{'agree' if i == j else ('off' if n else '')}'>{n}</td>"
            for j, n in enumerate(row)) + "</tr>"
        for i, (lvl, row) in enumerate(zip(conf["levels"], conf["matrix"], strict=True)))
    rows = []
    for case in report["cases"]:
        cited = "".join(
            f"<li>{esc(i['need'])} (level {i['level']})"
            + (f": <q>{esc(i['citation']['quote'])}</q> <small>{esc(i['citation']['title'])}, "
               f"{esc(i['citation']['section'] or '')}</small>" if i["citation"] else "")
            + "</li>" for i in case["indicators"])
        flag = " <strong class='risk'>immediate risk</strong>" if case["escalation"] else ""
        rows.append(f"<tr class='{'' if case['agrees'] else 'disagree'}'><td>"
                    f"{esc(str(case['case_ref']))}{flag}</td><td>{case['applied_level']}</td>"
                    f"<td>{case['suggested_level']}</td><td>{'yes' if case['agrees'] else 'no'}"
                    f"</td><td><ul>{cited}</ul></td></tr>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Threshold audit</title><style>
body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #bbb;padding:.3rem .6rem;
vertical-align:top}}.agree{{background:#d9f2d9}}.off{{background:#f9d6d5}}
tr.disagree td{{background:#fff4e0}}.risk{{color:#b00}}q{{font-style:italic}}
</style></head><body><h1>Threshold audit</h1>
<p>{len(report['cases'])} cases. Agreement {report['agreement']:.0%}; Cohen's kappa
{report['kappa']:.2f}.</p><p>{esc(report['advisory'])}</p>
<h2>Confusion matrix</h2><table><tr><th></th>{head}</tr>{body}</table>
<h2>Cases</h2><table><tr><th>case</th><th>applied</th><th>suggested</th><th>agrees</th>
<th>indicators behind the suggestion</th></tr>{''.join(rows)}</table></body></html>
"""
