"""The starter knowledge base and the golden data: valid, complete, and consistent with each
other (every expected verdict follows from the front matter it depends on)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import CountingEmbeddings

from waymark.cases import Cases
from waymark.config import Settings
from waymark.ingest.pipeline import ingest, validate
from waymark.store import open_store

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE, EVALS = ROOT / "knowledge", ROOT / "evals"


def load(name: str) -> list[dict]:
    return yaml.safe_load((EVALS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory, minilm) -> Cases:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path_factory.mktemp("starter"))
    report = ingest([KNOWLEDGE], settings, embeddings=CountingEmbeddings(minilm))
    assert report.failed == [] and report.warnings == []
    return Cases(open_store(settings))


def test_knowledge_validates_without_failures_or_warnings(tmp_path: Path) -> None:
    report = validate([KNOWLEDGE], Settings(data_dir=tmp_path))
    assert report.failed == [] and report.warnings == []
    assert report.taxonomy_terms >= 40


def test_knowledge_has_the_documents_the_issue_asks_for(starter: Cases) -> None:
    docs = starter.store.documents()
    kinds = Counter(d.meta.kind for d in docs)
    assert kinds["service"] >= 12 and kinds["evidence"] >= 10 and kinds["threshold"] >= 1
    services = [d for d in docs if d.meta.kind == "service"]
    suffixes = Counter(Path(d.path).suffix for d in services)
    assert suffixes[".pdf"] >= 3 and suffixes[".html"] >= 1
    assert max(d.pages or 0 for d in services) >= 4, "one PDF runs to several pages"
    assert any(d.meta.is_stale() for d in services), "one specification is deliberately stale"
    for doc in docs:
        if doc.meta.kind == "evidence":
            meta = doc.meta.model_dump()
            assert all(meta.get(f) for f in ("programme", "population", "outcomes",
                                              "evidence_rating", "reference")), doc.doc_id
    threshold = next(d for d in docs if d.meta.kind == "threshold").meta.model_dump()
    assert [lvl["level"] for lvl in threshold["levels"]] == [1, 2, 3, 4]
    assert sum(i["immediate_risk"] for i in threshold["indicators"]) >= 5


def test_golden_data_is_large_enough_and_names_only_real_ids(starter: Cases) -> None:
    snapshot = starter.store.snapshot()
    questions, vignettes = load("questions.yaml"), load("vignettes.yaml")
    assert len(questions) >= 80 and sum(q["refuse"] for q in questions) >= 15
    assert len(vignettes) >= 40 and sum(v["expect"]["escalate"] for v in vignettes) >= 8
    ids = set(snapshot.documents)
    terms = snapshot.taxonomy.ids()
    for q in questions:
        assert set(q["expect_docs"]) <= ids, q["id"]
        assert bool(q["expect_docs"]) != q["refuse"], q["id"]
    for v in vignettes:
        assert v["text"].strip() and isinstance(v["family"], dict), v["id"]
        family_terms = set(v["family"].get("needs", [])) | set(v["family"].get("circumstances",
                                                                                  []))
        assert family_terms <= terms, v["id"]
        assert set(v["expect"]["eligibility"]) | set(v["expect"]["signpost"]) <= ids, v["id"]
    gold = yaml.safe_load((EVALS / "answers_gold.yaml").read_text(encoding="utf-8"))
    assert set(gold) <= {q["id"] for q in questions}


def test_every_expected_verdict_follows_from_the_front_matter(starter: Cases) -> None:
    for v in load("vignettes.yaml"):
        for service_id, verdict in v["expect"]["eligibility"].items():
            got = starter.eligibility(service_id, family=v["family"])["verdict"]
            assert got == verdict, f"{v['id']} {service_id}: {got} != {verdict}"
        assert starter.threshold(family=v["family"])["level"] == v["expect"]["level"], v["id"]


def test_stale_flag_matches_review_dates(starter: Cases) -> None:
    today = dt.date.today()
    for doc in starter.store.documents():
        row = doc.source_row(today)
        assert row["stale"] == (doc.meta.review_by is not None and doc.meta.review_by < today)
