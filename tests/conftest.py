"""Shared fixtures: real embeddings, a real Chroma + SQLite store in a temp dir, document makers."""

from __future__ import annotations

import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings

from waymark.cases import Cases
from waymark.config import Settings
from waymark.embeddings import MiniLMEmbeddings
from waymark.ingest.pipeline import ingest
from waymark.store import open_store


class CountingEmbeddings(Embeddings):
    """The real local model, counting how many texts it embedded."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.documents = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long end-to-end tests (marked slow) first: pytest-xdist hands tests to its workers in
    this order, so the long ones start at once and the short ones fill in around them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


@pytest.fixture
def embeddings(minilm: MiniLMEmbeddings) -> CountingEmbeddings:
    return CountingEmbeddings(minilm)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", knowledge_dir=tmp_path / "kb")


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    return folder


CASES_TAXONOMY = """terms:
  - {id: first-time-parent, label: First-time parent, phrases: [first baby, first pregnancy]}
  - {id: persistent-absence, label: Persistent absence,
     phrases: [missing school, attendance below 90]}
  - {id: domestic-abuse, label: Domestic abuse, phrases: [domestic abuse, hits mum]}
  - {id: open-child-protection-plan, label: Open child protection plan, phrases: [cp plan]}
  - {id: parental-substance-misuse, label: Parental substance misuse,
     phrases: [drinks heavily, drink]}
  - {id: disclosure-of-harm, label: Disclosure of harm, phrases: [scared to go home]}
"""


@pytest.fixture
def cases(kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> Cases:
    """A threshold document and two services of different shapes, ingested."""
    (kb / "taxonomy.yaml").write_text(CASES_TAXONOMY)
    write_doc(kb, "threshold.md", "t-threshold", """
        # Threshold
        ## Level 2 needs
        Missing school often is a level 2 need: the school leads with an attendance plan.
        ## Level 3 needs
        Domestic abuse and parental drinking call for a multi-agency team around the family.
        ## Immediate risk
        If a child is in immediate danger, call 999 and contact the front door now.
        """, kind="threshold", extra="""
        levels: [{level: 1, name: Universal}, {level: 2, name: Single agency},
                 {level: 3, name: Multi-agency}, {level: 4, name: Statutory}]
        indicators:
          - {need: persistent-absence, level: 2, section: Level 2 needs}
          - {need: domestic-abuse, level: 3, section: Level 3 needs}
          - {need: parental-substance-misuse, level: 3, section: Level 3 needs}
          - {need: open-child-protection-plan, level: 4, section: Level 3 needs}
          - {need: disclosure-of-harm, level: 4, immediate_risk: true, section: Immediate risk}
        """)
    write_doc(kb, "fnp.md", "t-fnp", """
        # Family nurses
        ## Who the service is for
        Young women aged 19 or under, pregnant with their first baby, living in NB1 or NB2.
        ## Consent
        Taking part is voluntary: the young mother must agree to a referral.
        """, kind="service", extra="""
        eligibility:
          pregnancy: required
          parent_age: {max_years: 19}
          areas: [NB1, NB2]
          needs_all: [first-time-parent]
          consent_required: true
        referral: {route: Midwife referral, contact: fnp@example.org, self_referral: false}
        """)
    write_doc(kb, "group.md", "t-group", """
        # Parenting group
        ## Who the service is for
        Parents of children aged 3 to 11 at level 2 or 3, with behaviour or school worries.
        ## Who the service is not for
        Families with a child on a child protection plan are not offered a place.
        """, kind="service", extra="""
        eligibility:
          child_age: {min_years: 3, max_years: 11}
          levels: [2, 3]
          needs_any: [persistent-absence, domestic-abuse]
          excludes: [open-child-protection-plan]
        referral: {route: Any professional, contact: 01632 960999, self_referral: true}
        """)
    ingest([kb], settings, embeddings=embeddings)
    return Cases(open_store(settings))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, for real HTTP calls."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(),
                                           log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def front_matter(**fields: object) -> str:
    lines = ["---"]
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def write_doc(folder: Path, name: str, doc_id: str, body: str, kind: str = "guidance",
              extra: str = "", **fields: object) -> Path:
    """A valid Markdown document; `extra` is raw YAML appended to the front matter."""
    meta = {"id": doc_id, "kind": kind, "title": f"Title of {doc_id}", "owner": "Test team",
            "version": '"1.0"', "effective": "2026-01-01", "review_by": "2030-01-01", **fields}
    head = front_matter(**meta)
    if extra:
        head = head[: -len("---\n")] + textwrap.dedent(extra).strip() + "\n---\n"
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def write_sidecar(document: Path, doc_id: str, kind: str = "guidance", extra: str = "") -> Path:
    sidecar = document.with_name(document.name + ".meta.yaml")
    sidecar.write_text(
        f"id: {doc_id}\nkind: {kind}\ntitle: Title of {doc_id}\nowner: Test team\n"
        f'version: "1.0"\neffective: 2026-01-01\nreview_by: 2030-01-01\n'
        + textwrap.dedent(extra),
        encoding="utf-8",
    )
    return sidecar


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A real PDF with a text layer; each page is a list of lines, '# ' marks a heading."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            heading = line.startswith("# ")
            pdf.set_font("Helvetica", "B" if heading else "", 14 if heading else 11)
            pdf.multi_cell(0, 7, line.removeprefix("# "), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path, pages: int = 1) -> Path:
    """A PDF whose pages hold only a drawn shape: no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def make_service_docx(path: Path) -> Path:
    """A Word service specification as an owner writes it, with no metadata anywhere."""
    import docx

    document = docx.Document()
    document.add_heading("Little Voices Speech Group", level=1)
    document.add_paragraph("Version 2.1. Effective from 1 April 2026.")
    document.add_heading("Who can use it", level=2)
    document.add_paragraph("Little Voices is for children aged 2 to 4 whose talking is behind "
                           "what is expected for their age.")
    document.add_paragraph("Families living in BV1, BV2 and BV5 can use the group.")
    document.add_paragraph("The family must agree to the referral.", style="List Bullet")
    document.add_heading("How to refer", level=2)
    document.add_paragraph("Refer using the online form on the Brookvale Partner Portal.")
    document.add_paragraph("Families cannot self-refer.")
    document.save(str(path))
    return path
