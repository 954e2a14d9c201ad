"""The readers' trained heads: linear layers over a text's MiniLM vector and its character
n-grams (TF-IDF), shipped as small weights.

- `risk`: one sigmoid, immediate risk to a child or not;
- `risk_kind`: a softmax over the national immediate-risk categories (which kind of risk);
- `needs`: one sigmoid per national need category.
`waymark train` fits them (evals/train_readers.py) and writes `waymark/data/readers.npz`, with
its provenance (corpus digests, counts, regularisation, cuts and where they were fitted) in
`waymark/data/readers.json`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
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
    """N-grams with their IDF weights (scikit-learn's TF-IDF with a fixed vocabulary)."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    weight: float  # how much the n-grams count beside the vector
    analyzer: str  # "char_wb" (character n-grams within words) or "word"
    ngrams: tuple[int, int]

    @cached_property
    def _vectorizer(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(vocabulary=self.vocabulary, analyzer=self.analyzer,
                                     ngram_range=self.ngrams, sublinear_tf=True)
        vectorizer.idf_ = self.idf
        return vectorizer

    @cached_property
    def _analyse(self) -> Callable[[str], list[str]]:
        analyse: Callable[[str], list[str]] = self._vectorizer.build_analyzer()
        return analyse

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """What `TfidfVectorizer.transform` gives (sublinear tf, idf, l2 norm), times the
        lexicon's weight, without its checks: they cost more than the transform of a short
        text, and the lexicon is fixed."""
        indptr, indices, values = [0], [], []
        for text in texts:
            counts = Counter(i for gram in self._analyse(text)
                             if (i := self.vocabulary.get(gram)) is not None)
            if counts:
                index = np.fromiter(counts, dtype=np.int64)
                tfidf = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) \
                    * self.idf[index]
                indices += index.tolist()
                values += (tfidf / np.linalg.norm(tfidf) * self.weight).tolist()
            indptr.append(len(indices))
        return sparse.csr_matrix((values, indices, indptr),
                                 shape=(len(texts), len(self.vocabulary)))


@dataclass(frozen=True)
class Features:
    """The rows a head reads: each text's vector beside its n-grams, kept apart so that reading
    a question costs two small products rather than building one wide sparse matrix."""

    vectors: np.ndarray  # (texts, 384)
    lexical: sparse.csr_matrix  # (texts, vocabulary)

    def __getitem__(self, rows: list[int] | np.ndarray) -> Features:
        return Features(self.vectors[rows], self.lexical[rows])

    def matrix(self) -> sparse.csr_matrix:
        """Both parts as one matrix, as the trainer fits them."""
        return sparse.hstack([sparse.csr_matrix(self.vectors), self.lexical]).tocsr()


def features(vectors: np.ndarray, lexical: sparse.csr_matrix) -> sparse.csr_matrix:
    return Features(vectors, lexical).matrix()


@dataclass(frozen=True)
class Head:
    labels: list[str]
    weights: np.ndarray  # (labels, 384 + vocabulary)
    bias: np.ndarray  # (labels,)
    softmax: bool
    centroids: np.ndarray = field(repr=False)  # (labels, 384): mean vector of each label

    @cached_property
    def _vector_columns(self) -> np.ndarray:
        return np.ascontiguousarray(self.weights[:, :DIMENSIONS].T)

    @cached_property
    def _lexical_columns(self) -> np.ndarray:
        """The n-grams' weights as contiguous columns: a sparse row times them needs no copy."""
        return np.ascontiguousarray(self.weights[:, DIMENSIONS:].T)

    def probabilities(self, x: Features) -> np.ndarray:
        logits = x.vectors @ self._vector_columns + np.asarray(x.lexical @ self._lexical_columns) \
            + self.bias
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
    risk_lexicon: Lexicon  # for risk and risk_kind
    needs_lexicon: Lexicon
    provenance: dict[str, Any]

    @property
    def cuts(self) -> dict[str, float]:
        return dict(self.provenance.get("cuts", {}))

    def risk_features(self, vectors: np.ndarray, texts: list[str]) -> Features:
        return Features(vectors, self.risk_lexicon.transform(texts))

    def needs_features(self, vectors: np.ndarray, texts: list[str]) -> Features:
        return Features(vectors, self.needs_lexicon.transform(texts))


LEXICONS = ("risk_lexicon", "needs_lexicon")


def save_heads(heads: Heads, weights: Path = WEIGHTS, provenance: Path = PROVENANCE) -> None:
    arrays: dict[str, np.ndarray] = {}
    record: dict[str, Any] = dict(heads.provenance)
    for name in LEXICONS:
        lexicon: Lexicon = getattr(heads, name)
        arrays[f"{name}_idf"] = lexicon.idf.astype(np.float32)
        record[name] = {"weight": lexicon.weight, "analyzer": lexicon.analyzer,
                        "ngrams": list(lexicon.ngrams),
                        "vocabulary": sorted(lexicon.vocabulary,
                                             key=lexicon.vocabulary.__getitem__)}
    for name in HEAD_NAMES:
        head: Head = getattr(heads, name)
        arrays[f"{name}_weights"] = head.weights.astype(np.float16)
        arrays[f"{name}_bias"] = head.bias.astype(np.float32)
        arrays[f"{name}_centroids"] = head.centroids.astype(np.float16)
        record[f"{name}_labels"] = head.labels
    np.savez_compressed(weights, allow_pickle=False, **arrays)
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
        lexicons = {name: Lexicon({w: i for i, w in enumerate(record[name]["vocabulary"])},
                                  arrays[f"{name}_idf"].astype(np.float64),
                                  record[name]["weight"], record[name]["analyzer"],
                                  tuple(record[name]["ngrams"]))
                    for name in LEXICONS}
    info = {k: v for k, v in record.items() if k not in LEXICONS}
    return Heads(heads["risk"], heads["risk_kind"], heads["needs"], lexicons["risk_lexicon"],
                 lexicons["needs_lexicon"], info)


@cache
def shipped_heads() -> Heads | None:
    """The heads in the installed package (read once: they change only with a release)."""
    return load_heads()
