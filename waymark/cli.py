"""The `waymark` command. Exit status: 0 success, 1 some input failed (the rest done), 2 usage."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from waymark.config import Settings, get_settings
from waymark.errors import CaseInputError, UnknownService, WaymarkError

app = typer.Typer(help="Waymark: cited answers from your own early-help guidance.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True, soft_wrap=True)  # messages stay whole lines: grep-able, copyable

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or folders (default: WAYMARK_KNOWLEDGE_DIR, i.e. knowledge/).",
                   show_default=False),
]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@contextmanager
def _errors() -> Iterator[None]:
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


def _paths(paths: list[Path] | None, settings: Settings) -> list[Path]:
    return paths or [settings.knowledge_dir]


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("embedding", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _failures_and_warnings(failed: list[Any], warnings: list[str]) -> None:
    for failure in failed:
        err.print(f"[red]failed[/red] {failure.error}", highlight=False)
    for warning in warnings:
        err.print(f"[yellow]warning[/yellow] {warning}", highlight=False)


@app.command()
def ingest(
    paths: PathsArgument = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Build a fresh knowledge base and swap it in (damaged side store); "
                          "the old data is kept beside it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Make the knowledge base hold exactly the documents under PATHS."""
    from ingest.pipeline import ingest as run_ingest
    from ingest.pipeline import rebuild as run_rebuild

    settings = get_settings()
    actor = f"cli:{getpass.getuser()}"
    with _errors(), _progress_bar(sys.stderr.isatty()) as progress:
        if rebuild:
            report, backup = run_rebuild(_paths(paths, settings), settings, progress=progress,
                                         actor=actor)
            if backup:
                err.print(f"the previous data directory is kept at {backup}")
        else:
            report = run_ingest(_paths(paths, settings), settings, progress=progress,
                                actor=actor)
    if as_json:
        _print_json(report.to_json())
    else:
        for label in ("added", "changed", "removed", "drafted"):
            ids = getattr(report, label)
            if ids:
                out.print(f"{label} ({len(ids)}): {', '.join(ids)}", highlight=False)
        if report.drafted:
            out.print("drafts are answered from and cited, marked 'metadata not yet confirmed': "
                      "review them with `waymark metadata show ID` or on the web page",
                      highlight=False)
        out.print(f"unchanged: {len(report.unchanged)}; failed: {len(report.failed)}; "
                  f"knowledge base: {report.documents} documents, {report.chunks} chunks")
        _failures_and_warnings(report.failed, report.warnings)
    raise typer.Exit(report.exit_code)


@app.command()
def validate(paths: PathsArgument = None, as_json: JsonOption = False) -> None:
    """Check documents and taxonomy without changing the knowledge base."""
    from ingest.pipeline import validate as run_validate

    settings = get_settings()
    with _errors():
        report = run_validate(_paths(paths, settings), settings)
    if as_json:
        _print_json(report.to_json())
    else:
        out.print(f"{len(report.documents)} documents valid, {len(report.failed)} failed, "
                  f"{report.taxonomy_terms} taxonomy terms")
        _failures_and_warnings(report.failed, report.warnings)
    raise typer.Exit(report.exit_code)


@app.command()
def sources(
    stale: Annotated[bool, typer.Option("--stale", help="Only documents past review_by.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the documents in the knowledge base."""
    from waymark.store import open_store

    with _errors():
        rows = [doc.source_row() for doc in open_store(get_settings()).documents()]
    rows = [row for row in rows if row["stale"]] if stale else rows
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "kind", "title", "version", "review by", "chunks")
    for row in rows:
        review = f"[red]{row['review_by']} STALE[/red]" if row["stale"] else row["review_by"]
        table.add_row(row["doc_id"], row["kind"], row["title"], row["version"], review,
                      str(row["chunks"]))
    out.print(table)


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many chunks.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Show the chunks the store returns for QUERY, with their scores (raw retrieval)."""
    from waymark.embeddings import make_embeddings
    from waymark.retrieval import hybrid_search
    from waymark.store import open_store

    settings = get_settings()
    with _errors():
        hits = hybrid_search(open_store(settings), make_embeddings(settings, for_queries=True),
                             query, k)
    rows: list[dict[str, Any]] = [
        {"rank": rank, "score": round(hit.score, 5), "doc_id": hit.chunk.doc_id,
         "chunk_id": hit.chunk.chunk_id, "section": " > ".join(hit.chunk.section),
         "page": hit.chunk.page, "start": hit.chunk.start, "end": hit.chunk.end,
         "dense_rank": hit.dense_rank, "dense_score": hit.dense_score,
         "lexical_rank": hit.lexical_rank, "lexical_score": hit.lexical_score,
         "why": hit.why(), "text": hit.chunk.text}
        for rank, hit in enumerate(hits, start=1)
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("#", "score", "document", "section / page", "why", "text")
    for row in rows:
        place = " ".join(filter(None, [row["section"], f"p.{row['page']}" if row["page"] else ""]))
        text = " ".join(row["text"].split())
        table.add_row(str(row["rank"]), f"{row['score']:.4f}", row["doc_id"], place, row["why"],
                      text[:160] + ("…" if len(text) > 160 else ""))
    out.print(table)


@app.command()
def ask(
    question: str,
    kind: Annotated[list[str] | None, typer.Option(help="Only this kind (repeatable).")] = None,
    doc: Annotated[list[str] | None, typer.Option(help="Only this document id (repeatable).")]
    = None,
    exclude_stale: Annotated[bool, typer.Option(help="Leave out stale documents.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Answer QUESTION from the knowledge base, citing its sources (or say it cannot)."""
    from waymark.answer import Answerer
    from waymark.embeddings import make_embeddings
    from waymark.llm import make_llm
    from waymark.retrieval import Filters
    from waymark.store import open_store

    settings = get_settings()
    if not question.strip():
        err.print("[red]error:[/red] the question is empty")
        raise typer.Exit(2)
    filters = Filters(frozenset(kind) if kind else None, frozenset(doc) if doc else None,
                      exclude_stale)
    with _errors():
        answerer = Answerer(open_store(settings), make_embeddings(settings, for_queries=True),
                            make_llm(settings))
        result = answerer.ask(question, filters)
    if as_json:
        _print_json(result)
        return
    if result["escalation"]:
        esc = result["escalation"]
        out.print(f"[bold red]{esc['message']}[/bold red]", highlight=False)
        for action in esc["actions"]:
            out.print(f"  • {action}", highlight=False)
        out.print()
    out.print(result["answer"], highlight=False)
    for c in result["citations"]:
        where = ", ".join(filter(None, [c["section"], f"p. {c['page']}" if c["page"] else None]))
        out.print(f"[{c['n']}] {c['title']} (v{c['version']}, {where}): “{c['quote']}”",
                  highlight=False)
    out.print(f"[dim]{result['advisory']}[/dim]")


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
    with _errors():
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


@app.command()
def check(service: Annotated[str, typer.Option("--service", help="Service id.")],
          family: FamilyOption = None, text: TextOption = None,
          as_json: JsonOption = False) -> None:
    """Does this family meet the specification of SERVICE? Every criterion cited."""
    body = _case_input(family, text)
    with _cases() as cases:
        result = cases.eligibility(service, **body)
    if as_json:
        _print_json(result)
        return
    _print_escalation(result)
    out.print(f"[bold]{result['title']}[/bold]: {result['verdict'].replace('_', ' ')}")
    _print_criteria(result["criteria"])
    for question in result["missing"]:
        out.print(f"  ask: {question}", highlight=False)
    out.print(f"[dim]{result['advisory']}[/dim]")


@app.command()
def signpost(family: FamilyOption = None, text: TextOption = None,
             limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
             as_json: JsonOption = False) -> None:
    """Which services could this family be signposted to?"""
    body = _case_input(family, text)
    with _cases() as cases:
        result = cases.signpost(limit=limit, **body)
    if as_json:
        _print_json(result)
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


@app.command()
def threshold(family: FamilyOption = None, text: TextOption = None,
              as_json: JsonOption = False) -> None:
    """Which level of need do this family's circumstances point to?"""
    body = _case_input(family, text)
    with _cases() as cases:
        result = cases.threshold(**body)
    if as_json:
        _print_json(result)
        return
    _print_escalation(result)
    out.print(f"[bold]Suggested level {result['level']}[/bold] ({result['level_name']})")
    for ind in result["indicators"]:
        cite = ind["citation"]
        source = f": “{cite['quote']}” ({cite['section']})" if cite else ""
        out.print(f"  • {ind['need']} → level {ind['level']}{source}", highlight=False)
    out.print(f"[dim]{result['advisory']}[/dim]")


@app.command("threshold-audit")
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


@app.command("eval")
def evaluate(
    knowledge: Annotated[Path | None, typer.Option(help="Default: knowledge/.")] = None,
    questions: Annotated[Path, typer.Option()] = Path("evals/questions.yaml"),
    vignettes: Annotated[Path, typer.Option()] = Path("evals/vignettes.yaml"),
    gold: Annotated[Path, typer.Option(help="Gold answering passages per question.")]
    = Path("evals/answers_gold.yaml"),
    pack: Annotated[Path | None, typer.Option(help="A held-out pack folder (knowledge/, "
                                                   "questions.yaml, vignettes.yaml, "
                                                   "answers_gold.yaml): all of it is test.")]
    = None,
    notes: Annotated[Path | None, typer.Option(help="Evaluation notes (notes.yaml, "
                                                     "risk_texts.yaml); default evals/notes when "
                                                     "it exists.")] = None,
    calibrate: Annotated[bool, typer.Option("--calibrate", help="Fit the answer constants on "
                                                                "the dev split and the dev packs "
                                                                "first (writes waymark/data/"
                                                                "answer_calibration.json).")]
    = False,
    llm: Annotated[bool, typer.Option("--llm", help="Answer through WAYMARK_LLM_BASE_URL.")]
    = False,
    as_json: JsonOption = False,
) -> None:
    """Measure Waymark on the golden pack (dev beside test) or a held-out pack against
    DESIGN.md's bars (exit 1 when a bar is missed on test)."""
    from evals.report import print_report
    from evals.runner import DEV_PACKS, Pack, calibrate_answers, run_eval
    from waymark.calibration import CALIBRATION_FILE
    from waymark.calibration import write as write_calibration

    settings = get_settings()
    if llm and not settings.llm_base_url:
        err.print("[red]error:[/red] --llm needs WAYMARK_LLM_BASE_URL (and WAYMARK_LLM_MODEL)")
        raise typer.Exit(2)
    if calibrate and pack is not None:
        err.print("[red]error:[/red] --calibrate fits on the golden dev split; a held-out pack "
                  "is never fitted on")
        raise typer.Exit(2)
    chosen = Pack.folder(pack) if pack is not None else Pack(
        knowledge or settings.knowledge_dir, questions, vignettes, gold)
    for path in (chosen.questions, chosen.vignettes):
        if not path.exists():
            err.print(f"[yellow]warning[/yellow] {path} not found; skipped")
    with _errors():
        if calibrate:
            dev_packs = [Pack.folder(p) for p in sorted(DEV_PACKS.glob("*/"))
                         if (p / "questions.yaml").exists()]
            fitted, provenance = calibrate_answers(chosen, dev_packs, settings)
            write_calibration(fitted, provenance)
            err.print(f"wrote {CALIBRATION_FILE} ({fitted.fitted_on})")
        notes_dir = None if pack is not None else (
            notes or (Path("evals/notes") if Path("evals/notes").is_dir() else None))
        drafts_dir = Path("evals/drafts") if pack is None and Path(
            "evals/drafts/expected.yaml").exists() else None
        report = run_eval(chosen, settings, use_llm=llm, notes_dir=notes_dir,
                          drafts_dir=drafts_dir)
    if as_json:
        _print_json(report.to_json())
    else:
        print_report(report, out)
    raise typer.Exit(1 if report.failures else 0)


@app.command("train")
def train_readers(
    training: Annotated[Path, typer.Option(help="Training corpus (*.jsonl).")]
    = Path("evals/training"),
    notes: Annotated[Path, typer.Option(help="Evaluation notes; cuts are fitted on their dev "
                                              "split.")] = Path("evals/notes"),
    knowledge: Annotated[Path | None, typer.Option(help="Default: knowledge/.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fit the risk and needs readers and write waymark/data/readers.* with their provenance."""
    from evals.train_readers import train

    with _errors():
        record = train(training, notes, knowledge or get_settings().knowledge_dir)
    if as_json:
        _print_json(record)
    else:
        out.print(f"risk head: C={record['risk_fit']['C']}, needs head: "
                  f"C={record['needs_fit']['C']}; cuts {record['cuts']}")


token_app = typer.Typer(help="Create, list and revoke API tokens (roles: practitioner, lead, "
                             "owner).", no_args_is_help=True)
app.add_typer(token_app, name="token")


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

    with _errors():
        token = create_token(_tokens_file(), name, role)
    err.print(f"token for {name} ({role}); store it now, it will not be shown again:")
    sys.stdout.write(token + "\n")


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke the token called NAME (takes effect at once, no restart)."""
    from waymark.auth import revoke_token

    with _errors():
        revoke_token(_tokens_file(), name)
    err.print(f"revoked {name}")


@token_app.command("list")
def token_list(as_json: JsonOption = False) -> None:
    """The tokens' names and roles (never the tokens)."""
    from waymark.auth import list_tokens

    with _errors():
        rows = list_tokens(_tokens_file())
    if as_json:
        _print_json(rows)
        return
    table = Table("name", "role", "created")
    for row in rows:
        table.add_row(row["name"], row["role"], row["created_at"])
    out.print(table)


metadata_app = typer.Typer(help="Review and confirm the metadata Waymark proposed for drafts "
                                "(files that came without front matter or a sidecar).",
                           no_args_is_help=True)
app.add_typer(metadata_app, name="metadata")


@metadata_app.command("show")
def metadata_show(doc_id: str, as_json: JsonOption = False) -> None:
    """A document's metadata, each proposed field beside the sentence it came from."""
    from ingest.manage import draft_metadata

    with _errors():
        review = draft_metadata(get_settings(), doc_id)
    if as_json:
        _print_json(review)
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

    from ingest.manage import confirm_metadata

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
    with _errors():
        report = confirm_metadata(get_settings(), doc_id, changes,
                                  actor=f"cli:{getpass.getuser()}")
    _confirmed(report, as_json)


@metadata_app.command("export")
def metadata_export() -> None:
    """Every draft's proposed metadata as CSV (stdout), for the owner to complete in a
    spreadsheet and confirm with `waymark metadata confirm-all FILE`."""
    from ingest.manage import drafts_csv

    with _errors():
        sys.stdout.write(drafts_csv(get_settings()))


@metadata_app.command("confirm-all")
def metadata_confirm_all(csv_file: Path, as_json: JsonOption = False) -> None:
    """Confirm every draft in an edited metadata CSV (empty cells keep the proposal); every
    row is checked before anything is written, then the knowledge base is ingested once."""
    from ingest.manage import confirm_from_csv

    with _errors():
        report = confirm_from_csv(get_settings(), csv_file.read_text(encoding="utf-8-sig"),
                                  actor=f"cli:{getpass.getuser()}")
    _confirmed(report, as_json)


def _confirmed(report: Any, as_json: bool) -> None:
    """The ingest that followed a confirmation: the documents re-indexed, and its exit code."""
    if as_json:
        _print_json(report.to_json())
    else:
        err.print(f"confirmed; re-indexed: {', '.join(report.changed) or 'nothing'}")
    raise typer.Exit(report.exit_code)


@app.command()
def history(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
            as_json: JsonOption = False) -> None:
    """Who added, changed or withdrew which document and version, and when; and the ingests."""
    from waymark.store import open_store

    with _errors():
        store = open_store(get_settings())
        data = {"trail": store.trail(limit), "ingests": store.history(limit)}
    if as_json:
        _print_json(data)
        return
    table = Table("when", "who", "what", "document", "version")
    for row in data["trail"]:
        table.add_row(row["at"], row["actor"], row["action"], row["doc_id"], row["version"] or "")
    out.print(table)
    runs = Table("ingest", "started", "status", "added", "changed", "removed", "failed")
    for run in data["ingests"]:
        report = run["report"] or {}
        runs.add_row(str(run["generation"]), run["started_at"], run["status"],
                     *(str(len(report.get(k, []))) for k in ("added", "changed", "removed",
                                                               "failed")))
    out.print(runs)


@app.command()
def bot() -> None:
    """Run the Telegram bot (long polling; webhook when WAYMARK_TELEGRAM_WEBHOOK_URL is set)."""
    from bot.app import run_bot

    with _errors():
        run_bot(get_settings())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default WAYMARK_HOST (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Default WAYMARK_PORT (8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes; with more "
                                         "than one, use a Chroma server.")] = 1,
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    from api.app import create_app
    from api.security import is_loopback
    from waymark.auth import TokenFile

    settings = get_settings()
    bind = host or settings.host
    tokens = TokenFile(settings.api_tokens_file) if settings.api_tokens_file else None
    if not is_loopback(bind) and (tokens is None or not tokens.configured):
        err.print(f"[red]error:[/red] refusing to serve on {bind} without API tokens: set "
                  "WAYMARK_API_TOKENS_FILE and create tokens with `waymark token create`")
        raise typer.Exit(2)
    if workers > 1:  # each worker builds its own app from the same environment
        uvicorn.run("api.app:create_app", factory=True, workers=workers, host=bind,
                    port=port or settings.port, log_level="info", access_log=False)
    else:
        uvicorn.run(create_app(settings), host=bind, port=port or settings.port,
                    log_level="info", access_log=False)


if __name__ == "__main__":
    app()
