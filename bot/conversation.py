"""The conversation's core, shared by commands and buttons: the bot's state, calls into
Waymark in a worker thread (a failure gets a short apology, never silence), and the replies to
a question, a case note and a family request. Message text is never logged (unless
`WAYMARK_LOG_CONTENT` is set)."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ContextTypes

from waymark.answer import Answerer
from waymark.bot import keyboards
from waymark.bot.feedback import FeedbackStore
from waymark.bot.format import (
    APOLOGY,
    esc,
    render_answer,
    render_eligibility,
    render_note_added,
    render_signpost,
    render_threshold,
)
from waymark.bot.send import Sender, Typing
from waymark.bot.state import (
    Action,
    ChatMemory,
    OncePer,
    Pending,
    RateLimiter,
    RecentAnswers,
    Sources,
)
from waymark.cases import Cases
from waymark.config import Settings
from waymark.errors import CaseInputError, UnknownService
from waymark.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

RECENT_ANSWERS = 500
REFUSAL_PERIOD_S = 3600.0

DESCRIBE = ("Describe the family in your next message: ages of the children and parents, "
            "postcode, pregnancy, what is going on, whether they agree to a referral. "
            "Please leave out names and other identifying details.")


def where_raised(exc: BaseException) -> str:
    """Where an exception was raised (file:line), for logs that must not carry its message."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def command_text(update: Update) -> str:
    """The text after the command, line breaks kept."""
    text = update.effective_message.text if update.effective_message else None
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def chat_and_user(update: Update) -> tuple[int, int]:
    # the gate lets through only updates with a user and a chat
    assert update.effective_chat is not None and update.effective_user is not None
    return update.effective_chat.id, update.effective_user.id


class Conversation:
    def __init__(self, settings: Settings, answerer: Answerer, cases: Cases, store: Store,
                 feedback: FeedbackStore, sender: Sender,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.allowed = settings.telegram_user_ids
        self.answerer = answerer
        self.cases = cases
        self.store = store
        self.feedback = feedback
        self.sender = sender
        self.memory = ChatMemory(settings.telegram_case_ttl_minutes * 60, clock)
        self.limiter = RateLimiter(settings.telegram_rate_limit_per_minute)
        self.refused = OncePer(REFUSAL_PERIOD_S, clock=clock)
        self.group_notice = OncePer(REFUSAL_PERIOD_S, clock=clock)
        self.recent = RecentAnswers(RECENT_ANSWERS)

    # ------------------------------------------------------------------ calling the core

    async def core(self, chat_id: int, fn: Callable[..., T], *args: Any) -> T | None:
        """`fn(*args)` in a worker thread; None (after telling the worker why) on failure."""
        try:
            return await asyncio.to_thread(fn, *args)
        except (CaseInputError, UnknownService) as exc:
            await self.sender.send(chat_id, f"⚠️ {esc(exc)}")
        except Exception as exc:
            log.error("Waymark failed: %s%s", type(exc).__name__, where_raised(exc))
            await self.sender.send(chat_id, esc(APOLOGY))
        return None

    def _labels(self) -> dict[str, str]:
        return {term.id: term.label for term in self.store.taxonomy().terms}

    def _services(self) -> list[tuple[str, str]]:
        return [(doc.doc_id, doc.meta.title) for doc in self.store.documents()
                if doc.meta.kind == "service"]

    def _case_call(self, action: Action, text: str,
                   service_id: str | None) -> tuple[dict[str, Any], dict[str, str]]:
        if action == "check":
            assert service_id is not None
            result = self.cases.eligibility(service_id, text=text)
        elif action == "signpost":
            result = self.cases.signpost(text=text)
        else:
            result = self.cases.threshold(text=text)
        return result, self._labels()

    def _threshold(self, text: str) -> tuple[dict[str, Any], dict[str, str]]:
        return self.cases.threshold(text=text), self._labels()

    def _log_content(self, what: str, text: str) -> None:
        if self.settings.log_content:
            log.info("%s: %r", what, text)

    # ------------------------------------------------------------------ replies

    async def ask(self, chat_id: int, question: str) -> None:
        self._log_content("question", question)
        started = time.perf_counter()
        async with Typing(self.sender, chat_id):
            result = await self.core(chat_id, self.answerer.ask, question)
        if result is None:
            return
        escalation = result.get("escalation")
        sources = Sources(result.get("citations") or [],
                          escalation.get("citation") if escalation else None)
        answer_id = str(result.get("answer_id") or uuid.uuid4().hex)
        self.recent.put(answer_id, sources)
        await self.sender.send(chat_id, render_answer(result),
                               keyboards.answer_keyboard(answer_id, bool(sources), True))
        log.info("answered %s: refused=%s escalated=%s citations=%d in %.0f ms", answer_id,
                 result.get("refused"), bool(escalation), len(sources.citations),
                 (time.perf_counter() - started) * 1000)

    async def add_note(self, chat_id: int, text: str) -> None:
        self._log_content("case note", text)
        case = self.memory.add_note(chat_id, text)
        async with Typing(self.sender, chat_id):
            outcome = await self.core(chat_id, self._threshold, text)
        if outcome is not None:
            result, labels = outcome
            await self.sender.send(chat_id, render_note_added(result, labels, len(case.notes)))
            log.info("case note added: notes=%d escalated=%s", len(case.notes),
                     bool(result.get("escalation")))

    async def run_case(self, chat_id: int, action: Action, text: str,
                       service_id: str | None = None) -> None:
        self._log_content(action, text)
        async with Typing(self.sender, chat_id):
            outcome = await self.core(chat_id, self._case_call, action, text, service_id)
        if outcome is None:
            return
        result, labels = outcome
        self.memory.remember(chat_id, Pending(action, service_id, text))
        if action == "check":
            html = render_eligibility(result, labels)
            citations = [c["citation"] for c in result.get("criteria") or [] if c.get("citation")]
        elif action == "signpost":
            html = render_signpost(result, labels)
            advice = (result.get("advice") or {}).get("citation")
            citations = _renumbered([c for s in result.get("services") or []
                                     for c in s.get("citations") or []]
                                    + ([advice] if advice else []))
        else:
            html = render_threshold(result, labels)
            citations = [m["citation"] for m in result.get("indicators") or []
                         if m.get("citation")]
        escalation = result.get("escalation")
        sources = Sources(citations, escalation.get("citation") if escalation else None)
        key = uuid.uuid4().hex
        self.recent.put(key, sources)
        await self.sender.send(chat_id, html, keyboards.answer_keyboard(key, bool(sources), False))
        log.info("%s done: verdict=%s level=%s escalated=%s", action, result.get("verdict"),
                 result.get("level", result.get("suggested_level")), bool(escalation))


def _renumbered(citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Citations of several services, without repeats, numbered afresh."""
    seen: set[tuple[Any, ...]] = set()
    out: list[dict[str, Any]] = []
    for citation in citations:
        key = (citation.get("doc_id"), citation.get("section"), citation.get("quote"))
        if key not in seen:
            seen.add(key)
            out.append({**citation, "n": len(out) + 1})
    return out
