"""The real FastAPI app served by uvicorn on a free port, called over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import CountingEmbeddings, serving, write_doc

from waymark.api.app import create_app
from waymark.config import Settings
from waymark.ingest.pipeline import ingest


@pytest.fixture
def server(kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> Iterator[str]:
    write_doc(kb, "a.md", "nb-a", "# A\nFamily hubs are open six days a week.\n")
    write_doc(kb, "b.md", "nb-b", "# B\nOld text.\n", effective="2024-01-01",
              review_by="2025-01-01")
    ingest([kb], settings, embeddings=embeddings)
    with serving(create_app(settings)) as url:
        yield url


def test_health_counts_documents_and_chunks(server: str) -> None:
    reply = httpx.get(f"{server}/health")
    assert reply.status_code == 200
    body = reply.json()
    assert {k: body[k] for k in ("status", "documents", "chunks")} == {
        "status": "ok", "documents": 2, "chunks": 2}
    # the knowledge base's own out-of-scope reference for refusal, probed at first use
    refusal = body["refusal"]
    assert refusal["probes"] >= 200
    assert -1.0 <= refusal["cosine_p50"] <= refusal["cosine_p90"] <= refusal["cosine_max"] <= 1.0
    assert refusal["model_fitted_on"].startswith("dev: ")


def test_sources_lists_documents_with_stale_flag(server: str) -> None:
    rows = httpx.get(f"{server}/sources").json()
    assert [(r["doc_id"], r["stale"]) for r in rows] == [("nb-a", False), ("nb-b", True)]
    assert len(rows[0]["sha256"]) == 64 and rows[0]["chunks"] == 1
    stale = httpx.get(f"{server}/sources", params={"stale": "true"}).json()
    assert [r["doc_id"] for r in stale] == ["nb-b"]


def test_openapi_docs_are_served(server: str) -> None:
    assert "/health" in httpx.get(f"{server}/openapi.json").json()["paths"]


def test_a_served_app_builds_its_readers_before_the_first_question(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    write_doc(kb, "a.md", "nb-a", "# A\nFamily hubs are open six days a week.\n")
    ingest([kb], settings, embeddings=embeddings)
    app = create_app(settings, warm_up=True)
    app.state.warm_up.join(timeout=120)
    built = app.state.store.snapshot().derived_keys
    assert {"names", "vocabulary", "meaning-reader", "out-of-scope reference"} <= built, built
    assert create_app(settings).state.warm_up is None  # tests and scripts start cold


def test_empty_knowledge_base_is_healthy_with_zero(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(Settings(data_dir=tmp_path / "empty")))
    assert client.get("/health").json() == {"status": "ok", "documents": 0, "chunks": 0}


def test_ask_over_http(server: str) -> None:
    reply = httpx.post(f"{server}/ask", json={"question": "when are family hubs open?"})
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) >= {"answer", "citations", "refused", "escalation", "advisory"}
    assert body["refused"] is False and body["citations"][0]["doc_id"] == "nb-a"
    assert body["citations"][0]["quote"] == "Family hubs are open six days a week."


@pytest.mark.parametrize("payload, message", [
    ({"question": "   "}, "the question is empty"),
    ({}, "Field required"),
    ({"question": "x" * 2001}, "at most 2000 characters"),
    ({"question": "hi", "kinds": ["recipes"]}, "Input should be"),
])
def test_ask_rejects_bad_input_with_a_clear_422(server: str, payload: dict, message: str) -> None:
    reply = httpx.post(f"{server}/ask", json=payload)
    assert reply.status_code == 422
    assert message in reply.text
