"""How well Waymark reads practitioners' notes: people, needs and immediate risk, on the
evaluation notes (evals/notes/), split into a fixed dev half (cuts are fitted on it) and a test
half (the headline), through the same case and ask paths the API serves."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from waymark.answer import Answerer
from waymark.cases import Cases
from waymark.evals.splits import split
from waymark.family import Family
from waymark.ingest.pipeline import merge_taxonomies
from waymark.loaders import load_document
from waymark.models import ThresholdMeta
from waymark.phrases import PhraseIndex
from waymark.reading.heads import Heads
from waymark.reading.meaning import MeaningReader
from waymark.reading.people import read_people
from waymark.reading.person import Person
from waymark.threshold import suggest

AGE_TOLERANCE = 0.05  # years: "10 weeks" read as 0.19 or 0.2 is the same age


def load_notes(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(notes, risk texts) of an evaluation folder; either may be missing."""
    def read(name: str) -> list[dict[str, Any]]:
        path = folder / name
        return list(yaml.safe_load(path.read_text(encoding="utf-8")) or []) \
            if path.exists() else []
    return read("notes.yaml"), read("risk_texts.yaml")


class NoteReaderFactory:
    """The phrase and meaning readers of a knowledge folder, without ingesting it (for fitting
    cuts quickly)."""

    def __init__(self, heads: Heads, knowledge: Path) -> None:
        taxonomy, failures = merge_taxonomies(sorted(knowledge.rglob("taxonomy.yaml")))
        if taxonomy is None:
            raise ValueError(f"{knowledge}: no taxonomy.yaml ({failures})")
        risk_terms: set[str] = set()
        for path in knowledge.rglob("*.md"):
            if path.stem.upper() == "README":
                continue
            meta = load_document(path, 20 * 2**20).meta
            if isinstance(meta, ThresholdMeta):
                risk_terms |= {i.need for i in meta.indicators if i.immediate_risk}
        self.knowledge = knowledge
        self.taxonomy = taxonomy
        self.reader = MeaningReader(heads, taxonomy, risk_terms)
        self.needs_index = PhraseIndex(taxonomy)
        self.risk_index = PhraseIndex(taxonomy, risk_terms)

    def phrase_risk(self, text: str) -> bool:
        return bool(self.risk_index.present(text))

    def phrase_needs(self, text: str) -> set[str]:
        return self.needs_index.present(text)


def _ages_f1(gold: list[float], read: list[float]) -> tuple[int, int, int]:
    """(matched, read, gold) ages, each gold age matched at most once."""
    left = list(read)
    matched = 0
    for age in gold:
        hit = next((a for a in left if abs(a - age) <= AGE_TOLERANCE), None)
        if hit is not None:
            left.remove(hit)
            matched += 1
    return matched, len(read), len(gold)


def _f1(hit: int, read: int, gold: int) -> dict[str, float]:
    precision = hit / read if read else 1.0
    recall = hit / gold if gold else 1.0
    f1 = 2 * hit / (read + gold) if read + gold else 1.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _known(people: list[dict[str, Any]] | None) -> list[float]:
    return [float(p["age_years"]) for p in people or [] if p.get("age_years") is not None]


def evaluate_split(cases: Cases, answerer: Answerer, notes: list[dict[str, Any]],
                   texts: list[dict[str, Any]], misses: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    timings: list[float] = []
    snapshot = cases.store.snapshot()
    for note in notes:
        started = time.perf_counter()
        case = cases.read(snapshot, None, note["text"])
        timings.append((time.perf_counter() - started) * 1000)
        for key, gold, read in _count_ages(counts, case.people, note.get("people") or {}):
            misses.append({"id": note["id"], "problem": key, "gold": gold, "read": read})
        family = note.get("family") or {}
        gold_needs = set(family.get("needs") or []) | set(family.get("circumstances") or [])
        read_needs = case.family.terms
        counts["needs_hit"] += len(gold_needs & read_needs)
        counts["needs_read"] += len(read_needs)
        counts["needs_gold"] += len(gold_needs)
        if gold_needs != read_needs:
            misses.append({"id": note["id"], "problem": "needs",
                           "missing": sorted(gold_needs - read_needs),
                           "extra": sorted(read_needs - gold_needs)})
        for fact in ("pregnant", "postcode", "consent"):
            if fact in family:
                counts[f"{fact}_gold"] += 1
                counts[f"{fact}_hit"] += getattr(case.family, fact) == family[fact]
        counts["level_n"] += 1
        gold_level = suggest(Family(needs=sorted(gold_needs)), snapshot).level
        counts["level_hit"] += suggest(case.family, snapshot).level == gold_level
        escalated = cases.escalation_for(case, snapshot) is not None
        asked = answerer.ask(note["text"])["escalation"] is not None
        _count_risk(counts, "note", bool(note.get("escalate")), escalated and asked,
                    escalated or asked, note["id"], misses)
    for item in texts:
        case = cases.read(snapshot, None, item["text"])
        escalated = cases.escalation_for(case, snapshot) is not None
        asked = answerer.ask(item["text"])["escalation"] is not None
        _count_risk(counts, "text", bool(item.get("risk")), escalated and asked,
                    escalated or asked, item["id"], misses)
    result: dict[str, Any] = {
        "notes": len(notes), "risk_texts": len(texts),
        "child_ages": _f1(counts["child_ages_hit"], counts["child_ages_read"],
                          counts["child_ages_gold"]),
        "adult_ages": _f1(counts["adult_ages_hit"], counts["adult_ages_read"],
                          counts["adult_ages_gold"]),
        "needs": _f1(counts["needs_hit"], counts["needs_read"], counts["needs_gold"]),
        "read_ms_p50": round(statistics.median(timings), 2) if timings else None,
        "threshold_level_accuracy": round(counts["level_hit"] / counts["level_n"], 4)
        if counts["level_n"] else None,
    }
    for fact in ("pregnant", "postcode", "consent"):
        if counts[f"{fact}_gold"]:
            result[f"{fact}_accuracy"] = round(counts[f"{fact}_hit"] / counts[f"{fact}_gold"], 4)
    risky = counts["risk_n"]
    calm = counts["calm_n"]
    result["escalation_recall"] = round(counts["risk_hit"] / risky, 4) if risky else None
    result["false_alarms"] = round(counts["calm_alarm"] / calm, 4) if calm else None
    return result


def _count_risk(counts: Counter[str], kind: str, risky: bool, both: bool, either: bool,
                item_id: str, misses: list[dict[str, Any]]) -> None:
    """A risky item counts only when the case route and /ask both escalate; a calm one is a
    false alarm when either does."""
    if risky:
        counts["risk_n"] += 1
        counts["risk_hit"] += both
        if not both:
            misses.append({"id": item_id, "problem": f"{kind}: immediate risk not escalated"})
    else:
        counts["calm_n"] += 1
        counts["calm_alarm"] += either
        if either:
            misses.append({"id": item_id, "problem": f"{kind}: escalated without risk"})


def people_ages(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Children's and adults' ages F1 on notes labelled with people only (people_dev.yaml)."""
    counts: Counter[str] = Counter()
    for item in items:
        _count_ages(counts, read_people(item["text"]), item)
    return {"notes": len(items), **{key: _f1(counts[f"{key}_hit"], counts[f"{key}_read"],
                                             counts[f"{key}_gold"])
                                     for key in ("child_ages", "adult_ages")}}


def _count_ages(counts: Counter[str], people: list[Person], gold: dict[str, Any]
                ) -> list[tuple[str, list[float], list[float]]]:
    """Adds the children's and adults' ages read against `gold` ({children, adults}) to
    `counts`; returns (kind, gold ages, read ages) where they differ."""
    differ = []
    for key, child in (("child_ages", True), ("adult_ages", False)):
        expected = _known(gold.get("children" if child else "adults"))
        read = [p.age_years for p in people
                if bool(p.is_child) == child and p.age_years is not None]
        hit, n_read, n_gold = _ages_f1(expected, read)
        counts[f"{key}_hit"] += hit
        counts[f"{key}_read"] += n_read
        counts[f"{key}_gold"] += n_gold
        if hit < max(n_read, n_gold):
            differ.append((key, expected, read))
    return differ


def evaluate_notes(cases: Cases, answerer: Answerer, folder: Path,
                   misses: list[dict[str, Any]]) -> dict[str, Any]:
    """Dev and test side by side; test is the headline. `people_dev.yaml`, when present, is a
    further dev set for ages (no test half: it is for finding what the people reader misses)."""
    notes, texts = load_notes(folder)
    if not notes and not texts:
        return {}
    dev_notes, test_notes = split(notes, "escalate")
    dev_texts, test_texts = split(texts, "risk")
    test_misses: list[dict[str, Any]] = []
    dev = evaluate_split(cases, answerer, dev_notes, dev_texts, [])
    extra = folder / "people_dev.yaml"
    if extra.exists():
        dev["people_dev"] = people_ages(yaml.safe_load(extra.read_text(encoding="utf-8")) or [])
    test = evaluate_split(cases, answerer, test_notes, test_texts, test_misses)
    misses += [{**m, "split": "test"} for m in test_misses]
    return {"dev": dev, "test": test}
