"""`waymark eval`: ingest a pack's knowledge into a scratch store, run its questions and
vignettes, compare with the baseline, and check the quality bars of DESIGN.md."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_core.embeddings import Embeddings

from waymark.answer import Answerer
from waymark.calibration import AnswerCalibration
from waymark.cases import Cases
from waymark.config import Settings
from waymark.embeddings import MiniLMEmbeddings, make_embeddings, query_threads
from waymark.errors import WaymarkError
from waymark.evals.ask_eval import (
    TOP_K,
    DenseBaseline,
    Trace,
    calibrate,
    reciprocal_rank,
    run_questions,
    summarise,
)
from waymark.evals.case_eval import evaluate_cases
from waymark.evals.drafts_eval import evaluate_drafts
from waymark.evals.notes_eval import evaluate_notes
from waymark.evals.splits import DEV, TEST, split, split_of
from waymark.ingest.pipeline import ingest
from waymark.llm import make_llm
from waymark.refusal import NEVER_REFUSES
from waymark.retrieval import HybridRetriever
from waymark.store import Store, open_store

Bar = tuple[str, str, float]  # (metric, comparison, value)

# DESIGN.md's quality bars, measured on the test split and every pack: the targets. A miss is
# reported ("below target"); it fails `waymark eval` only where a floor below is missed too.
BARS: list[Bar] = [
    ("recall_at_cited", ">=", 0.95),
    ("false_refusal_rate", "<=", 0.05),
    ("refusal_recall", ">=", 0.90),
    ("gold_support", ">=", 0.85),
    ("citation_validity", ">=", 1.0),
    ("eligibility_accuracy_structured", ">=", 1.0),
    ("eligibility_accuracy_text", ">=", 0.95),
    ("signpost_f1", ">=", 0.90),
    ("threshold_accuracy_structured", ">=", 0.90),
    ("threshold_accuracy_text", ">=", 0.90),
    ("escalation_recall", ">=", 1.0),
    ("case_escalation_recall", ">=", 1.0),
    ("ratio_to_bare_p50", "<=", 1.5),
    ("draft_metadata_right", ">=", 0.90),  # issue 18: fields proposed for drafts
]

# The golden pack's test split fails CI below these: a little under what the shipped engine
# measures there, so a regression fails while the gap to the bars stays visible.
FLOORS: list[Bar] = [
    ("recall_at_5", ">=", 0.95),
    ("recall_at_cited", ">=", 0.90),
    ("false_refusal_rate", "<=", 0.08),
    ("refusal_recall", ">=", 0.62),
    ("gold_support", ">=", 0.72),
    ("citation_validity", ">=", 1.0),
    ("eligibility_accuracy_structured", ">=", 1.0),
    ("eligibility_accuracy_text", ">=", 0.95),
    ("threshold_accuracy_structured", ">=", 0.90),
    ("threshold_accuracy_text", ">=", 0.90),
    ("escalation_recall", ">=", 1.0),
    ("case_escalation_recall", ">=", 1.0),
    ("draft_metadata_right", ">=", 0.88),  # Wendlebury, the held-out drafts set (0.91)
]


# Reading the evaluation notes (test split). DESIGN.md's bars for reading notes (issue 16:
# escalation recall 1.00 with false alarms <= 0.05, ages F1 >= 0.95) are not all met yet;
# these floors sit a little under what the shipped readers measure, so a regression fails CI
# while the gap stays visible in the report and README.
NOTES_FLOORS: list[Bar] = [
    ("escalation_recall", ">=", 0.95),
    ("false_alarms", "<=", 0.40),
    ("child_ages.f1", ">=", 0.93),
    ("adult_ages.f1", ">=", 0.95),
    ("needs.f1", ">=", 0.60),
    ("threshold_level_accuracy", ">=", 0.65),
]


@dataclass
class EvalReport:
    """`metrics` and `baseline` are the headline: the test split (a held-out pack is all
    test). `dev` and `baseline_dev` are the split everything is fitted on."""

    documents: int
    questions: int
    vignettes: int
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    dev: dict[str, Any] = field(default_factory=dict)
    baseline_dev: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # floors missed: exit 1
    below_target: list[str] = field(default_factory=list)  # DESIGN.md bars not reached yet
    calibration: dict[str, Any] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def load_yaml_list(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise WaymarkError(f"{path}: expected a YAML list of items")
    return data


def load_gold(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise WaymarkError(f"{path}: expected a mapping of question id to gold passages")
    return data


def _misses(metrics: dict[str, Any], bars: list[Bar]) -> list[str]:
    found = []
    for name, op, bar in bars:
        value: Any = metrics
        for key in name.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and ((op == ">=" and value < bar) or (op == "<=" and value > bar)):
            found.append(f"{name} = {value} misses {op} {bar}")
    return found


def below_target(metrics: dict[str, Any]) -> list[str]:
    """DESIGN.md's bars the measured figures do not reach yet."""
    return _misses(metrics, BARS)


def check_floors(metrics: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Failures: floors missed, reading notes under their floors, or not beating the dense
    baseline at finding the expected document."""
    failures = _misses(metrics, FLOORS)
    test = (metrics.get("notes") or {}).get("test") or {}
    failures += [f"notes (test split) {miss}" for miss in _misses(test, NOTES_FLOORS)]
    for name in ("recall_at_5", "mrr"):
        if name in metrics and baseline.get(name) is not None \
                and metrics[name] <= baseline[name] and metrics[name] < 1.0:
            failures.append(f"{name} = {metrics[name]} does not beat the baseline "
                            f"({baseline[name]})")
    return failures


@dataclass(frozen=True)
class Pack:
    """What `waymark eval` measures: a knowledge folder, its golden questions (with gold
    passages) and vignettes. `held_out`: a pack under evals/packs/, all of it test."""

    knowledge: Path
    questions: Path
    vignettes: Path
    gold: Path
    held_out: bool = False

    @classmethod
    def folder(cls, path: Path) -> Pack:
        return cls(path / "knowledge", path / "questions.yaml", path / "vignettes.yaml",
                   path / "answers_gold.yaml", held_out=True)


def _vignette_splits(vignettes: list[dict[str, Any]], held_out: bool
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Stratified on whether the vignette escalates."""
    return ([], vignettes) if held_out else split(vignettes, lambda v: v["expect"]["escalate"])


def run_eval(pack: Pack, settings: Settings, use_llm: bool = False,
             notes_dir: Path | None = None,
             drafts: dict[str, list[Path]] | None = None) -> EvalReport:
    questions = load_yaml_list(pack.questions)
    vignettes = load_yaml_list(pack.vignettes)
    gold = load_gold(pack.gold)
    with tempfile.TemporaryDirectory(prefix="waymark-eval-") as scratch:
        scratch_settings = settings.model_copy(update={"data_dir": Path(scratch)})
        report = ingest([pack.knowledge], scratch_settings)
        if report.failed:
            raise WaymarkError("the pack's knowledge does not ingest cleanly: "
                               + "; ".join(f.error for f in report.failed))
        embeddings = make_embeddings(scratch_settings, for_queries=True)
        store = open_store(scratch_settings)
        llm = make_llm(scratch_settings) if use_llm else None
        answerer = Answerer(store, embeddings, llm)
        cases = Cases(store, llm)
        metrics: dict[str, dict[str, Any]] = {DEV: {}, TEST: {}}
        baseline: dict[str, dict[str, Any]] = {DEV: {}, TEST: {}}
        misses: list[dict[str, Any]] = []
        calibration: dict[str, Any] = {}
        if questions:
            asked = run_questions(answerer, bare_embeddings(scratch_settings), questions, gold,
                                  DenseBaseline(store, embeddings))
            where = {q["id"]: TEST for q in questions} if pack.held_out \
                else split_of(questions, "refuse")
            for name in (DEV, TEST):
                metrics[name] = summarise([r for r in asked.runs if where[r.id] == name])
                baseline[name] = summarise([r for r in asked.baseline if where[r.id] == name])
            misses += [{**m, "split": where[m["id"]]} for m in asked.misses]
            fitted = calibrate([t for t in asked.traces if where[t.id] == DEV])
            if fitted is not None:  # what a refit on dev would give, for the report
                calibration = {**fitted[0].to_json(), **fitted[1]}
        for name, group in zip((DEV, TEST), _vignette_splits(vignettes, pack.held_out),
                               strict=True):
            if group:
                found: list[dict[str, Any]] = []
                metrics[name].update(escalation_metrics(answerer, group, found))
                metrics[name].update(evaluate_cases(cases, group, found))
                misses += [{**m, "split": name} for m in found]
        if notes_dir is not None:
            notes = evaluate_notes(cases, answerer, notes_dir, misses)
            if notes:
                metrics[TEST]["notes"] = notes
        for split, folders in (drafts or {}).items():
            metrics[split]["draft_metadata_right"] = evaluate_drafts(
                folders, settings.max_file_bytes, misses, split)["share"]
    return EvalReport(report.documents, len(questions), len(vignettes), metrics[TEST],
                      baseline[TEST], metrics[DEV], baseline[DEV],
                      [] if pack.held_out else check_floors(metrics[TEST], baseline[TEST]),
                      below_target(metrics[TEST]), calibration, misses)


def bare_embeddings(settings: Settings) -> Embeddings:
    """A query model of its own, so timing the bare query shares no cache with /ask (and as
    many threads)."""
    if settings.embeddings == "openai":
        return make_embeddings(settings, for_queries=True)
    return MiniLMEmbeddings(query_threads())


def escalation_metrics(answerer: Answerer, vignettes: list[dict[str, Any]],
                       misses: list[dict[str, Any]]) -> dict[str, float]:
    """Asked as a question, every immediate-risk vignette must be escalated first."""
    hit = n = false_alarm = calm = 0
    for vignette in vignettes:
        escalated = answerer.ask(vignette["text"])["escalation"] is not None
        if vignette["expect"]["escalate"]:
            n += 1
            hit += escalated
            if not escalated:
                misses.append({"id": vignette["id"], "problem": "immediate risk not escalated"})
        else:
            calm += 1
            false_alarm += escalated
            if escalated:
                misses.append({"id": vignette["id"], "problem": "escalated without risk"})
    return {"escalation_recall": round(hit / n, 4) if n else 1.0,
            "escalation_false_positive_rate": round(false_alarm / calm, 4) if calm else 0.0}


DEV_PACKS = Path("evals/dev_packs")  # whole packs written blind to fit on, beside the dev split


DENSE_WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)  # retrieval fusion weights tried on dev


def calibrate_answers(golden: Pack, dev_packs: list[Pack], settings: Settings
                      ) -> tuple[AnswerCalibration, dict[str, Any]]:
    """The answer pipeline's constants fitted on dev only — the golden pack's dev split and
    every dev pack, each read against its own knowledge base: first the retrieval fusion weight
    (the best mean reciprocal rank of the expected documents; a tie goes to the lower weight),
    then the refusal model over the signals of the questions answered under it, refusing
    nothing."""
    sets = [(golden, split(load_yaml_list(golden.questions), "refuse")[0]),
            *((p, load_yaml_list(p.questions)) for p in dev_packs)]
    with tempfile.TemporaryDirectory(prefix="waymark-calibrate-") as scratch:
        stores = [(_ingested(pack, settings, Path(scratch) / str(n)), pack, questions)
                  for n, (pack, questions) in enumerate(sets)]
        embeddings = make_embeddings(settings, for_queries=True)
        mrr = {w: _mean_rank(stores, embeddings, w) for w in DENSE_WEIGHTS}
        weight = max(DENSE_WEIGHTS, key=lambda w: (round(mrr[w], 4), -w))
        traces: list[Trace] = []
        for store, pack, questions in stores:
            answerer = Answerer(store, embeddings,
                                fitted=AnswerCalibration(NEVER_REFUSES, weight))
            traces += run_questions(answerer, None, questions, load_gold(pack.gold)).traces
    fitted = calibrate(traces)
    if fitted is None:
        raise WaymarkError("no refusal model could be fitted on the dev questions")
    model, stats = fitted
    sources = [f"{pack.questions} ({len(questions)}"
               + (" of the dev split)" if pack is golden else ")") for pack, questions in sets]
    return AnswerCalibration(model, weight, "dev: " + ", ".join(sources)), {
        "dense_weight_mrr": {str(w): round(v, 4) for w, v in mrr.items()},
        "refusal_C": stats["C"], "dev_refusal_recall": stats["refusal_recall"],
        "dev_false_refusal_rate": stats["false_refusal_rate"],
        "fitted_at": dt.date.today().isoformat(), "command": "waymark eval --calibrate"}


def _ingested(pack: Pack, settings: Settings, data_dir: Path) -> Store:
    scratch_settings = settings.model_copy(update={"data_dir": data_dir})
    report = ingest([pack.knowledge], scratch_settings)
    if report.failed:
        raise WaymarkError(f"{pack.knowledge} does not ingest cleanly: "
                           + "; ".join(f.error for f in report.failed))
    return open_store(scratch_settings)


def _mean_rank(stores: list[tuple[Store, Pack, list[dict[str, Any]]]], embeddings: Embeddings,
               weight: float) -> float:
    """Mean reciprocal rank of the expected documents over the answerable questions."""
    ranks = []
    for store, _, questions in stores:
        retriever = HybridRetriever(store, embeddings, weight)
        for q in questions:
            if not q["refuse"]:
                docs = [p.doc.doc_id for p in retriever.passages(q["question"], TOP_K)]
                ranks.append(reciprocal_rank(list(dict.fromkeys(docs)), set(q["expect_docs"])))
    return sum(ranks) / max(len(ranks), 1)
