"""`waymark eval` on the golden pack: every DESIGN.md bar holds and the baseline is beaten."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from waymark.evals.ask_eval import Trace, calibrate, reciprocal_rank
from waymark.evals.runner import below_target, check_floors
from waymark.refusal import FEATURES, Reference, Signals

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_golden_pack_meets_the_bars(tmp_path: Path) -> None:
    env = {**os.environ, "WAYMARK_DATA_DIR": str(tmp_path / "unused")}
    result = subprocess.run([sys.executable, "-m", "waymark.cli", "eval", "--json"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=900)
    report = json.loads(result.stdout)
    assert result.returncode == 0, report["failures"]
    metrics, baseline = report["metrics"], report["baseline"]
    assert report["questions"] >= 250 and report["vignettes"] >= 40
    # the headline is the test split; dev (where the refusal model was fitted) sits beside it
    assert metrics["questions"] >= 0.4 * report["questions"]
    assert report["dev"]["questions"] + metrics["questions"] == report["questions"]
    assert metrics["recall_at_5"] >= 0.95 and metrics["citation_validity"] == 1.0
    assert metrics["recall_at_5"] > baseline["recall_at_5"]
    assert metrics["recall_at_cited"] > baseline["recall_at_cited"]
    assert baseline["refusal_recall"] == 0.0 and metrics["refusal_recall"] >= 0.35
    assert metrics["mrr"] > baseline["mrr"]
    assert metrics["escalation_recall"] == 1.0
    notes = metrics["notes"]
    assert notes["test"]["notes"] >= 60 and notes["dev"]["notes"] >= 60
    assert {"child_ages", "adult_ages", "needs", "escalation_recall", "false_alarms"} \
        <= set(notes["test"])


def test_floors_fail_on_a_regression_and_bars_show_what_is_left() -> None:
    good = {"recall_at_5": 0.97, "mrr": 0.9, "recall_at_cited": 0.93, "citation_validity": 1.0,
            "refusal_recall": 0.7, "false_refusal_rate": 0.04, "gold_support": 0.75,
            "escalation_recall": 1.0}
    assert check_floors(good, {"recall_at_5": 0.9, "mrr": 0.8}) == []
    assert below_target(good) == ["recall_at_cited = 0.93 misses >= 0.95",
                                  "refusal_recall = 0.7 misses >= 0.9",
                                  "gold_support = 0.75 misses >= 0.85"]
    worse = {**good, "citation_validity": 0.99, "refusal_recall": 0.3}
    failures = check_floors(worse, {"recall_at_5": 0.98, "mrr": 0.8})
    assert "citation_validity = 0.99 misses >= 1.0" in failures
    assert "refusal_recall = 0.3 misses >= 0.62" in failures
    assert "recall_at_5 = 0.97 does not beat the baseline (0.98)" in failures
    notes = {**good, "notes": {"test": {"escalation_recall": 0.9, "child_ages": {"f1": 0.99}}}}
    failures = check_floors(notes, {"recall_at_5": 0.9, "mrr": 0.8})
    assert failures == ["notes (test split) escalation_recall = 0.9 misses >= 0.95"]


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(["a", "b", "c"], {"c"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a"], {"z"}) == 0.0


def _signals(coverage: float, unknown: float) -> Signals:
    return Signals(dense=0.5, dense_z=3.0, coverage=coverage, sentence=coverage,
                   missing_max=1 - coverage, unknown=unknown, unseen_pairs=unknown, words=6)


def test_calibration_separates_and_leans_to_answering() -> None:
    rng = random.Random(7)
    traces = [Trace(f"in{i}", False, _signals(rng.uniform(0.5, 1.0), rng.uniform(0, 0.2)), False)
              for i in range(40)]
    traces += [Trace(f"out{i}", True, _signals(rng.uniform(0.0, 0.4), rng.uniform(0.3, 1.0)),
                     False) for i in range(20)]
    traces.append(Trace("unstated", True, _signals(0.9, 0.0), True))
    fitted = calibrate(traces)
    assert fitted is not None
    model, stats = fitted
    assert stats["refusal_recall"] == 1.0 and stats["false_refusal_rate"] == 0.0
    # more of the question's words held, fewer unknown: more likely answerable
    assert model.answerable(_signals(0.9, 0.0)) > model.answerable(_signals(0.2, 0.8))
    assert model.weights[FEATURES.index("coverage")] > 0
    assert model.weights[FEATURES.index("unknown")] < 0
    # the cut sits between the two groups, not on the last out-of-scope question
    outside = max(model.answerable(t.signals) for t in traces
                  if t.refuse and t.signals and not t.unstated)
    inside = min(model.answerable(t.signals) for t in traces if not t.refuse and t.signals)
    assert outside < model.cut < inside
    assert calibrate(traces[:3]) is None  # too few of each to fit


def test_reference_places_a_cosine_among_the_probes() -> None:
    reference = Reference([0.1, 0.2, 0.3, 0.2])
    assert reference.z(0.2) == pytest.approx(0.0)
    assert reference.z(0.6) > 4
    assert Reference([]).z(0.9) == 0.0
