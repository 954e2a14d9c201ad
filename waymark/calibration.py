"""The answer pipeline's fitted constants in one place, with where they came from.

`waymark eval --calibrate` fits them on the dev split of the golden questions and writes
`data/answer_calibration.json`; nothing else sets them. The test split and the packs under
evals/packs/ are never fitted on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from waymark.refusal import NEVER_REFUSES, RefusalModel

CALIBRATION_FILE = Path(__file__).parent / "data" / "answer_calibration.json"
DEFAULT_DENSE_WEIGHT = 0.7  # before any fit: the weight of the first wave


@dataclass(frozen=True)
class AnswerCalibration:
    refusal: RefusalModel
    dense_weight: float = DEFAULT_DENSE_WEIGHT  # retrieval: w * cosine + (1 - w) * bm25
    fitted_on: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"dense_weight": self.dense_weight, "refusal": self.refusal.to_json(),
                "fitted_on": self.fitted_on}


UNFITTED = AnswerCalibration(NEVER_REFUSES)


@cache
def shipped() -> AnswerCalibration:
    record = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    return AnswerCalibration(RefusalModel.from_json(record["refusal"]),
                             record.get("dense_weight", DEFAULT_DENSE_WEIGHT),
                             record.get("fitted_on", ""))


def write(calibration: AnswerCalibration, provenance: dict[str, Any],
          path: Path = CALIBRATION_FILE) -> None:
    """Write fitted constants with their provenance (what, when, by which command)."""
    path.write_text(json.dumps({**calibration.to_json(), **provenance}, indent=2) + "\n",
                    encoding="utf-8")
    shipped.cache_clear()
