"""SIGKILL an ingest at several points: the previous knowledge base must stay whole and
queryable (never a mix), and the next run must finish the job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CountingEmbeddings, write_doc

from waymark.config import Settings
from waymark.ingest.pipeline import ingest
from waymark.retrieval import hybrid_search
from waymark.store import open_store

pytestmark = pytest.mark.slow

TOPICS = ["attendance", "sleep", "speech", "housing", "debt", "parenting", "youth", "feeding"]


def paragraph(doc: int, part: int, topic: str) -> str:
    return " ".join(f"Point {doc}.{part}.{n}: the {topic} service helps families with step {n} "
                    f"of plan {doc * 7 + part}." for n in range(8))


def write_corpus(kb: Path, docs: range, edition: str) -> None:
    for doc in docs:
        topic = TOPICS[doc % len(TOPICS)]
        body = "\n".join(f"## Part {p}\n\n{edition} edition. {paragraph(doc, p, topic)}\n"
                         for p in range(4))
        write_doc(kb, f"doc{doc:03d}.md", f"nb-doc-{doc:03d}", f"# Doc {doc}\n\n{body}",
                  version=f'"{edition}"')


def snapshot(settings: Settings) -> dict[str, Any]:
    store = open_store(settings)
    return {"docs": {d.doc_id: (d.source_row()["version"], d.sha256, d.chunks)
                     for d in store.documents()},
            "counts": store.counts(), "taxonomy": sorted(store.taxonomy().ids())}


def query_works(settings: Settings, embeddings: CountingEmbeddings, edition: str) -> bool:
    hits = hybrid_search(open_store(settings), embeddings, "step 3 of plan 7 sleep service", 5)
    return bool(hits) and all(f"{edition} edition" in h.chunk.text or "edition" not in
                              h.chunk.text for h in hits)


def db_value(settings: Settings, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{settings.sqlite_path}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute(sql).fetchone()[0])
    except sqlite3.Error:
        return 0


def complete_versions(settings: Settings) -> int:
    return db_value(settings, "SELECT COUNT(*) FROM versions WHERE complete = 1")


def kill_when(kb: Path, settings: Settings, ready: Callable[[], bool],
              timeout: float = 120) -> bool:
    """Start an ingest subprocess and SIGKILL it once `ready()`; False if it finished first."""
    env = {**os.environ, "WAYMARK_DATA_DIR": str(settings.data_dir)}
    if settings.chroma_host:
        env.update(WAYMARK_CHROMA_HOST=settings.chroma_host,
                   WAYMARK_CHROMA_PORT=str(settings.chroma_port))
    proc = subprocess.Popen([sys.executable, "-m", "waymark.cli", "ingest", str(kb), "--json"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.003)
    proc.wait(timeout)
    return False


def test_sigkill_at_any_point_keeps_the_old_knowledge_base(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    write_corpus(kb, range(0, 12), "first")
    (kb / "taxonomy.yaml").write_text("terms:\n  - {id: old-term, label: Old}\n")
    ingest([kb], settings, embeddings=embeddings)
    old = snapshot(settings)
    assert old["counts"][0] == 12

    # the next edition: every document changes, 20 are new, two are withdrawn
    write_corpus(kb, range(2, 32), "second")
    for doc in range(0, 2):
        (kb / f"doc{doc:03d}.md").unlink()
    (kb / "taxonomy.yaml").write_text("terms:\n  - {id: new-term, label: New}\n")

    def started() -> Callable[[], bool]:
        start = db_value(settings, "SELECT COALESCE(MAX(id), 0) FROM generations")
        return lambda: db_value(settings, "SELECT COALESCE(MAX(id), 0) FROM generations") > start

    def writing() -> bool:
        return db_value(settings, "SELECT COUNT(*) FROM versions WHERE complete = 0") > 0

    def completed(more: int) -> Callable[[], bool]:
        start = complete_versions(settings)
        return lambda: complete_versions(settings) >= start + more

    def after(seconds: float) -> Callable[[], bool]:
        start = time.time()
        return lambda: time.time() - start > seconds

    def committed() -> Callable[[], bool]:
        sql = "SELECT COUNT(*) FROM generations WHERE status = 'committed'"
        start = db_value(settings, sql)
        return lambda: db_value(settings, sql) > start

    kill_points = [started(), writing, completed(1), writing, completed(3), after(4.0),
                   committed()]
    outcomes = []
    for ready in kill_points:
        killed = kill_when(kb, settings, ready)
        now = snapshot(settings)
        if now == old:
            outcomes.append("old")
            assert query_works(settings, embeddings, "first")
        else:  # the kill came after the commit: then the new base must be complete
            outcomes.append("new" if killed else "finished")
            assert now["counts"][0] == 30 and now["taxonomy"] == ["new-term"]
            assert query_works(settings, embeddings, "second")
    assert outcomes.count("old") >= 5, outcomes
    assert outcomes[-1] in ("new", "finished"), "killed after its commit, the new base stands"
    print("kill outcomes:", outcomes)

    report = ingest([kb], settings, embeddings=embeddings)
    final = snapshot(settings)
    assert final["counts"][0] == 30 and final["taxonomy"] == ["new-term"]
    assert all(version == "second" for version, _, _ in final["docs"].values())
    if outcomes[-1] == "old":
        assert report.removed == ["nb-doc-000", "nb-doc-001"] and len(report.added) == 20
    assert query_works(settings, embeddings, "second")
    kept = db_value(settings, "SELECT SUM(chunks) FROM versions WHERE key IN "
                    "(SELECT version_key FROM generation_docs)")
    previous = old["counts"][1] if outcomes[-1] == "old" else 0
    assert kept == final["counts"][1] + previous, "the new and the previous base only"
    assert db_value(settings, "SELECT COUNT(*) FROM versions WHERE complete = 0") == 0
    assert open_store(settings).vectors.collection.count() == kept, "no orphaned vectors remain"


def test_sigkill_in_chroma_server_mode(kb: Path, tmp_path: Path,
                                       embeddings: CountingEmbeddings) -> None:
    from conftest import free_port
    from test_faults import start_chroma

    port = free_port()
    chroma = start_chroma(tmp_path / "chroma", port)
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)
    try:
        write_corpus(kb, range(0, 8), "first")
        ingest([kb], settings, embeddings=embeddings)
        old = snapshot(settings)
        write_corpus(kb, range(0, 16), "second")

        def completed(more: int) -> Callable[[], bool]:
            start = complete_versions(settings)
            return lambda: complete_versions(settings) >= start + more

        def writing() -> bool:
            return db_value(settings, "SELECT COUNT(*) FROM versions WHERE complete = 0") > 0

        for ready in (writing, completed(2)):
            assert kill_when(kb, settings, ready), "killed mid-way"
            assert snapshot(settings) == old
            assert query_works(settings, embeddings, "first")
        report = ingest([kb], settings, embeddings=embeddings)
        assert len(report.changed) == 8 and len(report.added) == 8
        assert query_works(settings, embeddings, "second")
    finally:
        chroma.terminate()
        chroma.wait(20)
