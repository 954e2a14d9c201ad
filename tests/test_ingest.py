"""Ingest semantics on a real Chroma + SQLite store: add, skip unchanged, change, remove, and
keep the previous version of a file that fails."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import CountingEmbeddings, make_pdf, write_doc, write_sidecar

from waymark.config import Settings
from waymark.ingest.pipeline import ingest
from waymark.retrieval import hybrid_search
from waymark.store import open_store

TAXONOMY = "terms:\n  - {id: young-carer, label: Young carer, phrases: [cares for mum]}\n"


def make_kb(kb: Path) -> None:
    write_doc(kb, "services/hv.md", "nb-hv", """
        # Health visiting
        Health visitors see every family with a baby at 10 to 14 days old.
        ## Contact
        Call 01632 960100 to reach the duty health visitor.
        """, kind="service", extra="eligibility:\n  child_age: {max_years: 5}\n")
    write_doc(kb, "evidence/fpm.md", "nb-fpm", """
        # Family Partnership Model
        Partnership with parents rests on respect, genuineness and humility.
        """, kind="evidence")
    pdf = make_pdf(kb / "youth.pdf", [["# Youth work", "Detached youth workers meet young "
                                       "people in parks on Friday evenings."]])
    write_sidecar(pdf, "nb-youth", kind="service")
    (kb / "taxonomy.yaml").write_text(TAXONOMY)


def top_docs(settings: Settings, embeddings: CountingEmbeddings, query: str) -> list[str]:
    return [h.chunk.doc_id for h in hybrid_search(open_store(settings), embeddings, query, 3)]


def test_first_ingest_adds_everything(kb: Path, settings: Settings,
                                      embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    report = ingest([kb], settings, embeddings=embeddings)
    data = report.to_json()
    assert set(data) >= {"added", "changed", "unchanged", "removed", "failed", "documents",
                         "chunks"}
    assert data["added"] == ["nb-fpm", "nb-hv", "nb-youth"]
    assert data["failed"] == [] and report.exit_code == 0
    store = open_store(settings)
    assert store.counts() == (3, data["chunks"])
    assert embeddings.documents == data["chunks"]
    assert store.taxonomy().ids() == {"young-carer"}
    rows = {row["doc_id"]: row for row in (d.source_row() for d in store.documents())}
    assert rows["nb-youth"]["path"] == str((kb / "youth.pdf").resolve())
    assert rows["nb-hv"]["stale"] is False and rows["nb-hv"]["version"] == "1.0"
    assert top_docs(settings, embeddings, "youth workers in the park on Friday")[0] == "nb-youth"


def test_unchanged_reingest_embeds_nothing(kb: Path, settings: Settings,
                                           embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    before = embeddings.documents
    report = ingest([kb], settings, embeddings=embeddings)
    assert embeddings.documents == before
    assert report.unchanged == ["nb-fpm", "nb-hv", "nb-youth"]
    assert report.added == report.changed == report.removed == []


def test_changed_document_is_reembedded_alone_and_answers_change(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    before = embeddings.documents
    write_doc(kb, "services/hv.md", "nb-hv", """
        # Health visiting
        The new birth visit now happens by day 12 and includes an infant feeding check.
        """, kind="service", version='"2.0"')
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.changed == ["nb-hv"] and report.unchanged == ["nb-fpm", "nb-youth"]
    assert embeddings.documents - before == 1
    store = open_store(settings)
    text = store.document_text("nb-hv") or ""
    assert "infant feeding check" in text and "01632 960100" not in text
    hits = hybrid_search(store, embeddings, "duty health visitor phone number", 10)
    assert all("01632 960100" not in h.chunk.text for h in hits)


def test_sidecar_change_is_a_change(kb: Path, settings: Settings,
                                    embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    sidecar = kb / "youth.pdf.meta.yaml"
    sidecar.write_text(sidecar.read_text().replace('version: "1.0"', 'version: "1.1"'))
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.changed == ["nb-youth"]
    rows = {d.doc_id: d.source_row() for d in open_store(settings).documents()}
    assert rows["nb-youth"]["version"] == "1.1"


def test_deleted_file_is_removed_and_reported(kb: Path, settings: Settings,
                                              embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    (kb / "youth.pdf").unlink()
    (kb / "youth.pdf.meta.yaml").unlink()
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.removed == ["nb-youth"] and report.documents == 2
    assert "nb-youth" not in top_docs(settings, embeddings, "youth workers in the park")


def test_failed_file_keeps_previous_version(kb: Path, settings: Settings,
                                            embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    (kb / "services/hv.md").write_text("---\nid: nb-hv\nkind: service\ntitle: [oops\n---\nx\n")
    write_doc(kb, "new.md", "nb-new", "# New\nA brand new bereavement support group.\n")
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.exit_code == 1
    assert [Path(f.path).name for f in report.failed] == ["hv.md"]
    assert "broken YAML" in report.failed[0].error
    assert report.added == ["nb-new"] and report.removed == [] and report.changed == []
    assert "nb-hv" in report.unchanged
    store = open_store(settings)
    assert "01632 960100" in (store.document_text("nb-hv") or "")
    assert top_docs(settings, embeddings, "duty health visitor phone")[0] == "nb-hv"


def test_broken_taxonomy_keeps_previous_one(kb: Path, settings: Settings,
                                            embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    (kb / "taxonomy.yaml").write_text("terms:\n  - {label: no id}\n")
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.exit_code == 1 and report.failed[0].path.endswith("taxonomy.yaml")
    assert open_store(settings).taxonomy().ids() == {"young-carer"}


def test_moved_file_is_unchanged_and_old_versions_are_collected(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    (kb / "evidence/fpm.md").rename(kb / "fpm.md")
    for version in ("2.0", "3.0", "4.0"):
        write_doc(kb, "services/hv.md", "nb-hv", f"# HV\nVersion {version} text.\n",
                  version=f'"{version}"')
        ingest([kb], settings, embeddings=embeddings)
    store = open_store(settings)
    rows = {d.doc_id: d.source_row() for d in store.documents()}
    assert rows["nb-fpm"]["path"] == str((kb / "fpm.md").resolve())
    with sqlite3.connect(settings.sqlite_path) as db:
        versions = db.execute("SELECT COUNT(*) FROM versions WHERE doc_id = 'nb-hv'").fetchone()
    assert versions[0] == 2, "only the active and the previous generation are kept"
    assert store.vectors.collection.count() == store.chunk_total(
        [k for (k,) in sqlite3.connect(settings.sqlite_path).execute("SELECT key FROM versions")])


def test_ingest_of_subset_paths_removes_the_rest(kb: Path, settings: Settings,
                                                 embeddings: CountingEmbeddings) -> None:
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    report = ingest([kb / "services", kb / "youth.pdf"], settings, embeddings=embeddings)
    assert report.unchanged == ["nb-hv", "nb-youth"] and report.removed == ["nb-fpm"]


def test_a_pinned_snapshot_holds_while_a_new_generation_is_committed(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    """A question reads one generation from start to end, even when an ingest lands meanwhile;
    the next question sees the new one."""
    make_kb(kb)
    ingest([kb], settings, embeddings=embeddings)
    store = open_store(settings)
    with store.pinned() as held:
        before = set(held.documents)
        (kb / "late.md").write_text(
            "---\nid: late\nkind: guidance\ntitle: Late arrival\nowner: Team\nversion: '1'\n"
            "effective: 2026-01-01\nreview: 2027-01-01\n---\n# Late arrival\n\nNew guidance "
            "that arrived while a question was being answered.\n", encoding="utf-8")
        ingest([kb], settings, embeddings=embeddings)
        assert set(store.snapshot().documents) == before
        assert store.snapshot() is held
    assert set(store.snapshot().documents) == before | {"late"}
