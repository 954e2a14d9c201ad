"""The optional LLM against a local fake OpenAI-compatible server: good answers pass, every
broken one falls back to the extractive answer, and refusal and escalation stay rule-based."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import fake_openai as fake_replies
import pytest
from conftest import CountingEmbeddings
from fake_openai import FakeOpenAI, fake_openai

from waymark.answer import Answerer
from waymark.cases import Cases
from waymark.config import Settings
from waymark.llm import LLM, InvalidAnswer, parse_json
from waymark.store import open_store


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with fake_openai() as server:
        yield server


@pytest.fixture
def llm_settings(cases: Cases, settings: Settings, fake: FakeOpenAI) -> Settings:
    return settings.model_copy(update={"llm_base_url": fake.url, "llm_model": "fake-model",
                                       "llm_timeout_s": 1.0})


@pytest.fixture
def answerer(llm_settings: Settings, embeddings: CountingEmbeddings) -> Answerer:
    return Answerer(open_store(llm_settings), embeddings, LLM(llm_settings))


QUESTION = "who are the family nurses for and how do I refer?"


def test_a_good_answer_is_used_with_verbatim_citations(answerer: Answerer,
                                                       fake: FakeOpenAI) -> None:
    result = answerer.ask(QUESTION)
    assert result["mode"] == "llm" and result["refused"] is False
    assert result["answer"].endswith("[1]") and len(result["citations"]) == 1
    citation = result["citations"][0]
    document = " ".join((answerer.store.document_text(citation["doc_id"]) or "").split())
    assert citation["quote"] in document
    assert fake.requests[0]["model"] == "fake-model"
    prompt = fake.requests[0]["messages"][-1]["content"]
    assert "[1] From: " in prompt and QUESTION in prompt


@pytest.mark.parametrize("reply, reason", [
    (fake_replies.hallucinated, "passage numbers [9] do not all exist"),
    (fake_replies.bad_quote, "is not verbatim in passages [1]"),
    (fake_replies.malformed, "not valid JSON"),
])
def test_a_broken_answer_is_retried_once_then_falls_back(answerer: Answerer, fake: FakeOpenAI,
                                                         reply, reason: str) -> None:
    fake.reply = reply
    result = answerer.ask(QUESTION)
    assert len(fake.requests) == 2, "one retry"
    assert result["mode"] == "extractive" and reason in result["fallback"]
    assert result["citations"] and not result["refused"]


def test_a_slow_or_failing_endpoint_falls_back_quietly(answerer: Answerer,
                                                       fake: FakeOpenAI) -> None:
    fake.reply = fake_replies.slow(3.0)
    start = time.perf_counter()
    result = answerer.ask(QUESTION)
    assert time.perf_counter() - start < 2.5, "the time-out (1 s) is honoured"
    assert result["mode"] == "extractive" and "endpoint failed" in result["fallback"]
    fake.reply = fake_replies.server_error
    result = answerer.ask(QUESTION)
    assert result["mode"] == "extractive" and result["citations"]
    assert "error" not in result["answer"].lower()


def test_unreachable_endpoint_falls_back(cases: Cases, settings: Settings,
                                         embeddings: CountingEmbeddings) -> None:
    gone = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1",
                                       "llm_timeout_s": 1.0})
    result = Answerer(open_store(gone), embeddings, LLM(gone)).ask(QUESTION)
    assert result["mode"] == "extractive" and result["citations"]


def test_refusal_and_escalation_stay_rule_based(answerer: Answerer, fake: FakeOpenAI) -> None:
    refused = answerer.ask("what is the recipe for a victoria sponge cake?")
    assert refused["refused"] is True and fake.requests == []
    risky = answerer.ask("she says she is scared to go home, who are the family nurses for?")
    assert risky["escalation"] is not None


def test_facts_from_the_llm_are_validated(llm_settings: Settings, fake: FakeOpenAI) -> None:
    cases = Cases(open_store(llm_settings), LLM(llm_settings))
    fake.reply = fake_replies.facts({"children": [{"age_years": 5}],
                                     "needs": ["persistent-absence"], "postcode": "NB1 1AA"})
    read = cases.threshold(text="the little one is off school all the time, we're in NB2")
    assert read["level"] == 2 and read["family"]["postcode"] == "NB2"
    assert {"fact": "needs", "value": ["persistent-absence"], "source": "llm"} in read[
        "family"]["extracted_from_text"]
    assert read["family"]["children"] == [{"age_years": 5.0}], "the model filled a gap"
    fake.reply = fake_replies.facts({"needs": ["made-up-need"]})
    rules = cases.threshold(text="keeps missing school")
    assert rules["family"]["needs"] == ["persistent-absence"]
    assert all(e.get("source") != "llm" for e in rules["family"]["extracted_from_text"])
    fake.reply = fake_replies.facts({"children": [{"age_years": 400}]})
    assert cases.threshold(text="keeps missing school")["level"] == 2


def test_parse_json_finds_the_object_or_says_why() -> None:
    assert parse_json('Here you go:\n```json\n{"sentences": []}\n```') == {"sentences": []}
    with pytest.raises(InvalidAnswer, match="no JSON object"):
        parse_json("I cannot help with that.")


@pytest.mark.slow
def test_eval_runs_in_llm_mode_against_the_fake(tmp_path: Path, fake: FakeOpenAI) -> None:
    from waymark.evals.runner import Pack, run_eval

    root = Path(__file__).resolve().parent.parent
    settings = Settings(data_dir=tmp_path, llm_base_url=fake.url, llm_timeout_s=5.0)
    pack = Pack(root / "knowledge", root / "evals" / "questions.yaml", tmp_path / "none.yaml",
                root / "evals" / "answers_gold.yaml")
    report = run_eval(pack, settings, use_llm=True)
    metrics = report.metrics
    assert metrics["llm_answers"] > 0.8 and metrics["citation_validity"] == 1.0
    assert metrics["recall_at_5"] >= 0.95
