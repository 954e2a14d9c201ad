"""National abbreviations are read in the words of the knowledge base at hand."""

from __future__ import annotations

from pathlib import Path

from conftest import CountingEmbeddings, write_doc

from waymark.answer import Answerer
from waymark.config import Settings
from waymark.glossary import spell_out
from waymark.ingest.pipeline import ingest
from waymark.store import open_store


def test_an_abbreviation_the_documents_never_use_is_spelt_their_way() -> None:
    documents = "orchard house is the children and young people's mental health service"
    used = lambda phrase: int(phrase.lower() in documents)  # noqa: E731
    assert spell_out("camhs crisis line?", used) == \
        "children and young people's mental health crisis line?"
    # the area writes it: kept; a word that only contains it: left alone
    assert spell_out("CAMHS crisis line", lambda p: 1) == "CAMHS crisis line"
    assert spell_out("camhsline and dash-board", used) == "camhsline and dash-board"
    # no spelling the documents use: unchanged
    assert spell_out("sendiass hours", lambda p: 0) == "sendiass hours"


def test_a_question_in_abbreviations_finds_the_local_name(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    write_doc(kb, "orchard.md", "x-orchard", """
        # Orchard House
        Orchard House is the children and young people's mental health service for the area.
        The Orchard House crisis line is 01632 960599, answered day and night.
        """, kind="service")
    write_doc(kb, "hubs.md", "x-hubs", """
        # Family hubs
        Family hubs are open Monday to Friday and run stay and play sessions for under fives.
        """)
    ingest([kb], settings, embeddings=embeddings)
    result = Answerer(open_store(settings), embeddings).ask("camhs crisis line number")
    assert result["refused"] is False
    assert result["citations"][0]["doc_id"] == "x-orchard"
    assert "01632 960599" in result["answer"]
