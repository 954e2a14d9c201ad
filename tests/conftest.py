"""Shared fixtures: real embeddings, a real Chroma + SQLite store in a temp dir, document makers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from waymark.config import Settings
from waymark.embeddings import MiniLMEmbeddings


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
