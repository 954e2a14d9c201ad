"""`waymark eval` on the golden pack: every DESIGN.md bar holds and the baseline is beaten."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.ask_eval import Trace, calibrate, reciprocal_rank
from evals.runner import check_bars

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_golden_pack_meets_the_bars(tmp_path: Path) -> None:
    env = {**os.environ, "WAYMARK_DATA_DIR": str(tmp_path / "unused")}
    result = subprocess.run([sys.executable, "-m", "waymark.cli", "eval", "--json"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=900)
    report = json.loads(result.stdout)
    assert result.returncode == 0, report["failures"]
    metrics, baseline = report["metrics"], report["baseline"]
    assert report["questions"] >= 80 and report["vignettes"] >= 40
    assert metrics["recall_at_5"] >= 0.95 and metrics["citation_validity"] == 1.0
    assert metrics["recall_at_5"] > baseline["recall_at_5"]
    assert metrics["mrr"] > baseline["mrr"]
    assert metrics["escalation_recall"] == 1.0
    notes = metrics["notes"]
    assert notes["test"]["notes"] >= 60 and notes["dev"]["notes"] >= 60
    assert {"child_ages", "adult_ages", "needs", "escalation_recall", "false_alarms"} \
        <= set(notes["test"])


def test_bar_checks_fail_on_a_miss_and_on_not_beating_the_baseline() -> None:
    good = {"recall_at_5": 0.97, "mrr": 0.9, "citation_validity": 1.0,
            "refusal_recall": 1.0, "false_refusal_rate": 0.05, "escalation_recall": 1.0,
            "citation_in_expected": 1.0}
    assert check_bars(good, {"recall_at_5": 0.9, "mrr": 0.8}) == []
    worse = {**good, "citation_validity": 0.99, "refusal_recall": 0.5,
             "citation_in_expected": 0.9}
    failures = check_bars(worse, {"recall_at_5": 0.98, "mrr": 0.8})
    assert "citation_validity = 0.99 misses the bar >= 1.0" in failures
    assert "refusal_recall = 0.5 misses the bar >= 1.0" in failures
    assert "citation_in_expected = 0.9 misses the bar >= 1.0" in failures
    assert "recall_at_5 = 0.97 does not beat the baseline (0.98)" in failures
    notes = {**good, "notes": {"test": {"escalation_recall": 0.9, "child_ages": {"f1": 0.99}}}}
    failures = check_bars(notes, {"recall_at_5": 0.9, "mrr": 0.8})
    assert failures == ["notes (test split) escalation_recall = 0.9 misses the floor >= 0.95"]


def test_reciprocal_rank_and_calibration() -> None:
    assert reciprocal_rank(["a", "b", "c"], {"c"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a"], {"z"}) == 0.0
    traces = [Trace("in1", False, 0.6, 0.9, 0.8, False), Trace("in2", False, 0.5, 0.7, 0.6, False),
              Trace("out1", True, 0.3, 0.2, 0.1, False), Trace("out2", True, 0.4, 0.9, 0.5, True)]
    cut = calibrate(traces)
    assert cut["refusal_recall"] == 1.0 and cut["false_refusal_rate"] == 0.0
    # any one axis separates them; of equally good cuts the strictest is kept on every axis,
    # halfway between the last out-of-scope value below and the answerable one above
    assert cut["min_dense"] == pytest.approx(0.45)
    assert cut["min_coverage"] == pytest.approx(0.45)
    assert cut["min_sentence"] == pytest.approx(0.55)
