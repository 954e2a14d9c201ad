"""A content owner's files as they are: a Word service specification with no metadata goes in
as a draft, is answered from and cited with "metadata not yet confirmed", and once the owner
confirms it (CLI), its sidecar is written, the trail records it and only it is re-indexed."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import CountingEmbeddings, make_service_docx, write_doc

from waymark.answer import Answerer
from waymark.cases import Cases
from waymark.config import Settings
from waymark.ingest.pipeline import ingest
from waymark.store import open_store


def run_cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "waymark.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "WAYMARK_DATA_DIR": str(data)},
                          timeout=300)


def test_a_word_file_without_metadata_is_a_cited_draft_until_confirmed(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    write_doc(kb, "guide.md", "bv-guide", "# Guide\n\nEarly help is offered with consent.\n")
    services = kb / "services"
    services.mkdir()
    make_service_docx(services / "Little_Voices.docx")
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.drafted == ["little-voices"] and not report.failed
    store = open_store(settings)
    meta = store.snapshot().documents["little-voices"].meta
    assert meta.is_draft and meta.kind == "service"  # from its folder
    assert meta.title == "Little Voices Speech Group" and meta.version == "2.1"
    assert str(meta.effective) == "2026-04-01" and meta.owner is None
    eligibility = meta.eligibility  # type: ignore[attr-defined]
    assert (eligibility.child_age.min_years, eligibility.child_age.max_years) == (2, 4)
    assert eligibility.areas == ["BV1", "BV2", "BV5"] and eligibility.consent_required
    assert meta.referral.self_referral is False  # type: ignore[attr-defined]
    assert "BV1, BV2 and BV5" in meta.proposed_from["eligibility.areas"]

    rows = {r["doc_id"]: r for r in (d.source_row() for d in store.documents())}
    assert rows["little-voices"]["metadata"] == "draft"
    assert rows["bv-guide"]["metadata"] == "confirmed"

    answer = Answerer(store, embeddings).ask("how do i refer to little voices speech group?")
    assert not answer["refused"]
    cited = [c for c in answer["citations"] if c["doc_id"] == "little-voices"]
    assert cited and all(c["metadata"] == "draft" for c in cited)
    assert "metadata not yet confirmed" in answer["answer"]

    verdict = Cases(store).eligibility("little-voices", family={
        "children": [{"age_years": 3}], "postcode": "BV2 1AA", "consent": True})
    assert verdict["verdict"] == "meets" and verdict["metadata"] == "draft"
    assert "not yet confirmed" in verdict["caveat"]

    data = settings.data_dir
    shown = json.loads(run_cli(["metadata", "show", "little-voices", "--json"], data).stdout)
    assert shown["fields"]["eligibility"]["areas"] == ["BV1", "BV2", "BV5"]
    confirmed = run_cli(["metadata", "confirm", "little-voices", "--owner", "Early Years Team",
                         "--review-by", "2027-04-01", "--set", "version=2.2", "--json"], data)
    assert confirmed.returncode == 0, confirmed.stderr
    assert json.loads(confirmed.stdout)["changed"] == ["little-voices"]
    sidecar = yaml.safe_load((services / "Little_Voices.docx.meta.yaml").read_text())
    assert sidecar["owner"] == "Early Years Team" and str(sidecar["version"]) == "2.2"
    assert str(sidecar["review_by"]) == "2027-04-01" and sidecar["kind"] == "service"
    assert "metadata" not in sidecar and "proposed_from" not in sidecar

    store = open_store(settings)
    meta = store.snapshot().documents["little-voices"].meta
    assert not meta.is_draft and meta.owner == "Early Years Team"
    actions = [(t["action"], t["doc_id"]) for t in store.trail()]
    assert ("metadata confirmed", "little-voices") in actions
    again = run_cli(["metadata", "confirm", "little-voices"], data)
    assert again.returncode == 1 and "already confirmed" in again.stderr


def test_drafts_are_confirmed_in_bulk_from_a_spreadsheet(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings, tmp_path: Path) -> None:
    services = kb / "services"
    services.mkdir()
    make_service_docx(services / "Little_Voices.docx")
    (kb / "guidance").mkdir()
    (kb / "guidance" / "consent.md").write_text(
        "# Consent and information sharing\n\nAsk the family before sharing.\n",
        encoding="utf-8")
    ingest([kb], settings, embeddings=embeddings)
    data = settings.data_dir
    exported = run_cli(["metadata", "export"], data)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {r["doc_id"] for r in rows} == {"little-voices", "consent"}
    voices = next(r for r in rows if r["doc_id"] == "little-voices")
    assert voices["eligibility.areas"] == "BV1, BV2, BV5" and voices["owner"] == ""

    for row in rows:  # the owner fills in the spreadsheet
        row["owner"], row["review_by"] = "Early Help Team", "2027-03-31"
    voices["eligibility.areas"] = "BV1, BV2"
    sheet = tmp_path / "metadata.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    bad = tmp_path / "bad.csv"
    bad.write_text("doc_id,review_by\nlittle-voices,2027-03-31\nconsent,not a date\n")
    refused = run_cli(["metadata", "confirm-all", str(bad)], data)
    assert refused.returncode == 1 and "consent" in refused.stderr
    assert not (services / "Little_Voices.docx.meta.yaml").exists()  # nothing half-written

    done = run_cli(["metadata", "confirm-all", str(sheet), "--json"], data)
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout)["changed"]) == ["consent", "little-voices"]
    documents = open_store(settings).snapshot().documents
    assert not any(d.meta.is_draft for d in documents.values())
    assert documents["little-voices"].meta.eligibility.areas == ["BV1", "BV2"]  # type: ignore
    assert documents["consent"].meta.owner == "Early Help Team"
    assert (kb / "guidance" / "consent.md").read_text().startswith("---\n")
