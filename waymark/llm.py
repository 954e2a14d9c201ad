"""Optional generative answers and fact extraction through any OpenAI-compatible endpoint
(Ollama, vLLM, llama.cpp server, an approved hosted model), held to the extractive rules.

The model sees only the retrieved passages, numbered, and must return JSON: answer sentences,
each with the passage numbers it rests on and a short verbatim quote. Nothing reaches a user
unless every sentence cites, every number exists and every quote is verbatim in its passage;
otherwise one retry, then the extractive answer. Escalation and refusal stay rule-based and run
before the model; a time-out or an unreachable endpoint falls back the same way, silently.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field, SecretStr, ValidationError

from waymark.citations import Citation, checkable
from waymark.config import Settings
from waymark.family import Family
from waymark.models import Taxonomy
from waymark.retrieval import Passage
from waymark.sentences import normalise_quote

log = logging.getLogger(__name__)

ANSWER_PROMPT = """You answer questions from early-help practitioners using ONLY the numbered
passages you are given from their local guidance. Never add facts that are not in the passages.
Reply with JSON only, no prose around it, in exactly this shape:
{"sentences": [{"text": "one short answer sentence", "passages": [1],
                "quote": "a short phrase copied word for word from that passage"}]}
Rules: at most 5 sentences and about 120 words in all; every sentence cites at least one
passage number; every quote is copied exactly from one of the passages the sentence cites
(at least 5 words). If the passages do not answer the question, reply {"sentences": []}."""

FACTS_PROMPT = """Read a practitioner's description of a family and return JSON only, in exactly
this shape (leave out anything the text does not state; never guess):
{"children": [{"age_years": 4}], "parents": [{"age_years": 19}], "pregnant": true,
 "postcode": "NB2 4QT", "needs": ["taxonomy-id"], "level": 2, "consent": true}
Ages in years (18 months = 1.5). `needs` may only use these ids, and only for needs the text
states as current (not negated, not in the past):
"""


class LLMSentence(BaseModel):
    text: str = Field(min_length=1, max_length=600)
    passages: list[int] = Field(min_length=1)
    quote: str = Field(min_length=1, max_length=600)


class LLMAnswer(BaseModel):
    sentences: list[LLMSentence]


class InvalidAnswer(ValueError):
    """The model's reply broke a citation rule; the message says which."""


@dataclass
class Generated:
    answer: str
    citations: list[Citation]


def parse_json(content: str) -> Any:
    """The JSON object in a model reply (models like to wrap it in prose or code fences)."""
    match = re.search(r"\{.*\}", content, re.S)
    if not match:
        raise InvalidAnswer("the reply holds no JSON object")
    try:
        return json.loads(match.group())
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"the reply is not valid JSON ({exc.msg})") from None


def _find(quote: str, passage: Passage) -> int:
    """Offset of `quote` in the passage's document text (whitespace-insensitive), or -1."""
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    match = re.search(pattern, passage.text)
    return passage.start + match.start() if match else -1


def validate_answer(data: Any, passages: list[Passage]) -> Generated:
    """Check every rule; turn the sentences into a numbered answer with verbatim citations."""
    try:
        reply = LLMAnswer.model_validate(data)
    except ValidationError as exc:
        raise InvalidAnswer(f"the reply does not follow the schema ({exc.errors()[0]['msg']})") \
            from None
    if not reply.sentences:
        raise InvalidAnswer("the model found no answer where the rules found one")
    statements, citations = [], []
    for sentence in reply.sentences:
        numbers = [n for n in sentence.passages if 1 <= n <= len(passages)]
        if len(numbers) != len(sentence.passages):
            raise InvalidAnswer(f"passage numbers {sentence.passages} do not all exist")
        quote = normalise_quote(sentence.quote)
        if not checkable(quote):
            raise InvalidAnswer(f"quote {quote!r} is too short to check")
        found = [(passages[n - 1], _find(quote, passages[n - 1])) for n in numbers]
        found = [(p, at) for p, at in found if at >= 0]
        if not found:
            raise InvalidAnswer(f"quote {quote!r} is not verbatim in passages {numbers}")
        passage, at = found[0]
        section, page = passage.locate(at)
        citations.append(Citation(passage.doc, quote, section, page, at, at + len(quote)))
        statements.append(f"{' '.join(sentence.text.split())} [{len(citations)}]")
    return Generated(" ".join(statements), citations)


class LLM:
    """The configured chat model, with the answer and fact-extraction calls Waymark makes."""

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        self.model = ChatOpenAI(
            model_name=settings.llm_model, openai_api_base=settings.llm_base_url,
            openai_api_key=SecretStr(settings.llm_api_key or "not-needed"),
            request_timeout=settings.llm_timeout_s, max_retries=0, temperature=0,
        )
        self.extract_facts = settings.llm_extract_facts

    def _ask(self, system: str, user: str) -> str:
        reply = self.model.invoke([SystemMessage(system), HumanMessage(user)])
        return reply.content if isinstance(reply.content, str) else json.dumps(reply.content)

    def answer(self, question: str, passages: list[Passage]) -> tuple[Generated | None, str]:
        """A validated answer, or None with the reason to fall back (one retry first)."""
        numbered = "\n\n".join(
            f"[{n}] From: {p.doc.meta.title}{' - ' + ' > '.join(p.section) if p.section else ''}"
            f"\n{' '.join(p.text.split())}" for n, p in enumerate(passages, start=1))
        prompt = f"Question: {question}\n\nPassages:\n\n{numbered}"
        reason = ""
        for _ in range(2):
            try:
                return validate_answer(parse_json(self._ask(ANSWER_PROMPT, prompt)),
                                       passages), ""
            except InvalidAnswer as exc:
                reason = str(exc)
            except Exception as exc:  # time-out, refused connection, 5xx: fall back quietly
                log.warning("LLM endpoint failed (%s); using the extractive answer",
                            type(exc).__name__)
                return None, f"endpoint failed ({type(exc).__name__})"
        log.info("LLM answer rejected twice (%s); using the extractive answer", reason)
        return None, reason

    def family(self, text: str, taxonomy: Taxonomy) -> Family | None:
        """Facts read by the model, if they pass the schema and the taxonomy; else None."""
        if not self.extract_facts:
            return None
        terms = "\n".join(f"- {t.id}: {t.label}" for t in taxonomy.terms)
        try:
            data = parse_json(self._ask(FACTS_PROMPT + terms, text))
            family = Family.model_validate(data)
        except Exception as exc:  # any failure: the rules read the text instead
            log.info("LLM facts rejected (%s); using the rules", type(exc).__name__)
            return None
        if family.unknown_terms(taxonomy):
            log.info("LLM facts used ids outside the taxonomy; using the rules")
            return None
        return family


def make_llm(settings: Settings) -> LLM | None:
    return LLM(settings) if settings.llm_base_url else None
