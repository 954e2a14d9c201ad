"""The `waymark` command as a user runs it: JSON output, exit statuses, tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_doc

WAYMARK = [sys.executable, "-m", "waymark.cli"]


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def invoke(args: list[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """The same command in this process (typer's runner): the model and the knowledge base's
    readers are loaded once for a run of commands, as they are by `waymark serve`."""
    from typer.testing import CliRunner

    from waymark.cli import app
    from waymark.config import get_settings

    monkeypatch.setenv("WAYMARK_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    get_settings.cache_clear()
    return Result(result.exit_code, result.stdout, result.stderr)


def run(args: list[str], data_dir: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "WAYMARK_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(WAYMARK + args, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


@pytest.fixture
def corpus(kb: Path) -> Path:
    write_doc(kb, "attendance.md", "nb-attendance", """
        # School attendance support
        When attendance drops below 90% the school's attendance officer offers a support meeting.
        """, kind="service")
    write_doc(kb, "old.md", "nb-old", "# Old leaflet\nThis leaflet is past its review date.\n",
              review_by="2026-01-31", effective="2025-01-01")
    return kb


def test_ingest_json_then_sources_and_search(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run(["ingest", str(corpus), "--json"], data)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["added"] == ["nb-attendance", "nb-old"] and report["documents"] == 2

    sources = json.loads(run(["sources", "--json"], data).stdout)
    assert [s["doc_id"] for s in sources] == ["nb-attendance", "nb-old"]
    assert set(sources[0]) == {"doc_id", "title", "kind", "owner", "version", "effective",
                               "review_by", "stale", "chunks", "sha256", "path", "metadata"}
    assert {s["metadata"] for s in sources} == {"confirmed"}
    stale = json.loads(run(["sources", "--stale", "--json"], data).stdout)
    assert [s["doc_id"] for s in stale] == ["nb-old"]

    hits = json.loads(run(["search", "attendance below 90 percent", "--json"], data).stdout)
    assert hits[0]["doc_id"] == "nb-attendance"
    assert hits[0]["dense_rank"] == 1 and hits[0]["lexical_rank"] == 1
    assert "attendance officer" in hits[0]["text"]

    table = run(["sources"], data)
    assert "STALE" in table.stdout and "nb-attendance" in table.stdout


def test_failed_input_exits_1_and_missing_path_exits_2(corpus: Path, tmp_path: Path) -> None:
    (corpus / "bad.md").write_text("---\nid: nb-bad\n---\nNo kind.\n")
    result = run(["ingest", str(corpus), "--json"], tmp_path / "data")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    bad = corpus / "bad.md"
    assert report["failed"] == [{"path": str(bad), "error": f"{bad}:2: field 'kind': is required "
                                 "but missing (also check: title). add it"}]
    assert report["added"] == ["nb-attendance", "nb-old"]

    missing = run(["ingest", str(tmp_path / "nowhere")], tmp_path / "data")
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    assert run(["ingest", "--bogus-flag"], tmp_path / "data").returncode == 2
    # the knowledge base is untouched by the refused run
    sources = json.loads(run(["sources", "--json"], tmp_path / "data").stdout)
    assert len(sources) == 2


def test_validate_touches_nothing(corpus: Path, tmp_path: Path) -> None:
    result = run(["validate", str(corpus), "--json"], tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert [d["doc_id"] for d in json.loads(result.stdout)["documents"]] == [
        "nb-attendance", "nb-old"]
    assert not (tmp_path / "data").exists()
    text = run(["validate", str(corpus)], tmp_path / "data")
    assert "2 documents valid, 0 failed" in text.stdout


def test_default_path_is_the_knowledge_folder(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "knowledge").symlink_to(corpus)
    result = run(["ingest", "--json"], tmp_path / "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["documents"] == 2


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_case_commands_on_the_starter_knowledge(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # the first commands run as a user runs them, the rest in this process (faster)
    data = tmp_path / "data"
    assert run(["ingest", str(ROOT / "knowledge"), "--json"], data).returncode == 0
    answer = json.loads(run(["ask", "how do I refer to early talk?", "--json"], data).stdout)
    assert answer["refused"] is False and answer["citations"][0]["doc_id"] == "nb-early-talk"

    check = invoke(["check", "--service", "nb-family-nurse-partnership", "--text",
                    "Mum is 17, 20 weeks pregnant with her first baby, lives in NB3 1AA, happy "
                    "to be referred.", "--json"], data, monkeypatch)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["verdict"] == "meets"

    family = tmp_path / "family.json"
    family.write_text(json.dumps({"children": [{"age_years": 3}], "postcode": "NB1 1AA",
                                  "needs": ["speech-language-delay"], "consent": True}))
    signpost = json.loads(invoke(["signpost", "--family", str(family), "--json"], data,
                                 monkeypatch).stdout)
    assert "nb-early-talk" in [s["service_id"] for s in signpost["services"]
                               if s["verdict"] == "meets"]
    table = invoke(["threshold", "--text", "dad drinks heavily most nights"], data, monkeypatch)
    assert "Suggested level 3" in table.stdout

    report = tmp_path / "audit.html"
    audit = invoke(["threshold-audit", str(ROOT / "evals" / "audit.csv"), "--format", "html",
                    "--out", str(report)], data, monkeypatch)
    assert audit.returncode == 0 and "Cohen's kappa" in report.read_text()
    assert "agreement" in invoke(["threshold-audit", str(ROOT / "evals" / "audit.csv")],
                                 data, monkeypatch).stdout

    assert invoke(["threshold", "--text", "x", "--family", str(family)], data,
                  monkeypatch).returncode == 2
    unknown = invoke(["check", "--service", "nb-nope", "--text", "a 4yo"], data, monkeypatch)
    assert unknown.returncode == 2 and "no service 'nb-nope'" in unknown.stderr


@pytest.mark.slow
def test_serve_keeps_an_idle_connection_open_longer_than_clients_do(tmp_path: Path) -> None:
    """httpx drops a pooled connection after 5 s idle; a server closing at the same 5 s races
    it and loses the request the client sends on the closing connection (seen as a ReadError
    under load). `waymark serve` keeps an idle connection open well past that."""
    import http.client
    import time

    from conftest import free_port

    port = free_port()
    env = {**os.environ, "WAYMARK_DATA_DIR": str(tmp_path / "data")}
    server = subprocess.Popen([*WAYMARK, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            try:
                connection.request("GET", "/health")
                break
            except OSError:
                assert time.monotonic() < deadline, "waymark serve did not start"
                connection.close()
                time.sleep(0.2)
        first = connection.getresponse()
        assert first.status == 200 and first.read()
        socket_before = connection.sock
        time.sleep(6)
        connection.request("GET", "/health")  # on the same, idle connection
        assert connection.sock is socket_before
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        server.terminate()
        server.wait(20)
