"""Whether the retrieved guidance answers a question: one logistic model over a few signals
that mean the same in any council's documents, with the semantic signal read against the
knowledge base itself.

How close a passage's meaning must be depends on the documents and on the embedding model (a
cosine of 0.45 is far for one, near for another). So each knowledge base is probed with a fixed
bank of questions no early help guidance answers (`data/out_of_scope.jsonl`, written blind:
other domains, the domain's words in other senses, neighbouring public services, operational
facts guidance never states), and a question's best cosine counts by how far it stands above
theirs. The other signals are shares of the question's own words, so they transfer as they are.
The model's weights and cut are fitted on the dev split of the golden questions by
`waymark eval --calibrate` and shipped with their provenance (`waymark/calibration.py`).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from waymark.store import Snapshot, Store

DATA = Path(__file__).parent / "data"
BANK_FILE = DATA / "out_of_scope.jsonl"
FEATURES = ("dense_z", "coverage", "sentence", "missing_max", "unknown", "unseen_pairs",
            "log_words")


@dataclass(frozen=True)
class Signals:
    """What the refusal model reads about one question and its retrieved passages."""

    dense: float  # best cosine of a retrieved passage
    dense_z: float  # how far above this knowledge base's out-of-scope probes, in their spread
    coverage: float  # share of the question's (IDF-weighted) words in the best passages
    sentence: float  # ... in the single best sentence
    missing_max: float  # the weight share of the heaviest word missing from the best passages
    unknown: float  # share of the question's weight on words no document uses
    unseen_pairs: float  # share of adjacent word pairs no document puts together
    words: int  # content words of the question

    def vector(self) -> list[float]:
        return [self.dense_z, self.coverage, self.sentence, self.missing_max, self.unknown,
                self.unseen_pairs, math.log1p(self.words)]


@dataclass(frozen=True)
class RefusalModel:
    """P(answerable) = sigmoid(weights . signals + bias); refuse below `cut`."""

    weights: tuple[float, ...]
    bias: float
    cut: float

    def answerable(self, signals: Signals) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, signals.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def refuses(self, signals: Signals) -> bool:
        return self.answerable(signals) < self.cut

    def to_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "cut": self.cut}

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> RefusalModel:
        if tuple(record["features"]) != FEATURES:
            raise ValueError("the refusal model was fitted on other signals: run "
                             "waymark eval --calibrate")
        return cls(tuple(record["weights"]), record["bias"], record["cut"])


NEVER_REFUSES = RefusalModel((0.0,) * len(FEATURES), 0.0, 0.0)


@cache
def bank() -> tuple[str, ...]:
    lines = BANK_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line)["question"] for line in lines if line.strip())


# The bank's vectors per embedding space: the bank is fixed, so each space embeds it once.
_BANK_VECTORS: dict[str, list[list[float]]] = {}


def _bank_vectors(store: Store, embeddings: Embeddings) -> list[list[float]]:
    if store.embeddings_id not in _BANK_VECTORS:
        _BANK_VECTORS[store.embeddings_id] = embeddings.embed_documents(list(bank()))
    return _BANK_VECTORS[store.embeddings_id]


class Reference:
    """The best cosine each out-of-scope probe reaches in one knowledge base, sorted."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = sorted(scores)
        many = len(self.scores) >= 2
        self.mean = statistics.fmean(self.scores) if many else 0.0
        self.spread = (statistics.stdev(self.scores) or 1.0) if many else 0.0

    def z(self, dense: float) -> float:
        """How many spreads `dense` stands above the probes' mean."""
        return (dense - self.mean) / self.spread if self.spread else 0.0

    def to_json(self) -> dict[str, Any]:
        def at(share: float) -> float:
            return round(self.scores[int(share * (len(self.scores) - 1))], 4) \
                if self.scores else 0.0
        return {"probes": len(self.scores), "cosine_p50": at(0.5), "cosine_p90": at(0.9),
                "cosine_max": at(1.0)}


def reference(store: Store, embeddings: Embeddings, snapshot: Snapshot) -> Reference:
    """This knowledge base's out-of-scope reference, worked out once per generation."""
    def build() -> Reference:
        vectors = _bank_vectors(store, embeddings)
        return Reference(store.best_cosines(vectors, snapshot.keys))
    return snapshot.derived("out-of-scope reference", build)
