"""Faults: a full disk mid-ingest, a damaged side store, a Chroma server that goes away, and
queries racing an ingest. The old knowledge base survives each, and service recovers."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import CountingEmbeddings, free_port, write_doc
from fastapi.testclient import TestClient

from waymark.api.app import create_app
from waymark.config import Settings
from waymark.ingest.pipeline import ingest
from waymark.retrieval import HybridRetriever
from waymark.store import Store, open_store

pytestmark = pytest.mark.slow


def corpus(kb: Path, edition: str, docs: int = 6) -> None:
    for n in range(docs):
        write_doc(kb, f"d{n}.md", f"t-d{n}", f"# Doc {n}\n\n{edition} edition: the family hub "
                  f"in area {n} opens on weekday mornings for drop-in advice.\n",
                  version=f'"{edition}"')


def test_disk_full_mid_ingest_leaves_the_old_base(kb: Path, settings: Settings,
                                                  embeddings: CountingEmbeddings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    corpus(kb, "first")
    ingest([kb], settings, embeddings=embeddings)
    before = {d.doc_id: d.version_key for d in open_store(settings).documents()}
    corpus(kb, "second")

    def full(self: Store, versions: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(settings.sqlite_path))

    monkeypatch.setattr(Store, "write_versions", full)
    with pytest.raises(OSError):
        ingest([kb], settings, embeddings=embeddings)
    store = open_store(settings)
    assert {d.doc_id: d.version_key for d in store.documents()} == before
    hits = HybridRetriever(store, embeddings).hits("family hub drop-in advice", 3)
    assert hits and all("first edition" in h.chunk.text for h in hits)
    monkeypatch.undo()
    report = ingest([kb], settings, embeddings=embeddings)
    assert sorted(report.changed) == sorted(before)


def run_cli(args: list[str], data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "waymark.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "WAYMARK_DATA_DIR": str(data)},
                          timeout=300)


def test_damaged_side_store_is_reported_and_rebuilt(kb: Path, tmp_path: Path) -> None:
    corpus(kb, "first")
    data = tmp_path / "data"
    assert run_cli(["ingest", str(kb)], data).returncode == 0
    (data / "waymark.sqlite3").write_bytes(b"this is not a database" * 100)
    for name in ("waymark.sqlite3-wal", "waymark.sqlite3-shm"):
        (data / name).unlink(missing_ok=True)
    broken = run_cli(["sources", "--json"], data)
    assert broken.returncode == 1 and "waymark ingest --rebuild" in broken.stderr
    reply = TestClient(create_app(Settings(data_dir=data)),
                       client=("127.0.0.1", 1)).get("/health")
    assert reply.status_code == 503 and reply.headers["retry-after"] == "5"
    assert "waymark ingest --rebuild" in reply.json()["detail"]
    rebuilt = run_cli(["ingest", "--rebuild", str(kb), "--json"], data)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert len(json.loads(rebuilt.stdout)["added"]) == 6
    assert len(json.loads(run_cli(["sources", "--json"], data).stdout)) == 6
    assert list(tmp_path.glob("data.old-*")), "the damaged data is kept, not deleted"


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("chroma did not start")


def test_chroma_server_down_gives_503_and_recovers(kb: Path, tmp_path: Path,
                                                   embeddings: CountingEmbeddings) -> None:
    port = free_port()
    server = start_chroma(tmp_path / "chroma", port)
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)
    corpus(kb, "first")
    ingest([kb], settings, embeddings=embeddings)
    client = TestClient(create_app(settings), client=("127.0.0.1", 1))
    question = {"question": "when does the family hub open for drop-in advice?"}
    assert client.post("/ask", json=question).status_code == 200
    server.terminate()
    server.wait(10)
    down = client.post("/ask", json=question)
    assert down.status_code == 503 and down.headers["retry-after"] == "5"
    assert "vector store is unavailable" in down.json()["detail"]
    server = start_chroma(tmp_path / "chroma", port)
    try:
        again = client.post("/ask", json=question)
        assert again.status_code == 200 and again.json()["citations"]
    finally:
        server.terminate()
        server.wait(10)


def test_queries_during_an_ingest_see_old_or_new_never_a_mix(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    corpus(kb, "first", docs=20)
    ingest([kb], settings, embeddings=embeddings)
    corpus(kb, "second", docs=20)
    retriever = HybridRetriever(open_store(settings), embeddings)
    seen: list[set[str]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def query() -> None:
        while not done.is_set():
            try:
                hits = retriever.hits("family hub drop-in advice weekday mornings", 10)
                seen.append({h.chunk.text.split(" edition")[0].split()[-1] for h in hits})
            except BaseException as exc:  # noqa: BLE001 - any error fails the test below
                errors.append(exc)

    thread = threading.Thread(target=query)
    thread.start()
    ingest([kb], settings, embeddings=embeddings)
    time.sleep(0.2)
    done.set()
    thread.join(30)
    assert not errors, errors
    assert seen and all(len(editions) == 1 for editions in seen), "never a mix"
    assert {"first"} in seen and {"second"} in seen
