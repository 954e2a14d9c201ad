"""Embeddings: the local ONNX model offline, and an OpenAI-compatible endpoint when configured."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from conftest import write_doc

from waymark.config import Settings
from waymark.embeddings import MiniLMEmbeddings, embeddings_id, make_embeddings
from waymark.ingest.pipeline import ingest
from waymark.retrieval import hybrid_search
from waymark.store import open_store


def test_local_model_runs_with_the_network_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the local embedding model must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    model = MiniLMEmbeddings()  # a fresh instance loads the model inside the block
    vectors = model.embed_documents([
        "Young first-time mothers get weekly visits from a family nurse.",
        "Support for pregnant teenagers expecting their first baby.",
        "The council collects garden waste every other Tuesday.",
    ])
    assert len(vectors) == 3 and all(len(v) == 384 for v in vectors)
    assert all(abs(np.linalg.norm(v) - 1.0) < 1e-5 for v in vectors)
    related, unrelated = np.dot(vectors[0], vectors[1]), np.dot(vectors[0], vectors[2])
    assert related > unrelated + 0.2
    assert model.embed_query("Young first-time mothers get weekly visits from a family nurse.") \
        == pytest.approx(vectors[0], abs=1e-6)


def test_long_text_is_truncated_not_rejected(minilm: MiniLMEmbeddings) -> None:
    vector = minilm.embed_query("family support " * 2000)
    assert len(vector) == 384


def test_request_threads_default_to_the_cores_and_can_be_set(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from waymark.embeddings import query_threads

    monkeypatch.delenv("WAYMARK_QUERY_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert query_threads() == 6
    monkeypatch.setenv("WAYMARK_QUERY_THREADS", "1")
    assert query_threads() == 1
    one = MiniLMEmbeddings(1)
    assert one._session.get_session_options().intra_op_num_threads == 1
    assert one.embed_query("speech groups") == pytest.approx(
        MiniLMEmbeddings(2).embed_query("speech groups"), abs=1e-5)


def fake_vector(text: str) -> list[float]:
    """Deterministic bag-of-words vector: texts sharing words are close."""
    vec = np.zeros(64)
    for word in text.lower().split():
        vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1
    return list(vec / (np.linalg.norm(vec) or 1))


class FakeOpenAI(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOpenAI.requests.append({"path": self.path, "auth": self.headers["Authorization"],
                                    **body})
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        reply = {"object": "list", "model": body["model"],
                 "data": [{"object": "embedding", "index": i, "embedding": fake_vector(t)}
                          for i, t in enumerate(inputs)],
                 "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def openai_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_compatible_endpoint(openai_server: str, kb: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", embeddings="openai",
                        embeddings_base_url=openai_server, embeddings_model="test-embed",
                        embeddings_api_key="sk-test")
    assert embeddings_id(settings) == "openai-test-embed"
    write_doc(kb, "a.md", "nb-a", "# Debt\nMoney advice for rent arrears and council tax debt.\n")
    write_doc(kb, "b.md", "nb-b", "# Sleep\nBedtime routines for toddlers who wake at night.\n")
    report = ingest([kb], settings, embeddings=make_embeddings(settings))
    assert report.added == ["nb-a", "nb-b"]
    assert FakeOpenAI.requests and FakeOpenAI.requests[0]["model"] == "test-embed"
    assert FakeOpenAI.requests[0]["auth"] == "Bearer sk-test"
    hits = hybrid_search(open_store(settings), make_embeddings(settings),
                         "bedtime routines toddlers", 2)
    assert hits[0].chunk.doc_id == "nb-b" and hits[0].dense_rank == 1
