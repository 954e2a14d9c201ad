"""What the bot does with each message, command and button press.

A gate runs before every handler: only allowed users, only private chats, within the rate
limit. The core calls are synchronous and CPU-bound, so they run in a worker thread; a failure
inside Waymark gets a short apology, never silence. Message text is never logged (unless
`WAYMARK_LOG_CONTENT` is set).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import BotCommand, CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from waymark.answer import Answerer
from waymark.bot import keyboards
from waymark.bot.feedback import FeedbackStore
from waymark.bot.format import (
    APOLOGY,
    esc,
    render_answer,
    render_case,
    render_documents,
    render_eligibility,
    render_note_added,
    render_quotes,
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

COMMANDS = [
    ("start", "What Waymark does and what it keeps"),
    ("help", "How to use Waymark"),
    ("check", "Does a family meet a service's criteria?"),
    ("signpost", "Which services could fit a family?"),
    ("threshold", "Which level of need do the indicators point to?"),
    ("newcase", "Start case notes for one family"),
    ("case", "Show the facts in the case notes"),
    ("fix", "Correct what I read about the family (e.g. /fix Leah is 7)"),
    ("clear", "Forget the case notes"),
    ("sources", "The documents Waymark answers from"),
]

DESCRIBE = ("Describe the family in your next message: ages of the children and parents, "
            "postcode, pregnancy, what is going on, whether they agree to a referral. "
            "Please leave out names and other identifying details.")
SLOW_DOWN = ("You're sending messages faster than I can take them — please slow down and try "
             "again in a minute.")
PRIVATE_ONLY = "I only work in a private chat: please message me directly."


def _where(exc: BaseException) -> str:
    """Where an exception was raised (file:line), for logs that must not carry its message."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def _args(update: Update) -> str:
    """The text after the command, line breaks kept."""
    text = update.effective_message.text if update.effective_message else None
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def _ids(update: Update) -> tuple[int, int]:
    # the gate lets through only updates with a user and a chat
    assert update.effective_chat is not None and update.effective_user is not None
    return update.effective_chat.id, update.effective_user.id


class WaymarkBot:
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
        self.limiter = RateLimiter(settings.telegram_rate_limit_per_minute, clock)
        self.refused = OncePer(REFUSAL_PERIOD_S, clock=clock)
        self.group_notice = OncePer(REFUSAL_PERIOD_S, clock=clock)
        self.recent = RecentAnswers(RECENT_ANSWERS)

    # ------------------------------------------------------------------ wiring

    def install(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(TypeHandler(Update, self.gate), group=-1)
        commands: dict[str, Callable[[Update, Context], Any]] = {
            "start": self.start, "help": self.help, "check": self.check,
            "signpost": self.signpost, "threshold": self.threshold, "newcase": self.new_case,
            "case": self.show_case, "clear": self.clear, "sources": self.sources,
            "fix": self.fix,
        }
        for name, callback in commands.items():
            application.add_handler(CommandHandler(name, callback))
        application.add_handler(MessageHandler(filters.COMMAND, self.unknown_command))
        application.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE,
                                               self.on_text))
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.not_text))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_error_handler(self.on_error)

    async def post_init(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Publish the command menu; the bot works without it, so a failure is only logged."""
        try:
            await application.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS])
        except TelegramError as exc:
            log.warning("could not set the command menu (%s)", type(exc).__name__)

    # ------------------------------------------------------------------ the gate

    async def gate(self, update: object, context: Context) -> None:
        """Runs before every handler; stops the update unless the user may be served now."""
        if not isinstance(update, Update) or update.effective_user is None \
                or update.effective_chat is None:
            raise ApplicationHandlerStop
        user_id, chat = update.effective_user.id, update.effective_chat
        query = update.callback_query
        if chat.type != ChatType.PRIVATE:  # case details do not belong in a group
            if query is not None:
                await self.sender.answer_callback(query.id, PRIVATE_ONLY)
            elif self.group_notice.first(chat.id):
                await self.sender.send(chat.id, esc(PRIVATE_ONLY))
            raise ApplicationHandlerStop
        if user_id not in self.allowed:
            log.info("refused Telegram user %s: not in WAYMARK_TELEGRAM_ALLOWED_USERS", user_id)
            text = (f"Sorry — this Waymark bot is only for the practitioners it has been set up "
                    f"for. Your Telegram user id is {user_id}: if you should have access, ask "
                    "the person who runs it to add you.")
            if query is not None:
                await self.sender.answer_callback(query.id, text[:200])
            elif self.refused.first(user_id):
                await self.sender.send(chat.id, esc(text))
            raise ApplicationHandlerStop
        verdict = self.limiter.check(user_id)
        if verdict != "ok":
            log.info("rate limit reached for a user")
            if query is not None:
                await self.sender.answer_callback(query.id, SLOW_DOWN if verdict == "warn"
                                                  else None)
            elif verdict == "warn":
                await self.sender.send(chat.id, esc(SLOW_DOWN))
            raise ApplicationHandlerStop

    # ------------------------------------------------------------------ calling the core

    async def core(self, chat_id: int, fn: Callable[..., T], *args: Any) -> T | None:
        """`fn(*args)` in a worker thread; None (after telling the worker why) on failure."""
        try:
            return await asyncio.to_thread(fn, *args)
        except (CaseInputError, UnknownService) as exc:
            await self.sender.send(chat_id, f"⚠️ {esc(exc)}")
        except Exception as exc:
            log.error("Waymark failed: %s%s", type(exc).__name__, _where(exc))
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

    # ------------------------------------------------------------------ commands

    async def start(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        ttl = self.settings.telegram_case_ttl_minutes
        await self.sender.send(chat_id, (
            "<b>Waymark</b> answers from your local early-help guidance — evidence summaries, "
            "threshold guidance and service specifications — and cites the passage it relied "
            "on. When the guidance does not cover something, it says so.\n\n"
            "• Ask a question in plain words.\n"
            "• /check, /signpost and /threshold look at one family: does it meet a service's "
            "criteria, which services could fit, which level of need the indicators point to. "
            "/newcase keeps notes about a family for them.\n"
            "• Anything that reads as immediate risk to a child is escalated first, whatever "
            "was asked.\n\n"
            "<b>Waymark advises; it never decides.</b> Check the cited guidance, use your "
            "professional judgement and discuss decisions with your manager or safeguarding "
            "lead.\n\n"
            "<b>What it keeps</b>\n"
            "• Your messages are not stored, and their text is not logged.\n"
            "• Feedback (👍/👎) stores only the answer's id and the rating (with a one-way "
            "hash of your user id, so a second vote replaces the first).\n"
            f"• Case notes are kept in memory for this chat only, and forgotten after {ttl} "
            "minutes without use, when the bot restarts, or at once with /clear.\n"
            "Messages pass through Telegram: describe families without names, addresses or "
            "dates of birth.\n\n/help lists the commands."))

    async def help(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        await self.sender.send(chat_id, (
            "<b>Ask</b> any question in plain words: a short answer citing the guidance, with "
            "<i>Show sources</i> for the exact passages and 👍/👎 to tell us if it helped.\n\n"
            "<b>One family</b>\n"
            "/check — pick a service; does the family meet its criteria?\n"
            "/signpost — which services could fit (add the description after the command, "
            "or use the case notes)\n"
            "/threshold — which level of need the indicators point to\n\n"
            "<b>Case notes</b>\n"
            "/newcase — start notes: then each message that does not end with “?” is added as "
            "facts (questions are still answered)\n"
            "/case — the facts so far\n"
            "/clear — forget the case\n\n"
            "/sources — the documents Waymark answers from\n"
            "/start — what Waymark does and what it keeps"))

    async def check(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        services = await self.core(chat_id, self._services)
        if services is None:
            return
        if not services:
            await self.sender.send(chat_id, "There are no services in the knowledge base yet.")
            return
        if description := _args(update):
            self.memory.set_pending(chat_id, Pending("check", text=description))
        await self.sender.send(chat_id, "Which service should I check the family against?",
                               keyboards.services_keyboard(services))

    async def signpost(self, update: Update, context: Context) -> None:
        await self._family_command(update, "signpost")

    async def threshold(self, update: Update, context: Context) -> None:
        await self._family_command(update, "threshold")

    async def _family_command(self, update: Update, action: Action) -> None:
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        text = _args(update)
        case = self.memory.case(chat_id)
        if not text and case is not None and case.notes:
            text = case.text
        if not text:
            self.memory.set_pending(chat_id, Pending(action))
            await self.sender.send(chat_id, esc(DESCRIBE))
            return
        await self.run_case(chat_id, action, text)

    async def new_case(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        self.memory.new_case(chat_id)
        ttl = self.settings.telegram_case_ttl_minutes
        await self.sender.send(chat_id, (
            "<b>New case started</b> (any earlier case notes are forgotten).\n"
            "Send what you know about the family, a message at a time: ages, postcode, "
            "pregnancy, needs, consent. A message ending in “?” is still answered as a "
            "question.\n"
            f"<i>Kept in memory for this chat only; forgotten after {ttl} minutes without use, "
            "or now with /clear. Please leave out names and other identifying details.</i>"))
        if note := _args(update):
            await self.add_note(chat_id, note)

    async def show_case(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        case = self.memory.case(chat_id)
        if case is None:
            await self.sender.send(chat_id, "No case is open. /newcase starts one.")
            return
        if not case.notes:
            await self.sender.send(chat_id, "The case is open but empty: send what you know "
                                            "about the family.")
            return
        outcome = await self.core(chat_id, self._threshold, case.text)
        if outcome is not None:
            result, labels = outcome
            await self.sender.send(chat_id, render_case(
                result, labels, len(case.notes), self.settings.telegram_case_ttl_minutes))

    async def fix(self, update: Update, context: Context) -> None:
        """Correct the last description in one step: the correction is read after it, and a
        later statement wins ("Leah is 7", "not pregnant", "no domestic abuse")."""
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        correction = _args(update)
        last = self.memory.last(chat_id)
        if last is None or last.text is None:
            await self.sender.send(chat_id, "Nothing to correct yet: use /check, /signpost or "
                                            "/threshold with a description first.")
            return
        if not correction:
            await self.sender.send(chat_id, "Add the right facts after /fix, e.g. <code>/fix "
                                            "Leah is 7, mum is 24, not pregnant</code>.")
            return
        if self.memory.case(chat_id) is not None:
            self.memory.add_note(chat_id, correction)
        await self.run_case(chat_id, last.action, f"{last.text}\n{correction}",
                            last.service_id)

    async def clear(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        had_case = self.memory.clear(chat_id)
        await self.sender.send(chat_id, "Done: the case notes are forgotten." if had_case
                               else "There was no case open; nothing to forget.")

    async def sources(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        self.memory.pop_pending(chat_id)
        rows = await self.core(chat_id, lambda: [d.source_row() for d in self.store.documents()])
        if rows is not None:
            await self.sender.send(chat_id, render_documents(rows))

    async def unknown_command(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        await self.sender.send(chat_id, "I don't know that command. /help lists what I can do.")

    async def not_text(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        await self.sender.send(chat_id, "I can only read text messages: please type your "
                                        "question.")

    # ------------------------------------------------------------------ plain messages

    async def on_text(self, update: Update, context: Context) -> None:
        chat_id, _ = _ids(update)
        assert update.message is not None and update.message.text is not None
        text = update.message.text.strip()
        if not text:
            return
        pending = self.memory.pending(chat_id)
        if pending is not None and pending.text is None:
            self.memory.pop_pending(chat_id)
            case = self.memory.case(chat_id)
            if case is not None:  # an open case keeps the description as a note
                text = self.memory.add_note(chat_id, text).text
            await self.run_case(chat_id, pending.action, text, pending.service_id)
            return
        if self.memory.case(chat_id) is not None and not text.endswith("?"):
            await self.add_note(chat_id, text)
            return
        await self.ask(chat_id, text)

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

    # ------------------------------------------------------------------ buttons

    async def on_button(self, update: Update, context: Context) -> None:
        chat_id, user_id = _ids(update)
        query = update.callback_query
        assert query is not None
        callback = keyboards.parse(query.data)
        if callback is None:
            await self.sender.answer_callback(query.id, "That button no longer works.")
        elif callback.kind == "sources":
            await self.sender.answer_callback(query.id)
            sources = self.recent.get(callback.key)
            if sources is None:
                await self.sender.send(chat_id, (
                    f"Sorry — I no longer have the sources of that answer (I keep the last "
                    f"{RECENT_ANSWERS}). Ask again to see them."))
            else:
                await self.sender.send(chat_id, render_quotes(sources.citations,
                                                              sources.escalation))
        elif callback.kind == "feedback":
            await self.record_feedback(query, chat_id, user_id, callback.key, callback.helpful)
        else:
            await self.sender.answer_callback(query.id)
            await self.choose_service(query, chat_id, callback.key)

    async def record_feedback(self, query: CallbackQuery, chat_id: int, user_id: int,
                              answer_id: str, helpful: bool) -> None:
        try:
            await asyncio.to_thread(self.feedback.record, answer_id, helpful, user_id)
        except Exception as exc:
            log.error("feedback not recorded: %s%s", type(exc).__name__, _where(exc))
            await self.sender.answer_callback(query.id, "Sorry — that didn't save; please "
                                                        "try again.")
            return
        log.info("feedback on %s: helpful=%s", answer_id, helpful)
        await self.sender.answer_callback(query.id, "Thank you — feedback recorded.")
        message = query.message
        markup = getattr(message, "reply_markup", None)
        if message is not None and markup is not None:
            await self.sender.edit_markup(chat_id, message.message_id,
                                          keyboards.without_feedback(markup))

    async def choose_service(self, query: CallbackQuery, chat_id: int, key: str) -> None:
        services = await self.core(chat_id, self._services)
        if services is None:
            return
        chosen = next(((sid, title) for sid, title in services
                       if keyboards.matches_service(key, sid)), None)
        message_id = query.message.message_id if query.message else None
        if chosen is None:
            await self.sender.send(chat_id, "That service is no longer in the knowledge base; "
                                            "/check shows the current list.")
            return
        service_id, title = chosen
        pending = self.memory.pending(chat_id)
        case = self.memory.case(chat_id)
        text, source = None, ""
        if pending is not None and pending.action == "check" and pending.text:
            text, source = pending.text, "your description"
            self.memory.pop_pending(chat_id)
        elif case is not None and case.notes:
            text, source = case.text, "the case notes"
        if text is None:
            self.memory.set_pending(chat_id, Pending("check", service_id))
            prompt = f"<b>{esc(title)}</b>\n{esc(DESCRIBE)}"
            if message_id is not None:
                await self.sender.edit(chat_id, message_id, prompt)
            else:
                await self.sender.send(chat_id, prompt)
            return
        if message_id is not None:
            await self.sender.edit(chat_id, message_id,
                                   f"Checking <b>{esc(title)}</b> against {source}…")
        await self.run_case(chat_id, "check", text, service_id)

    # ------------------------------------------------------------------ errors

    async def on_error(self, update: object, context: Context) -> None:
        """Log the exception's type and place only (its message could quote the worker), and
        apologise when it was our code, not Telegram, that failed."""
        exc = context.error
        if exc is None:
            return
        log.error("bot error: %s%s", type(exc).__name__, _where(exc))
        if isinstance(exc, TelegramError):
            return
        if isinstance(update, Update) and update.effective_chat and update.effective_user \
                and update.effective_user.id in self.allowed:
            with contextlib.suppress(TelegramError):
                await self.sender.bot.send_message(update.effective_chat.id, APOLOGY)


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
