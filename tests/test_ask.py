"""Grounded answers on a real store: cited sentences, refusal, escalation first, filters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CountingEmbeddings, make_pdf, write_doc, write_sidecar

from waymark.answer import ADVISORY, Answerer
from waymark.config import Settings
from waymark.ingest.pipeline import ingest
from waymark.retrieval import Filters
from waymark.store import open_store

TAXONOMY = """terms:
  - id: disclosure-of-harm
    label: Child has disclosed harm
    phrases: [told me dad hits her, says she is scared to go home, disclosed abuse]
  - id: persistent-absence
    label: Persistent absence
    phrases: [missing school, attendance below 90]
"""


@pytest.fixture
def answerer(kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> Answerer:
    (kb / "taxonomy.yaml").write_text(TAXONOMY)
    write_doc(kb, "threshold.md", "t-threshold", """
        # Threshold guidance

        ## Immediate risk

        If a child is in immediate danger, call 999. Then contact the children's services front
        door on 01632 960100. Do not wait for consent.

        ## Persistent absence

        When attendance drops below 90% the school attendance lead meets the family and agrees an
        attendance support plan within two weeks.
        """, kind="threshold", extra="""
        levels: [{level: 1, name: Universal}, {level: 4, name: Specialist}]
        indicators:
          - {need: disclosure-of-harm, level: 4, immediate_risk: true, section: Immediate risk}
          - {need: persistent-absence, level: 1, section: Persistent absence}
        """)
    write_doc(kb, "carers.md", "t-young-carers", """
        # Young carers service

        Young carers aged 8 to 17 get a carers assessment and a monthly activity club.
        """, kind="service", review_by="2026-06-30", effective="2025-07-01",
        source_url="https://www.example.org/carers")
    pdf = make_pdf(kb / "talk.pdf", [
        ["# 1. What the service offers", "Contacts ........................................ 2",
         "Speech and language groups run weekly in family hubs."],
        ["# 2. How to refer", "Health visitors refer toddlers using the Early Talk referral "
         "form, with the screening result attached."],
    ])
    write_sidecar(pdf, "t-early-talk", kind="service")
    ingest([kb], settings, embeddings=embeddings)
    return Answerer(open_store(settings), embeddings)


def assert_grounded(result: dict, answerer: Answerer) -> None:
    assert result["citations"], result
    assert result["advisory"] == ADVISORY
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])]
    assert sorted(set(numbers)) == [c["n"] for c in result["citations"]]
    for citation in result["citations"]:
        assert set(citation) >= {"n", "doc_id", "title", "kind", "version", "effective",
                                 "section", "page", "quote", "url"}
        text = " ".join((answerer.store.document_text(citation["doc_id"]) or "").split())
        assert citation["quote"] in text, "quote is verbatim in the cited document"
        # at least 20 characters of words, as a checker compares them (dot leaders do not count)
        assert len(" ".join(re.findall(r"[a-z0-9]+", citation["quote"].lower()))) >= 20


def test_answer_cites_the_passage_it_came_from(answerer: Answerer) -> None:
    result = answerer.ask("what do we do when attendance drops below 90%?")
    assert result["refused"] is False and result["escalation"] is None
    assert_grounded(result, answerer)
    first = result["citations"][0]
    assert first["doc_id"] == "t-threshold"
    assert first["section"] == "Threshold guidance > Persistent absence"
    assert "attendance support plan" in result["answer"]


def test_pdf_answer_cites_its_page(answerer: Answerer) -> None:
    result = answerer.ask("how do health visitors refer toddlers to early talk?")
    assert_grounded(result, answerer)
    assert "Contacts ...." not in result["answer"]  # a contents line is no statement
    citation = result["citations"][0]
    assert citation["doc_id"] == "t-early-talk" and citation["page"] == 2
    assert citation["section"] == "2. How to refer"
    assert "Early Talk referral form" in citation["quote"]


def test_stale_document_is_flagged(answerer: Answerer) -> None:
    result = answerer.ask("what do young carers aged 8 to 17 get?")
    assert_grounded(result, answerer)
    cited = {c["doc_id"]: c for c in result["citations"]}
    assert cited["t-young-carers"]["stale"] is True
    assert cited["t-young-carers"]["url"] == "https://www.example.org/carers"
    assert "was due for review on 2026-06-30" in result["answer"]


def test_out_of_scope_question_is_refused_naming_closest_documents(answerer: Answerer) -> None:
    result = answerer.ask("what is the recipe for a victoria sponge cake?")
    assert result["refused"] is True and result["citations"] == []
    assert result["answer"].startswith("The guidance in Waymark does not cover this")
    assert "closest documents" in result["answer"] and result["closest"]
    assert result["advisory"] == ADVISORY


def test_a_person_no_document_names_is_not_answered_about(answerer: Answerer) -> None:
    """"Dr Okafor" appears in no document: the carers service's own sentences about who refers
    or who comes are no answer to who Dr Okafor is or how to reach them."""
    result = answerer.ask("contact details for dr okafor at the young carers service")
    assert result["refused"] is True and result["citations"] == []
    assert "does not give anyone by that name" in result["answer"]
    assert not answerer.ask("how old do young carers have to be for the young carers "
                            "service?")["refused"]
    from waymark.answer import _titled_names
    assert _titled_names("if they miss appts, or mum with ms can't drive") == []
    assert _titled_names("Ms Patel or mrs jones") == ["patel", "jones"]


def test_the_people_a_question_names_are_not_what_it_asks_about(answerer: Answerer) -> None:
    """"kayleigh is 12 and her brother (mikey) is 9" says who: neither name is a word the
    guidance must hold, nor a sign that it cannot answer."""
    outcome = answerer.run("kayleigh is 12 and her brother (mikey) is 9, what do young "
                           "carers get?")
    names = {"kayleigh", "mikey"}
    assert not names & {*outcome.decision.unknown, *outcome.decision.missing}
    assert not outcome.result["refused"]
    assert outcome.result["citations"][0]["doc_id"] == "t-young-carers"


def _other_services(kb: Path) -> None:
    """Ten documents on other things: with only a few documents, the words two of them share
    ("young carers") are the knowledge base's everyday vocabulary, not a name."""
    for n, topic in enumerate(["speech and language groups", "school attendance support",
                               "parenting courses", "housing advice", "debt advice",
                               "perinatal mental health", "family hubs", "youth clubs",
                               "school nursing", "early help assessments"]):
        write_doc(kb, f"other{n}.md", f"other-{n}", f"# {topic.title()}\n\nWe offer {topic} "
                  "to families across the borough.\n")


def test_of_two_services_named_the_one_serving_the_family_answers(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    """A neighbouring area's look-alike service is named as well ("young carers"), and may
    rank first; the family's district says which answers."""
    for doc_id, title, body, areas in [
            ("ph-carers", "Penhallow Young Carers", "Is there a Saturday club for young "
             "carers? Yes: the Saturday Club for young carers meets every Saturday at "
             "Penhallow Library.", "[PH1, PH2]"),
            ("ag-carers", "Ashgrove Young Carers", "Young carers get a carers assessment, a "
             "named worker and help at school. A club meets on Saturdays in Stonebridge.",
             "[AG1, AG2, AG3]")]:
        write_doc(kb, f"{doc_id}.md", doc_id, f"# {title}\n\n{body}\n", kind="service",
                  title=title, extra=f"""
            eligibility:
              child_age: {{min_years: 8, max_years: 16}}
              areas: {areas}
            referral: {{route: Any professional, contact: 01632 960111, self_referral: true}}
            """)
    _other_services(kb)
    ingest([kb], settings, embeddings=embeddings)
    answerer = Answerer(open_store(settings), embeddings)
    cited = answerer.ask("is there a saturday club for young carers? boy 10, AG2")["citations"]
    assert cited and {c["doc_id"] for c in cited} == {"ag-carers"}
    cited = answerer.ask("is there a saturday club for young carers? girl 9, PH1")["citations"]
    assert cited and {c["doc_id"] for c in cited} == {"ph-carers"}


def test_a_level_question_is_answered_by_the_threshold_whatever_it_names(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    """"young carer - what level of need is that?" names the young carers service, and asks
    the threshold."""
    write_doc(kb, "threshold.md", "t-threshold", """
        # Levels of need

        ## Level 2
        A child who is a young carer, looking after a parent with an illness, is at level 2
        and needs a lead professional.
        """, kind="threshold", title="Levels of need", extra="""
        levels: [{level: 1, name: Universal}, {level: 2, name: Early help}]
        indicators:
          - {need: young-carer, level: 2, section: Level 2}
        """)
    (kb / "taxonomy.yaml").write_text("terms:\n  - id: young-carer\n    label: Young carer\n"
                                      "    phrases: [young carer, looks after mum]\n")
    write_doc(kb, "carers.md", "t-carers", "# Young Carers Project\n\nYoung carers aged 8 to "
              "17 get a carers assessment and a monthly club at level 2 or 3.\n",
              kind="service", title="Young Carers Project")
    _other_services(kb)
    ingest([kb], settings, embeddings=embeddings)
    answerer = Answerer(open_store(settings), embeddings)
    result = answerer.ask("young carers - what level of need is that?")
    assert {c["doc_id"] for c in result["citations"]} == {"t-threshold"}


def test_escalation_comes_first_whatever_was_asked(answerer: Answerer) -> None:
    result = answerer.ask("she told me dad hits her - which activity club could she join?")
    escalation = result["escalation"]
    assert escalation is not None
    assert "immediate risk" in escalation["message"]
    assert escalation["actions"][0] == "If a child is in immediate danger, call 999."
    assert escalation["citation"]["doc_id"] == "t-threshold"
    assert escalation["citation"]["section"] == "Threshold guidance > Immediate risk"
    assert escalation["concerns"] == ["disclosure-of-harm"]


def test_negated_risk_does_not_escalate(answerer: Answerer) -> None:
    result = answerer.ask("no disclosed abuse, but she keeps missing school: what next?")
    assert result["escalation"] is None


def test_filters_restrict_the_documents(answerer: Answerer) -> None:
    result = answerer.ask("how do health visitors refer toddlers to early talk?",
                          Filters(kinds=frozenset({"threshold"})))
    assert all(c["kind"] == "threshold" for c in result["citations"])
    stale_free = answerer.run("what do young carers aged 8 to 17 get?",
                              Filters(exclude_stale=True))
    assert all(p.doc.doc_id != "t-young-carers" for p in stale_free.passages)


def test_empty_knowledge_base_refuses(tmp_path: Path, embeddings: CountingEmbeddings) -> None:
    empty = Answerer(open_store(Settings(data_dir=tmp_path / "none")), embeddings)
    result = empty.ask("how do I refer to health visiting?")
    assert result["refused"] is True and "knowledge base is empty" in result["answer"]


def test_langchain_retriever_interface(answerer: Answerer) -> None:
    from waymark.retrieval import WaymarkRetriever

    retriever = WaymarkRetriever(retriever=answerer.retriever, k=2)
    documents = retriever.invoke("how do health visitors refer toddlers to early talk?")
    assert documents[0].metadata["doc_id"] == "t-early-talk"
    assert documents[0].metadata["page"] in (1, 2) and "meaning #" in documents[0].metadata["why"]
    assert "Early Talk referral" in documents[0].page_content


def test_common_words_leave_the_word_search_of_a_large_index(
        answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> None:
    from waymark.store import lexical

    store = answerer.store
    assert store.lexical.selective_terms(["referral", "toddlers"]) == ["referral", "toddlers"]
    monkeypatch.setattr(lexical, "PRUNE_FROM_CHUNKS", 0)  # treat this index as large
    # every chunk's title column holds "Title of ...": the word is in 100% of the chunks
    frequencies, total = store.cached_frequencies(["title"])
    assert frequencies["title"] == total
    assert store.lexical.selective_terms(["title", "toddlers"]) == ["toddlers"]
    assert store.lexical.selective_terms(["title", "of"]) in (["title"], ["of"]), \
        "one is always kept"


def test_fusion_keeps_a_clear_word_match_that_meaning_ranks_low() -> None:
    from waymark.retrieval import fuse
    from waymark.store import StoredChunk

    def chunk(n: int) -> StoredChunk:
        return StoredChunk(n, f"c{n}", f"d{n}", f"v{n}", 0, "", (), None, 0, 0)

    # chunk 2 is the words' clear first but not among the meaning's candidates; chunk 1 is a
    # weak match on both sides (reciprocal rank fusion put it first: two middling ranks beat one
    # top rank, whatever the scores)
    dense = [(chunk(n), 0.40 - n / 100) for n in range(3, 9)] + [(chunk(1), 0.25)]
    lexical = [(chunk(2), 13.5), (chunk(3), 5.0), (chunk(1), 3.0)]
    hits = fuse(dense, lexical, 0.7)
    order = [hit.chunk.rowid for hit in hits]
    assert order[0] == 3, "matching well on both sides comes first"
    assert order.index(2) < order.index(1), "a clear word match beats weak matches on both"
    two = next(hit for hit in hits if hit.chunk.rowid == 2)
    assert two.lexical_rank == 1 and two.dense_rank is None and "words #1" in two.why()
