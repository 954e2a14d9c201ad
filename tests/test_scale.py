"""Scale-out for real: two uvicorn workers share one Chroma server and side store; an ingest
from the CLI while they answer is seen by both at once, with no errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port, write_doc
from test_faults import corpus, start_chroma

pytestmark = pytest.mark.slow


def test_workers_share_a_chroma_server_through_an_ingest(kb: Path, tmp_path: Path) -> None:
    chroma_port, api_port = free_port(), free_port()
    chroma = start_chroma(tmp_path / "chroma", chroma_port)
    env = {**os.environ, "WAYMARK_DATA_DIR": str(tmp_path / "data"),
           "WAYMARK_CHROMA_HOST": "127.0.0.1", "WAYMARK_CHROMA_PORT": str(chroma_port),
           "WAYMARK_RATE_LIMIT_PER_MINUTE": "100000"}
    corpus(kb, "first", docs=8)
    cli = [sys.executable, "-m", "waymark.cli"]
    assert subprocess.run([*cli, "ingest", str(kb)], env=env, capture_output=True).returncode == 0
    api = subprocess.Popen([*cli, "serve", "--port", str(api_port), "--workers", "2"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        editions: list[str] = []
        write_doc(kb, "d0.md", "t-d0", "# Doc 0\n\nsecond edition: the family hub opens on "
                  "weekday mornings and Saturday afternoons for drop-in advice.\n",
                  version='"second"')
        ingest = subprocess.Popen([*cli, "ingest", str(kb)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def version_of_d0(client: httpx.Client) -> str:
            rows = client.get("/sources").json()
            return next(r["version"] for r in rows if r["doc_id"] == "t-d0")

        with httpx.Client(base_url=url, timeout=60) as client:
            while ingest.poll() is None or len(editions) < 40:
                reply = client.post("/ask", json={"question": "drop-in advice at the hub?"})
                assert reply.status_code == 200, reply.text
                editions.append(version_of_d0(client))
            assert ingest.returncode == 0
            after = {version_of_d0(client) for _ in range(10)}
            answer = client.post("/ask", json={
                "question": "does the family hub open on Saturday afternoons?"}).json()
        assert set(editions) <= {"first", "second"} and editions[-1] == "second"
        assert after == {"second"}, "every worker sees the committed knowledge base"
        assert any(c["doc_id"] == "t-d0" and "Saturday" in c["quote"]
                   for c in answer["citations"])
    finally:
        api.terminate()
        api.wait(20)
        chroma.terminate()
        chroma.wait(20)
