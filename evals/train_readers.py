"""`waymark train`: fit the readers' heads on the training corpus and their cuts on the dev split
of the evaluation notes, and write both with where they came from.

- Heads (waymark/reading/heads.py) are fitted on evals/training/*.jsonl only: texts written
  blind, by people who never saw the engine or the evaluation notes.
- Cuts are fitted on the dev split of evals/notes/ (notes and risk texts) read against a
  knowledge folder's taxonomy (the starter one by default). The test split is never looked at
  here; `waymark eval` reports it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import sparse

from waymark.evals.notes_eval import NoteReaderFactory, load_notes
from waymark.evals.runner import DEV_PACKS
from waymark.evals.splits import split
from waymark.extract import extract_family
from waymark.reading.heads import Head, Heads, Lexicon, features, load_heads, save_heads
from waymark.reading.meaning import reading_model
from waymark.reading.units import UnitEncoder

CALM = "calm"
REGULARISATION = [1.0, 4.0, 16.0]  # C values tried on the corpus' own holdout
MIN_DOCUMENTS = 3  # an n-gram in fewer training texts is noise, not vocabulary
MAX_NGRAMS = 20000  # keeps the shipped weights small
# Which n-grams count beside the vector, and how much. Risk: chosen on the dev split of
# evals/notes and the golden vignettes (false alarms at full recall): word 1-2-grams at weight 1
# gave 0.31 / 0.19, character 3-5-grams at weight 2 gave 0.22 / 0.04. Needs: word 1-2-grams
# (holdout micro-F1 0.62 against 0.58 for character n-grams).
RISK_NGRAMS = ("char_wb", (3, 5), 2.0)
NEEDS_NGRAMS = ("word", (1, 2), 1.0)


def load_corpus(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """(risk items, needs items, file digests) from every *.jsonl under `folder`."""
    risk: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    digests = []
    for path in sorted(folder.glob("*.jsonl")):
        raw = path.read_bytes()
        digests.append(f"{path.name}:{hashlib.sha256(raw).hexdigest()[:16]}")
        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError(f"{path}:{number}: each line needs a 'text' string")
            if "label" in item:
                risk.append(item)
            elif isinstance(item.get("labels"), list):
                needs.append(item)
            else:
                raise ValueError(f"{path}:{number}: give 'label' (risk) or 'labels' (needs)")
    return risk, needs, digests


def encode(texts: list[str], cache: Path) -> np.ndarray:
    """Whole-text vectors, remembered by text digest so a re-run only embeds new texts."""
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache) as stored:
            known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    encoder = UnitEncoder(reading_model())
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    for key, text in zip(keys, texts, strict=True):
        if key not in known:
            known[key] = encoder.whole(text).astype(np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, keys=np.array(list(known)), vectors=np.vstack(list(known.values())))
    return np.vstack([known[k] for k in keys])


def _holdout(n: int) -> np.ndarray:
    """Every fifth item, for choosing the regularisation: the same items on every run."""
    return np.arange(n) % 5 == 0


def _logistic(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


def _choose_c(x: sparse.csr_matrix, y: np.ndarray, score: Any) -> tuple[float, dict[str, float]]:
    held = _holdout(len(y))
    scores = {str(c): round(float(score(_logistic(c).fit(x[~held], y[~held]), x[held], y[held])),
                            4) for c in REGULARISATION}
    best = max(REGULARISATION, key=lambda c: (scores[str(c)], -c))
    return best, scores


def _auroc(model: Any, x: sparse.csr_matrix, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, model.predict_proba(x)[:, 1]))


def _accuracy(model: Any, x: sparse.csr_matrix, y: np.ndarray) -> float:
    return float((model.predict(x) == y).mean())


def _centroids(vectors: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    return np.vstack([vectors[m].mean(axis=0) for m in members])


def _fit_binary(x: sparse.csr_matrix, vectors: np.ndarray, y: np.ndarray, label: str
                ) -> tuple[Head, dict[str, Any]]:
    c, scores = _choose_c(x, y, _auroc)
    model = _logistic(c).fit(x, y)
    head = Head([label], model.coef_, model.intercept_, False, _centroids(vectors, [y == 1]))
    return head, {"C": c, "holdout_auroc": scores}


def _fit_softmax(x: sparse.csr_matrix, vectors: np.ndarray, labels: list[str]
                 ) -> tuple[Head, dict[str, Any]]:
    names = sorted(set(labels))
    y = np.array([names.index(label) for label in labels])
    c, scores = _choose_c(x, y, _accuracy)
    model = _logistic(c).fit(x, y)
    head = Head(names, model.coef_, model.intercept_, True,
                _centroids(vectors, [y == i for i in range(len(names))]))
    return head, {"C": c, "holdout_accuracy": scores}


def _fit_sigmoids(x: sparse.csr_matrix, vectors: np.ndarray, label_sets: list[list[str]]
                  ) -> tuple[Head, dict[str, Any]]:
    names = sorted({label for labels in label_sets for label in labels})
    y = np.array([[name in labels for name in names] for labels in label_sets], dtype=int)
    held = _holdout(len(y))
    scores = {}
    for c in REGULARISATION:
        hits = total = 0
        for j in range(len(names)):
            predicted = _logistic(c).fit(x[~held], y[~held, j]).predict(x[held])
            hits += int(((predicted == 1) & (y[held, j] == 1)).sum())
            total += int((predicted == 1).sum() + (y[held, j] == 1).sum())
        scores[str(c)] = round(2 * hits / total, 4) if total else 0.0
    best = max(REGULARISATION, key=lambda c: (scores[str(c)], -c))
    models = [_logistic(best).fit(x, y[:, j]) for j in range(len(names))]
    head = Head(names, np.vstack([m.coef_[0] for m in models]),
                np.array([m.intercept_[0] for m in models]), False,
                _centroids(vectors, [y[:, j] == 1 for j in range(len(names))]))
    return head, {"C": best, "holdout_micro_f1": scores}


def fit_heads(training: Path) -> Heads:
    risk, needs, digests = load_corpus(training)
    cache = training / ".vectors.npz"
    items = risk + needs
    texts = [i["text"] for i in items]
    vectors = encode(texts, cache)
    # needs texts describe no immediate risk (their writers' brief), so they are calm for risk;
    # but not those marked "teaches": "needs", written to a brief that calls a pattern of
    # exploitation or going missing a need ("a 13-year-old found in a car with two men at
    # night, the third time this month") where the risk texts call it an emergency
    for_risk = np.array([n for n, i in enumerate(items) if i.get("teaches") != "needs"])
    risk_texts = [texts[n] for n in for_risk]
    risk_lexicon = _lexicon(risk_texts, *RISK_NGRAMS)
    needs_lexicon = _lexicon(texts, *NEEDS_NGRAMS)
    x = features(vectors[for_risk], risk_lexicon.transform(risk_texts))
    is_risk = np.array([items[n].get("label", CALM) != CALM for n in for_risk], dtype=int)
    risk_head, risk_fit = _fit_binary(x, vectors[for_risk], is_risk, "risk")
    risk_fit["needs_only_texts"] = len(items) - len(for_risk)
    kinds = np.flatnonzero(is_risk)
    kind_head, kind_fit = _fit_softmax(x[kinds], vectors[for_risk[kinds]],
                                       [str(items[for_risk[i]]["label"]) for i in kinds])
    # texts written as "nothing of concern here" (`near: none`: bare facts, admin) are negatives
    # for every need too
    plain = [n for n, i in enumerate(risk) if i.get("near") == "none"]
    needs_rows = np.array(plain + list(range(len(risk), len(items))))
    label_sets = [[] for _ in plain] + [list(i["labels"]) for i in needs]
    needs_x = features(vectors[needs_rows],
                       needs_lexicon.transform([items[n]["text"] for n in needs_rows]))
    needs_head, needs_fit = _fit_sigmoids(needs_x, vectors[needs_rows], label_sets)
    provenance = {
        "trained": dt.date.today().isoformat(),
        "command": "waymark train",
        "corpus": digests,
        "risk_counts": dict(Counter(str(items[n].get("label", CALM)) for n in for_risk)),
        "needs_counts": dict(Counter(label for i in needs for label in i["labels"])),
        "risk_fit": risk_fit, "risk_kind_fit": kind_fit, "needs_fit": needs_fit,
        "ngrams": {"risk": len(risk_lexicon.vocabulary), "needs": len(needs_lexicon.vocabulary)},
    }
    return Heads(risk_head, kind_head, needs_head, risk_lexicon, needs_lexicon, provenance)


def _lexicon(texts: list[str], analyzer: str, ngrams: tuple[int, int], weight: float) -> Lexicon:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, min_df=MIN_DOCUMENTS,
                                 sublinear_tf=True, max_features=MAX_NGRAMS).fit(texts)
    return Lexicon({w: int(i) for w, i in vectorizer.vocabulary_.items()}, vectorizer.idf_,
                   weight, analyzer, ngrams)


def _halfway_cut(positives: list[float], negatives: list[float]) -> float:
    """The cut that keeps every positive, placed halfway to the closest negative below."""
    lowest = min(positives)
    below = [n for n in negatives if n < lowest]
    return round((lowest + max(below)) / 2 if below else lowest * 0.9, 4)


def _balanced_cut(positives: list[float], negatives: list[float]) -> float:
    """The cut where the most risk is caught for the fewest false alarms (Youden's J)."""
    candidates = sorted(set(positives))
    pos, neg = np.array(positives), np.array(negatives)
    best = max(candidates, key=lambda c: ((pos >= c).mean() - (neg >= c).mean(), c))
    return round(float(best), 4)


def fit_cuts(heads: Heads, notes_dir: Path, knowledge: Path) -> dict[str, Any]:
    """Risk and needs cuts from the dev split of the evaluation notes."""
    notes, texts = load_notes(notes_dir)
    dev_notes, _ = split(notes, "escalate")
    dev_texts, _ = split(texts, "risk")
    # everything the heads find, with its probability; no risk becomes a family fact here
    open_heads = replace(heads, provenance={**heads.provenance, "cuts": {
        "risk": 0.0, "risk_firm": 2.0, "needs": 0.0}})
    factory = NoteReaderFactory(open_heads, knowledge)
    risk_pos: list[float] = []
    risk_neg: list[float] = []
    for text, risky in [*((n["text"], bool(n["escalate"])) for n in dev_notes),
                        *((t["text"], bool(t["risk"])) for t in dev_texts)]:
        if factory.phrase_risk(text):
            continue  # the area's own phrases already escalate it
        probability = factory.reader.read(text, needs=False).risk_probability
        (risk_pos if risky else risk_neg).append(probability)
    risk_cut = _halfway_cut(risk_pos, risk_neg) if risk_pos else 0.5
    firm_cut = _balanced_cut(risk_pos, risk_neg) if risk_pos and risk_neg else 0.5
    areas = [(factory, dev_notes), *_dev_pack_vignettes(open_heads)]
    needs_cut, needs_f1 = _needs_cut(areas)
    return {"risk": risk_cut, "risk_firm": max(firm_cut, risk_cut), "needs": needs_cut,
            "fitted_on": f"dev split of {notes_dir} ({len(dev_notes)} notes, {len(dev_texts)} "
                         f"risk texts) against {knowledge}",
            "needs_fitted_on": f"the dev notes against {knowledge}, and "
                               + ", ".join(f"{len(items)} vignettes against {f.knowledge}"
                                           for f, items in areas[1:]),
            "dev_needs_f1_at_cut": needs_f1,
            "dev_risk_items_left_to_meaning": {"risk": len(risk_pos), "calm": len(risk_neg)}}


def _dev_pack_vignettes(heads: Heads) -> list[tuple[NoteReaderFactory, list[dict[str, Any]]]]:
    """Each dev pack's vignettes with the readers of its own knowledge: needs read against
    another area's (thin) taxonomy count in the fit as much as the starter one's."""
    areas = []
    for vignettes in sorted(DEV_PACKS.glob("*/vignettes.yaml")):
        items = yaml.safe_load(vignettes.read_text(encoding="utf-8")) or []
        areas.append((NoteReaderFactory(heads, vignettes.parent / "knowledge"), items))
    return areas


def _needs_cut(areas: list[tuple[NoteReaderFactory, list[dict[str, Any]]]]
               ) -> tuple[float, float]:
    """The needs cut with the best micro-F1 over every area's notes, through the same
    extraction the routes use."""
    read = []
    for factory, notes in areas:
        for note in notes:
            facts = extract_family(note["text"], factory.needs_index, reader=factory.reader)
            found = {(e["value"], e.get("confidence", 1.0)) for e in facts.evidence
                     if e["fact"] == "need"}
            family = note["family"]
            read.append((found, set(family.get("needs") or [])
                         | set(family.get("circumstances") or [])))
    best = (0.0, 0.5)
    for cut in np.arange(0.30, 0.96, 0.025):
        hits = total = 0
        for found, gold in read:
            kept = {term for term, confidence in found if confidence >= cut}
            hits += len(kept & gold)
            total += len(kept) + len(gold)
        f1 = 2 * hits / total if total else 0.0
        if f1 > best[0]:
            best = (f1, round(float(cut), 3))
    return best[1], round(best[0], 4)


def train(training: Path, notes_dir: Path, knowledge: Path, cuts_only: bool = False
          ) -> dict[str, Any]:
    """Fit the heads on the training corpus (or keep the shipped ones, `cuts_only`) and their
    cuts on the dev split of the evaluation notes; write both with their provenance."""
    shipped = load_heads() if cuts_only else None
    if cuts_only and shipped is None:
        raise FileNotFoundError("no readers are shipped yet: run waymark train without "
                                "--cuts-only")
    heads = shipped or fit_heads(training)
    cuts = fit_cuts(heads, notes_dir, knowledge)
    heads = replace(heads, provenance={**heads.provenance, "cuts": cuts})
    save_heads(heads)
    return heads.provenance
