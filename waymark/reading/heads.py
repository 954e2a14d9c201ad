"""The readers' trained heads: linear layers over a text's MiniLM vector and its word n-grams
(TF-IDF), shipped as small weights.

- `risk`: one sigmoid, immediate risk to a child or not;
- `risk_kind`: a softmax over the national immediate-risk categories (which kind of risk);
- `needs`: one sigmoid per national need category.
`waymark train` fits them (evals/train_readers.py) and writes `waymark/data/readers.npz`, with
its provenance (corpus digests, counts, regularisation, cuts and where they were fitted) in
`waymark/data/readers.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

DATA = Path(__file__).resolve().parent.parent / "data"
WEIGHTS = DATA / "readers.npz"
PROVENANCE = DATA / "readers.json"
DIMENSIONS = 384
HEAD_NAMES = ("risk", "risk_kind", "needs")


@dataclass(frozen=True)
class Lexicon:
    """Word uni- and bigrams with their IDF weights (scikit-learn's TF-IDF, fixed vocabulary)."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    weight: float  # how much the words count beside the vector

    @cached_property
    def _vectorizer(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(vocabulary=self.vocabulary, ngram_range=(1, 2),
                                     sublinear_tf=True)
        vectorizer.idf_ = self.idf
        return vectorizer

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.csr_matrix(self._vectorizer.transform(texts) * self.weight)


def features(vectors: np.ndarray, lexical: sparse.csr_matrix) -> sparse.csr_matrix:
    return sparse.hstack([sparse.csr_matrix(vectors), lexical]).tocsr()


@dataclass(frozen=True)
class Head:
    labels: list[str]
    weights: np.ndarray  # (labels, 384 + vocabulary)
    bias: np.ndarray  # (labels,)
    softmax: bool
    centroids: np.ndarray = field(repr=False)  # (labels, 384): mean vector of each label

    def probabilities(self, x: sparse.csr_matrix) -> np.ndarray:
        logits = np.asarray(x @ self.weights.T) + self.bias
        if self.softmax:
            logits = logits - logits.max(axis=-1, keepdims=True)
            exp = np.exp(logits)
            return np.asarray(exp / exp.sum(axis=-1, keepdims=True))
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))


@dataclass(frozen=True)
class Heads:
    risk: Head
    risk_kind: Head
    needs: Head
    lexicon: Lexicon
    provenance: dict[str, Any]

    @property
    def cuts(self) -> dict[str, float]:
        return dict(self.provenance.get("cuts", {}))

    def features(self, vectors: np.ndarray, texts: list[str]) -> sparse.csr_matrix:
        return features(vectors, self.lexicon.transform(texts))


def save_heads(heads: Heads, weights: Path = WEIGHTS, provenance: Path = PROVENANCE) -> None:
    arrays: dict[str, np.ndarray] = {"idf": heads.lexicon.idf.astype(np.float32)}
    for name in HEAD_NAMES:
        head: Head = getattr(heads, name)
        arrays[f"{name}_weights"] = head.weights.astype(np.float16)
        arrays[f"{name}_bias"] = head.bias.astype(np.float32)
        arrays[f"{name}_centroids"] = head.centroids.astype(np.float16)
    np.savez_compressed(weights, allow_pickle=False, **arrays)
    words = heads.lexicon.vocabulary
    record = {**heads.provenance, "lexical_weight": heads.lexicon.weight,
              "vocabulary": sorted(words, key=lambda w: words[w]),
              **{f"{name}_labels": getattr(heads, name).labels for name in HEAD_NAMES}}
    provenance.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_heads(weights: Path = WEIGHTS, provenance: Path = PROVENANCE) -> Heads | None:
    """The heads in these files, or None when they have not been trained."""
    if not weights.exists() or not provenance.exists():
        return None
    record = json.loads(provenance.read_text(encoding="utf-8"))
    with np.load(weights) as arrays:
        heads = {name: Head(record[f"{name}_labels"],
                            arrays[f"{name}_weights"].astype(np.float32),
                            arrays[f"{name}_bias"], name == "risk_kind",
                            arrays[f"{name}_centroids"].astype(np.float32))
                 for name in HEAD_NAMES}
        lexicon = Lexicon({w: i for i, w in enumerate(record["vocabulary"])},
                          arrays["idf"].astype(np.float64), record["lexical_weight"])
    info = {k: v for k, v in record.items() if k != "vocabulary"}
    return Heads(heads["risk"], heads["risk_kind"], heads["needs"], lexicon, info)


@cache
def shipped_heads() -> Heads | None:
    """The heads in the installed package (read once: they change only with a release)."""
    return load_heads()
