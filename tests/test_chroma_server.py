"""WAYMARK_CHROMA_HOST/_PORT switch the dense store to a real `chroma run` server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import CountingEmbeddings, free_port, write_doc

from waymark.config import Settings
from waymark.ingest.pipeline import ingest
from waymark.retrieval import hybrid_search
from waymark.store import open_store

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma CLI comes with the chromadb package"
    port = free_port()
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "chroma-server"),
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield port
    proc.terminate()
    proc.wait(10)


def test_ingest_and_search_through_a_chroma_server(
        chroma_server: int, kb: Path, tmp_path: Path, embeddings: CountingEmbeddings) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1",
                        chroma_port=chroma_server)
    write_doc(kb, "a.md", "nb-a", "# Debt advice\nThe money advice team helps with rent arrears.\n")
    write_doc(kb, "b.md", "nb-b", "# Sleep\nBedtime routines help toddlers settle.\n")
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.added == ["nb-a", "nb-b"]
    assert not (tmp_path / "data" / "chroma").exists(), "no local vector files in server mode"
    store = open_store(settings)
    assert store.vectors.collection.count() == 2
    hits = hybrid_search(store, embeddings, "help with rent arrears", 2)
    assert hits[0].chunk.doc_id == "nb-a" and hits[0].dense_rank == 1
