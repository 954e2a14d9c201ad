"""The cuts that decide whether retrieved guidance answers a question, with where they came
from. `waymark eval --calibrate` fits them on the dev split of the golden questions and writes
waymark/data/refusal_cuts.json; nothing else sets them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CUTS_FILE = Path(__file__).parent / "data" / "refusal_cuts.json"


@dataclass(frozen=True)
class RefusalCuts:
    """Refuse when the best passage is semantically further than `min_dense`, or the question's
    weighted words are covered less than `min_coverage` by the best passages or less than
    `min_sentence` by any one sentence of them."""

    min_dense: float
    min_coverage: float
    min_sentence: float
    fitted_on: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"min_dense": self.min_dense, "min_coverage": self.min_coverage,
                "min_sentence": self.min_sentence, "fitted_on": self.fitted_on}


@cache
def shipped_cuts() -> RefusalCuts:
    record = json.loads(CUTS_FILE.read_text(encoding="utf-8"))
    return RefusalCuts(record["min_dense"], record["min_coverage"], record["min_sentence"],
                       record["fitted_on"])


def write_cuts(cuts: RefusalCuts, provenance: dict[str, Any], path: Path = CUTS_FILE) -> None:
    """Write fitted cuts with their provenance (what they were fitted on, when, by what)."""
    path.write_text(json.dumps({**cuts.to_json(), **provenance}, indent=2) + "\n",
                    encoding="utf-8")
    shipped_cuts.cache_clear()
