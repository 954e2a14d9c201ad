"""The `waymark` command: the one composition root. Exit status: 0 success, 1 some input failed
(the rest done), 2 usage."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from waymark.cli_cases import cases_app
from waymark.cli_metadata import metadata_app
from waymark.cli_support import (
    JsonOption,
    PathsArgument,
    err,
    errors,
    failures_and_warnings,
    knowledge_paths,
    out,
    print_json,
    progress_bar,
)
from waymark.cli_tokens import token_app
from waymark.config import get_settings

app = typer.Typer(help="Waymark: cited answers from your own early-help guidance.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.add_typer(cases_app)
app.add_typer(token_app, name="token")
app.add_typer(metadata_app, name="metadata")


@app.command()
def ingest(
    paths: PathsArgument = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Build a fresh knowledge base and swap it in (damaged side store); "
                          "the old data is kept beside it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Make the knowledge base hold exactly the documents under PATHS."""
    from waymark.ingest.pipeline import ingest as run_ingest
    from waymark.ingest.pipeline import rebuild as run_rebuild

    settings = get_settings()
    actor = f"cli:{getpass.getuser()}"
    with errors(), progress_bar(sys.stderr.isatty()) as progress:
        if rebuild:
            report, backup = run_rebuild(knowledge_paths(paths, settings), settings,
                                         progress=progress, actor=actor)
            if backup:
                err.print(f"the previous data directory is kept at {backup}")
        else:
            report = run_ingest(knowledge_paths(paths, settings), settings, progress=progress,
                                actor=actor)
    if as_json:
        print_json(report.to_json())
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
        failures_and_warnings(report.failed, report.warnings)
    raise typer.Exit(report.exit_code)


@app.command()
def validate(paths: PathsArgument = None, as_json: JsonOption = False) -> None:
    """Check documents and taxonomy without changing the knowledge base."""
    from waymark.ingest.pipeline import validate as run_validate

    settings = get_settings()
    with errors():
        report = run_validate(knowledge_paths(paths, settings), settings)
    if as_json:
        print_json(report.to_json())
    else:
        out.print(f"{len(report.documents)} documents valid, {len(report.failed)} failed, "
                  f"{report.taxonomy_terms} taxonomy terms")
        failures_and_warnings(report.failed, report.warnings)
    raise typer.Exit(report.exit_code)


@app.command()
def sources(
    stale: Annotated[bool, typer.Option("--stale", help="Only documents past review_by.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the documents in the knowledge base."""
    from waymark.store import open_store

    with errors():
        rows = [doc.source_row() for doc in open_store(get_settings()).documents()]
    rows = [row for row in rows if row["stale"]] if stale else rows
    if as_json:
        print_json(rows)
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
    with errors():
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
        print_json(rows)
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
    with errors():
        answerer = Answerer(open_store(settings), make_embeddings(settings, for_queries=True),
                            make_llm(settings))
        result = answerer.ask(question, filters)
    if as_json:
        print_json(result)
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
    DESIGN.md's bars; exit 1 when a floor is missed on the test split (a regression)."""
    from waymark.calibration import CALIBRATION_FILE
    from waymark.calibration import write as write_calibration
    from waymark.evals.drafts_eval import DRAFT_SETS
    from waymark.evals.report import print_report
    from waymark.evals.runner import DEV_PACKS, Pack, calibrate_answers, run_eval

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
    with errors():
        if calibrate:
            dev_packs = [Pack.folder(p) for p in sorted(DEV_PACKS.glob("*/"))
                         if (p / "questions.yaml").exists()]
            fitted, provenance = calibrate_answers(chosen, dev_packs, settings)
            write_calibration(fitted, provenance)
            err.print(f"wrote {CALIBRATION_FILE} ({fitted.fitted_on})")
        notes_dir = None if pack is not None else (
            notes or (Path("evals/notes") if Path("evals/notes").is_dir() else None))
        drafts = {split: [f for f in folders if (f / "expected.yaml").exists()]
                  for split, folders in DRAFT_SETS.items() if pack is None}
        report = run_eval(chosen, settings, use_llm=llm, notes_dir=notes_dir, drafts=drafts)
    if as_json:
        print_json(report.to_json())
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
    cuts_only: Annotated[bool, typer.Option(help="Keep the shipped heads; refit only their "
                                                 "cuts on the dev split.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Fit the risk and needs readers and write waymark/data/readers.* with their provenance."""
    from waymark.evals.train_readers import train

    with errors():
        record = train(training, notes, knowledge or get_settings().knowledge_dir, cuts_only)
    if as_json:
        print_json(record)
    else:
        out.print(f"risk head: C={record['risk_fit']['C']}, needs head: "
                  f"C={record['needs_fit']['C']}; cuts {record['cuts']}")


@app.command()
def history(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
            as_json: JsonOption = False) -> None:
    """Who added, changed or withdrew which document and version, and when; and the ingests."""
    from waymark.store import open_store

    with errors():
        store = open_store(get_settings())
        data = {"trail": store.trail(limit), "ingests": store.history(limit)}
    if as_json:
        print_json(data)
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
    from waymark.bot.app import run_bot

    with errors():
        run_bot(get_settings())


# An idle connection is closed by the client (httpx: 5 s) or a proxy (nginx: 75 s) first: a
# server that closes it at the same moment as the client reuses it drops that request.
KEEP_ALIVE_S = 75


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default WAYMARK_HOST (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Default WAYMARK_PORT (8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes; with more "
                                         "than one, use a Chroma server.")] = 1,
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    from waymark.api.app import create_app
    from waymark.api.security import is_loopback
    from waymark.auth import TokenFile

    settings = get_settings()
    bind = host or settings.host
    tokens = TokenFile(settings.api_tokens_file) if settings.api_tokens_file else None
    if not is_loopback(bind) and (tokens is None or not tokens.configured):
        err.print(f"[red]error:[/red] refusing to serve on {bind} without API tokens: set "
                  "WAYMARK_API_TOKENS_FILE and create tokens with `waymark token create`")
        raise typer.Exit(2)
    if workers > 1:  # each worker builds its own app from the same environment
        # and reads its requests' texts on its share of the cores
        os.environ.setdefault("WAYMARK_QUERY_THREADS", str(max(1, (os.cpu_count() or 1)
                                                                // workers)))
        uvicorn.run("waymark.api.app:serving_app", factory=True, workers=workers, host=bind,
                    port=port or settings.port, log_level="info", access_log=False,
                    timeout_keep_alive=KEEP_ALIVE_S)
    else:
        uvicorn.run(create_app(settings, warm_up=True), host=bind, port=port or settings.port,
                    log_level="info", access_log=False, timeout_keep_alive=KEEP_ALIVE_S)


if __name__ == "__main__":
    app()
