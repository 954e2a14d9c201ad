"""The Telegram bot end to end: the real Application, the real core over a real store (the
`cases` knowledge base), talking to a fake Bot API server on a local port; and its parts."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import CountingEmbeddings, write_doc
from fake_telegram import Failure, FakeTelegram, html_problem
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from waymark.answer import Answerer
from waymark.bot import keyboards
from waymark.bot.app import build_application, run_bot, webhook_options
from waymark.bot.feedback import FeedbackStore
from waymark.bot.format import (
    APOLOGY,
    render_answer,
    render_eligibility,
    render_quotes,
)
from waymark.bot.send import retry_after_seconds, with_retries
from waymark.bot.split import MAX_MESSAGE, split_html, utf16_len
from waymark.bot.state import ChatMemory, OncePer, RateLimiter, RecentAnswers, Sources
from waymark.cases import Cases
from waymark.config import Settings
from waymark.errors import WaymarkError
from waymark.ingest.pipeline import ingest

# PTB itself reads RetryAfter.retry_after as an int when it builds one (from our fake's 429)
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

WORKER = 111
STRANGER = 999
QUESTION = "Who leads when a child is missing school often?"
QUOTE = "Missing school often is a level 2 need: the school leads with an attendance plan."
RISKY = "She told me she is scared to go home, what do I do?"
ADVISORY_START = "Waymark advises; it never decides."

Scenario = Callable[[FakeTelegram], Awaitable[None]]


# ---------------------------------------------------------------------------------- harness

@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def bot_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    return settings.model_copy(update={
        "telegram_bot_token": fake.token, "telegram_allowed_users": f"{WORKER}, 222",
        "telegram_api_url": fake.base_url})


def run_with_bot(settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
                 fake: FakeTelegram, scenario: Scenario, answerer: Any = None) -> None:
    """Start the bot (long polling the fake), play the scenario, stop; print the transcript."""
    async def main() -> None:
        application = build_application(
            settings, store=cases.store, cases=cases,
            answerer=answerer or Answerer(cases.store, embeddings))
        async with application:
            assert application.post_init is not None
            await application.post_init(application)  # as run_polling would
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                await scenario(fake)
            finally:
                await application.updater.stop()
                await application.stop()

    try:
        asyncio.run(asyncio.wait_for(main(), 60))
    finally:
        print("\n" + fake.transcript_text())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def settle(seconds: float = 0.4) -> None:
    """Give the bot time to send anything more it (wrongly) would."""
    await asyncio.sleep(seconds)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", [])
            for b in row]


def button(message: dict[str, Any], label: str) -> str:
    return next(data for text, data in buttons(message) if text == label)


def plain(html_text: str) -> str:
    """What the worker sees: tags removed, entities decoded."""
    import html

    return html.unescape(re.sub(r"<[^<>]*>", "", html_text))


# ---------------------------------------------------------------------------------- end to end

def test_question_gets_a_short_cited_answer_with_sources_and_feedback(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, QUESTION)
        [answer] = await fake.wait_sent(1, WORKER)
        seen = plain(answer["text"])
        assert QUOTE + " [1]" in seen
        assert "[1] Title of t-threshold, v1.0, Level 2 needs" in seen
        assert seen.rstrip().endswith("manager or safeguarding lead.")
        assert ADVISORY_START in seen and "<i>Waymark advises" in answer["text"]
        assert "🚨" not in seen
        assert [label for label, _ in buttons(answer)] == ["Show sources", "👍", "👎"]
        assert all(len(data.encode()) <= 64 for _, data in buttons(answer))
        typing = fake.calls_to("sendChatAction")
        assert typing and typing[0].params["action"] == "typing"
        assert typing[0].at <= fake.calls_to("sendMessage")[0].at

        fake.press(WORKER, answer, button(answer, "Show sources"))
        [_, quotes] = await fake.wait_sent(2, WORKER)
        assert f"“{QUOTE}”" in plain(quotes["text"])
        assert "Title of t-threshold, v1.0, Threshold > Level 2 needs" in plain(quotes["text"])

        fake.press(WORKER, answer, button(answer, "👍"))
        edited = await fake.wait_until(
            lambda: bool(fake.calls_to("editMessageReplyMarkup", ok=True)),
            lambda: fake.calls_to("editMessageReplyMarkup", ok=True)[0], what="edit")
        assert [b["text"] for row in edited.params["reply_markup"]["inline_keyboard"]
                for b in row] == ["Show sources"]
        notices = [c.params.get("text") for c in fake.calls_to("answerCallbackQuery")]
        assert "Thank you — feedback recorded." in notices
        await settle(0.2)
        assert len(fake.sent(WORKER)) == 2

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)

    db_path = bot_settings.data_dir / "bot_feedback.sqlite3"
    with sqlite3.connect(db_path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(feedback)")]
        rows = db.execute("SELECT answer_id, helpful, created_at, user_hash FROM feedback")\
            .fetchall()
    assert columns == ["answer_id", "helpful", "created_at", "user_hash"]
    [(answer_id, helpful, created_at, user_hash)] = rows
    assert re.fullmatch(r"[0-9a-f]{32}", answer_id) and helpful == 1
    assert dt.datetime.fromisoformat(created_at).tzinfo is not None
    assert user_hash != str(WORKER) and len(user_hash) == 64
    stored = db_path.read_bytes()
    assert b"missing school" not in stored and b"Missing school" not in stored
    # privacy: the question's text is in no log record, and no token-bearing URL is either
    assert "missing school often" not in caplog.text
    assert fake.token not in caplog.text


def test_risky_message_is_escalated_first(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, RISKY)
        [answer] = await fake.wait_sent(1, WORKER)
        text = answer["text"]
        assert text.startswith("🚨 <b>This may mean a child is at immediate risk")
        assert "• <b>If a child is in immediate danger, call 999 and contact the front door " \
               "now.</b>" in text
        seen = plain(text)
        assert seen.index("immediate risk") < seen.index("does not cover") \
            < seen.index(ADVISORY_START)
        # the escalation's source is kept for "Show sources" even though the question is refused
        fake.press(WORKER, answer, button(answer, "Show sources"))
        [_, quotes] = await fake.wait_sent(2, WORKER)
        assert "“If a child is in immediate danger, call 999" in plain(quotes["text"])

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


def test_check_flow_with_service_buttons(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, "/check")
        [menu] = await fake.wait_sent(1, WORKER)
        assert [label for label, _ in buttons(menu)] == ["Title of t-fnp", "Title of t-group"]
        fake.press(WORKER, menu, button(menu, "Title of t-group"))
        await fake.wait_until(lambda: bool(fake.calls_to("editMessageText", ok=True)),
                              lambda: None, what="the prompt")
        assert "Describe the family" in fake.messages[menu["message_id"]]["text"]
        assert "reply_markup" not in fake.messages[menu["message_id"]]

        fake.send(WORKER, "Child aged 6, missing school a lot")
        [_, verdict] = await fake.wait_sent(2, WORKER)
        seen = plain(verdict["text"])
        assert seen.startswith("Title of t-group: ✅ meets the criteria")
        assert "✅ Child age — A child aged 6 is in range (service: child aged 3 to 11). [1]" \
            in seen
        assert "Referral: Any professional · Contact: 01632 960999 · Self-referral: yes" in seen
        assert "Children aged 6" in seen and "“missing school”" in seen
        assert seen.rstrip().endswith("not a decision.")
        assert [label for label, _ in buttons(verdict)] == ["Show sources"]

        # a description given with the command, then a service whose criteria are partly unknown
        fake.send(WORKER, "/check Mum is 18, pregnant with her first baby, lives in NB2")
        [_, _, menu2] = await fake.wait_sent(3, WORKER)
        fake.press(WORKER, menu2, button(menu2, "Title of t-fnp"))
        [*_, partial] = await fake.wait_sent(4, WORKER)
        seen = plain(partial["text"])
        assert seen.startswith("Title of t-fnp: ❓ needs more information")
        assert "❓ Consent required — The service needs the family's consent" in seen
        assert "Questions to ask the family\n• Does the family agree to the referral?" in seen
        assert "Referral: Midwife referral · Contact: fnp@example.org" in seen
        assert plain(fake.messages[menu2["message_id"]]["text"]) == \
            "Checking Title of t-fnp against your description…"

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


def test_newcase_accumulates_facts_then_case_shows_them_and_clear_forgets(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, "/newcase")
        await fake.wait_sent(1, WORKER)
        fake.send(WORKER, "Mum is 18")
        [*_, first] = await fake.wait_sent(2, WORKER)
        assert "Added to the case (note 1). From this note I understood:\n• Parent(s) aged 18" \
            in plain(first["text"])
        fake.send(WORKER, "Child aged 6, missing school")
        [*_, second] = await fake.wait_sent(3, WORKER)
        assert "(note 2)" in second["text"] and "• Children aged 6" in plain(second["text"])
        assert "Needs: Persistent absence" in plain(second["text"])
        assert "Parent(s)" not in plain(second["text"])  # only what this note said

        fake.send(WORKER, QUESTION)  # a question is answered, not added to the case
        [*_, answer] = await fake.wait_sent(4, WORKER)
        assert QUOTE in plain(answer["text"])

        fake.send(WORKER, "/case")
        [*_, case] = await fake.wait_sent(5, WORKER)
        seen = plain(case["text"])
        assert "The case so far (2 notes)" in seen
        assert "• Children aged 6\n• Parent(s) aged 18" in seen
        assert "“Mum is 18”" in seen and "“missing school”" in seen

        fake.send(WORKER, "/threshold")  # uses the open case
        [*_, level] = await fake.wait_sent(6, WORKER)
        assert plain(level["text"]).startswith("Suggested level of need: 2 — Single agency")
        assert "• Persistent absence — level 2 [1]" in plain(level["text"])

        fake.send(WORKER, "/clear")
        [*_, cleared] = await fake.wait_sent(7, WORKER)
        assert cleared["text"] == "Done: the case notes are forgotten."
        fake.send(WORKER, "/case")
        [*_, gone] = await fake.wait_sent(8, WORKER)
        assert gone["text"] == "No case is open. /newcase starts one."

        # with no case, /signpost asks for a description and uses the next message
        fake.send(WORKER, "/signpost")
        [*_, ask] = await fake.wait_sent(9, WORKER)
        assert ask["text"].startswith("Describe the family in your next message")
        fake.send(WORKER, "Child aged 6, missing school")
        [*_, services] = await fake.wait_sent(10, WORKER)
        seen = plain(services["text"])
        assert seen.startswith("Services that could fit (suggested level 2)")
        assert "1. Title of t-group — ✅ meets the criteria" in seen
        # parents' ages, pregnancy, postcode unknown: not "no", so listed second, with questions
        assert "2. Title of t-fnp — ❓ needs more information\n   ❓ Ask: How old are the " \
               "parents?" in seen

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


def test_unlisted_user_is_refused_once_and_nothing_else(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario(fake: FakeTelegram) -> None:
        fake.send(STRANGER, QUESTION)
        [refusal] = await fake.wait_sent(1, STRANGER)
        fake.send(STRANGER, "/start")
        fake.send(STRANGER, "/newcase")
        fake.press(STRANGER, {"message_id": 1, "date": 0, "chat": {"id": STRANGER,
                                                                   "type": "private"}},
                   "s:" + "a" * 32)
        await fake.wait_until(lambda: bool(fake.calls_to("answerCallbackQuery")),
                              lambda: None, what="the button notice")
        await settle()
        assert fake.sent() == [refusal]
        assert "only for the practitioners" in refusal["text"] and "999" in refusal["text"]
        assert not fake.calls_to("sendChatAction")
        assert not fake.calls_to("editMessageText")
        [notice] = fake.calls_to("answerCallbackQuery")
        assert "only for the practitioners" in notice.params["text"]

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)
    assert "refused Telegram user 999" in caplog.text


def test_empty_allow_list_refuses_everyone_and_warns(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    settings = bot_settings.model_copy(update={"telegram_allowed_users": ""})

    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, QUESTION)
        [refusal] = await fake.wait_sent(1, WORKER)
        await settle()
        assert fake.sent() == [refusal] and "only for the practitioners" in refusal["text"]

    run_with_bot(settings, cases, embeddings, fake, scenario)
    assert "no Telegram users are allowed" in caplog.text


def test_long_reply_is_split_into_valid_messages_under_the_limit(
        bot_settings: Settings, kb: Path, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    for i in range(40):
        write_doc(kb, f"long-{i:02d}.md", f"long-{i:02d}", f"# Doc {i}\nSome guidance {i}.\n",
                  title=f'"Guidance <{i:02d}> & notes — ' + "a rather long title " * 6 + '"')
    ingest([kb], bot_settings, embeddings=embeddings)

    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, "/sources")
        await fake.wait_sent(2, WORKER)
        await settle()
        parts = fake.texts(WORKER)
        assert len(parts) >= 2
        assert all(len(p) <= MAX_MESSAGE and html_problem(p) is None for p in parts)
        assert not fake.calls_to("sendMessage", ok=False)
        seen = "\n".join(plain(p) for p in parts)
        assert seen.startswith("The knowledge base: 43 documents")
        for i in range(40):
            assert seen.count(f"Guidance <{i:02d}> & notes") == 1

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


def test_flood_control_server_error_and_dropped_connection_are_survived(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.fail_next("sendMessage", Failure(429, retry_after=1))
        started = time.monotonic()
        fake.send(WORKER, QUESTION)
        await fake.wait_sent(1, WORKER)
        assert time.monotonic() - started >= 1.0  # retry_after honoured

        fake.fail_next("sendMessage", Failure(502))
        fake.send(WORKER, QUESTION)
        await fake.wait_sent(2, WORKER)

        fake.fail_next("sendMessage", Failure(drop=True))
        fake.send(WORKER, QUESTION)
        await fake.wait_sent(3, WORKER)
        await settle()

        assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200, 502, 200, 0, 200]
        answers = fake.texts(WORKER)
        assert len(answers) == 3 and all(QUOTE in plain(a) for a in answers)

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


class BrokenAnswerer:
    def ask(self, question: str) -> dict[str, Any]:
        raise RuntimeError(f"index exploded while reading {question!r}")


def test_failure_inside_waymark_gets_an_apology_and_a_content_free_log(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, "Is the family nurse service voluntary?")
        [reply] = await fake.wait_sent(1, WORKER)
        assert reply["text"] == APOLOGY
        fake.send(WORKER, "/check")  # the rest of the bot still works
        [_, menu] = await fake.wait_sent(2, WORKER)
        assert buttons(menu)

    run_with_bot(bot_settings, cases, embeddings, fake, scenario, answerer=BrokenAnswerer())
    assert "Waymark failed: RuntimeError" in caplog.text
    assert "voluntary" not in caplog.text and "exploded" not in caplog.text


def test_rate_limit_says_slow_down_once(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    settings = bot_settings.model_copy(update={"telegram_rate_limit_per_minute": 2})

    async def scenario(fake: FakeTelegram) -> None:
        for _ in range(4):
            fake.send(WORKER, QUESTION)
        await fake.wait_sent(3, WORKER)
        await settle()
        texts = [plain(t) for t in fake.texts(WORKER)]
        assert len(texts) == 3
        assert sum(QUOTE in t for t in texts) == 2
        assert texts[-1].startswith("You're sending messages faster than I can take them")

    run_with_bot(settings, cases, embeddings, fake, scenario)


def test_forgotten_sources_and_stale_buttons_are_explained(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        message = {"message_id": 5, "date": 0, "chat": {"id": WORKER, "type": "private"}}
        fake.press(WORKER, message, "s:" + "b" * 32)
        [reply] = await fake.wait_sent(1, WORKER)
        assert reply["text"].startswith("Sorry — I no longer have the sources of that answer")
        fake.press(WORKER, message, "zz:nonsense")
        await fake.wait_until(lambda: len(fake.calls_to("answerCallbackQuery")) == 2,
                              lambda: None, what="notice")
        assert fake.calls_to("answerCallbackQuery")[-1].params["text"] == \
            "That button no longer works."
        fake.send(WORKER, "/nonsense")
        [*_, unknown] = await fake.wait_sent(2, WORKER)
        assert "/help" in unknown["text"]

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


def test_group_chats_are_declined(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, QUESTION, chat_id=-100, chat_type="group")
        [reply] = await fake.wait_sent(1, -100)
        assert "private chat" in reply["text"]
        await settle()
        assert len(fake.sent()) == 1

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


def test_risk_in_a_case_note_is_escalated_at_once_and_in_the_case(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, "/newcase Child aged 9")
        [_, first] = await fake.wait_sent(2, WORKER)
        assert "Children aged 9" in plain(first["text"]) and "🚨" not in first["text"]
        fake.send(WORKER, "She says she is scared to go home")
        [*_, ack] = await fake.wait_sent(3, WORKER)
        assert ack["text"].startswith("🚨 <b>This may mean a child is at immediate risk")
        assert "Needs: Disclosure of harm" in plain(ack["text"])
        fake.send(WORKER, "/case")
        [*_, case] = await fake.wait_sent(4, WORKER)
        assert case["text"].startswith("🚨 <b>This may mean a child is at immediate risk")
        assert "The case so far (2 notes)" in plain(case["text"])

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)


class SlowAnswerer:
    """Answers "slow" only once released; anything else at once, from the real core."""

    def __init__(self, inner: Answerer) -> None:
        self.inner = inner
        self.release = threading.Event()

    def ask(self, question: str) -> dict[str, Any]:
        if question == "slow?":
            assert self.release.wait(20)
        return self.inner.ask(QUESTION)


def test_a_slow_answer_in_one_chat_does_not_hold_up_another(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    slow = SlowAnswerer(Answerer(cases.store, embeddings))

    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, "slow?")
        await fake.wait_until(lambda: bool(fake.calls_to("sendChatAction")), lambda: None,
                              what="typing")
        fake.send(222, QUESTION)
        [other] = await fake.wait_sent(1, 222)  # while the first chat's answer is still going
        assert QUOTE in plain(other["text"]) and not fake.sent(WORKER)
        slow.release.set()
        [first] = await fake.wait_sent(1, WORKER)
        assert QUOTE in plain(first["text"])

    run_with_bot(bot_settings, cases, embeddings, fake, scenario, answerer=slow)


class WeirdAnswerer:
    def ask(self, question: str) -> Any:
        return ["not", "an", "answer"]


def test_a_bug_in_the_bot_itself_still_gets_an_apology(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, QUESTION)
        [reply] = await fake.wait_sent(1, WORKER)
        assert reply["text"] == APOLOGY

    run_with_bot(bot_settings, cases, embeddings, fake, scenario, answerer=WeirdAnswerer())
    assert "bot error: AttributeError at" in caplog.text and "missing school" not in caplog.text


def test_webhook_mode_serves_updates_that_carry_the_secret(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    port = free_port()
    settings = bot_settings.model_copy(update={
        "telegram_webhook_url": "https://bot.example.org/waymark/hook",
        "telegram_webhook_port": port, "telegram_webhook_secret": "s3cret_token-1"})
    hook = f"http://127.0.0.1:{port}/waymark/hook"

    async def main() -> None:
        application = build_application(settings, store=cases.store, cases=cases,
                                        answerer=Answerer(cases.store, embeddings))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_webhook(**webhook_options(settings))
            try:
                [registered] = fake.calls_to("setWebhook", ok=True)
                assert registered.params["url"] == "https://bot.example.org/waymark/hook"
                assert registered.params["secret_token"] == "s3cret_token-1"
                update = {"update_id": 7, **fake.message_update(WORKER, QUESTION)}
                async with httpx.AsyncClient() as client:
                    forged = await client.post(hook, json=update, headers={
                        "X-Telegram-Bot-Api-Secret-Token": "guess"})
                    real = await client.post(hook, json=update, headers={
                        "X-Telegram-Bot-Api-Secret-Token": "s3cret_token-1"})
                assert forged.status_code == 403 and real.status_code == 200
                [answer] = await fake.wait_sent(1, WORKER)
                assert QUOTE in plain(answer["text"])
                await settle()
                assert len(fake.sent()) == 1
            finally:
                await application.updater.stop()
                await application.stop()

    asyncio.run(asyncio.wait_for(main(), 60))


# ---------------------------------------------------------------------------------- start-up

def test_run_bot_polls_by_default_and_uses_a_webhook_when_configured(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from telegram.ext import Application

    runs: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(Application, "run_polling",
                        lambda self, **kw: runs.append(("polling", kw)))
    monkeypatch.setattr(Application, "run_webhook",
                        lambda self, **kw: runs.append(("webhook", kw)))
    base = settings.model_copy(update={"telegram_bot_token": "1:x",
                                       "telegram_allowed_users": "5"})
    run_bot(base)
    run_bot(base.model_copy(update={"telegram_webhook_url": "https://h.example/tg/hook"}))
    assert runs[0] == ("polling", {"allowed_updates": ["message", "callback_query"]})
    kind, options = runs[1]
    assert kind == "webhook"
    assert {k: v for k, v in options.items() if k != "secret_token"} == {
        "listen": "127.0.0.1", "port": 8443, "url_path": "tg/hook",
        "webhook_url": "https://h.example/tg/hook",
        "allowed_updates": ["message", "callback_query"]}
    assert len(options["secret_token"]) >= 32  # generated when none is configured


def test_missing_token_says_how_to_get_one(settings: Settings) -> None:
    with pytest.raises(WaymarkError, match="@BotFather"):
        run_bot(settings.model_copy(update={"telegram_bot_token": None}))
    with pytest.raises(WaymarkError, match="TELEGRAM_BOT_TOKEN"):
        build_application(settings.model_copy(update={"telegram_bot_token": "  "}))


def test_token_is_read_from_telegram_bot_token(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:abc")
    monkeypatch.setenv("WAYMARK_TELEGRAM_ALLOWED_USERS", "1, 2")
    settings = Settings(data_dir=tmp_path)
    assert settings.telegram_bot_token == "42:abc" and settings.telegram_user_ids == {1, 2}


def test_api_url_is_the_bot_base_url(bot_settings: Settings, cases: Cases,
                                     fake: FakeTelegram) -> None:
    application = build_application(bot_settings, store=cases.store, cases=cases,
                                    answerer=BrokenAnswerer())  # type: ignore[arg-type]
    assert application.bot.base_url == f"{fake.base_url}{fake.token}"
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


# ---------------------------------------------------------------------------------- splitting

class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def assert_valid_parts(parts: list[str], limit: int) -> None:
    for part in parts:
        assert utf16_len(part) <= limit
        assert html_problem(part) is None, part
        checker = _Balance()
        checker.feed(part)
        assert checker.ok and not checker.stack


def test_split_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b> &amp; bye") == ["<b>hi</b> &amp; bye"]
    assert split_html("  \n ") == []


def test_split_prefers_paragraph_breaks() -> None:
    paragraphs = [f"<b>Paragraph {i}</b>\n" + "word " * 60 for i in range(30)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_html(text, limit=1000)
    assert len(parts) > 3
    assert_valid_parts(parts, 1000)
    assert all(p.startswith("<b>Paragraph") for p in parts)  # every cut between paragraphs
    assert "\n\n".join(parts) == text


def test_split_inside_a_long_tagged_line_closes_and_reopens_tags() -> None:
    text = '<i>' + " ".join(f'w{i} <a href="https://x.org/?a=1&amp;b=2">l&amp;k</a>'
                            for i in range(300)) + "</i>"
    parts = split_html(text, limit=500)
    assert len(parts) > 5
    assert_valid_parts(parts, 500)
    assert all(p.startswith("<i>") and p.endswith("</i>") for p in parts)
    assert plain(" ".join(parts)).split() == plain(text).split()


def test_split_never_cuts_a_tag_or_entity_and_counts_utf16() -> None:
    text = "😀&lt;" * 3000 + " <b>" + "x" * 5000 + "</b>"
    parts = split_html(text)
    assert_valid_parts(parts, MAX_MESSAGE)
    assert "".join(plain(p) for p in parts) == plain(text).replace(" ", "", 1)


def test_split_breaks_lines_before_spaces() -> None:
    lines = [f"• item {i} " + "detail " * 10 for i in range(200)]
    parts = split_html("\n".join(lines), limit=800)
    assert_valid_parts(parts, 800)
    assert all(p.startswith("• item") for p in parts)


# ---------------------------------------------------------------------------------- rendering

CITATION = {"n": 1, "doc_id": "d", "title": "Hubs <draft> & co", "kind": "guidance",
            "version": "2.1", "effective": "2026-01-01", "section": "Access > Hours", "page": 4,
            "quote": "Open 9 < 5?", "url": "https://example.org/a?b=1&c=2", "stale": True}


def test_answer_rendering_escapes_everything_and_orders_escalation_first() -> None:
    result = {"answer": "Hubs open <early> & late [1]", "citations": [CITATION],
              "refused": False, "advisory": "Waymark advises; it never decides.",
              "escalation": {"message": "Risk <now>", "actions": ["Call 999 & act"],
                             "citation": {**CITATION, "stale": False}}}
    text = render_answer(result)
    assert html_problem(text) is None
    assert text.startswith("🚨 <b>Risk &lt;now&gt;</b>\n• <b>Call 999 &amp; act</b>\n<i>Source:")
    assert "Hubs open &lt;early&gt; &amp; late [1]" in text
    assert ('[1] Hubs &lt;draft&gt; &amp; co, v2.1, Hours / p. 4 — '
            '<a href="https://example.org/a?b=1&amp;c=2">link</a> ⚠️ stale') in text
    assert "<i>Source: Hubs &lt;draft&gt; &amp; co, v2.1, Hours / p. 4 — <a" in text
    assert text.endswith("<i>Waymark advises; it never decides.</i>")


def test_sources_citing_the_same_place_share_a_line_and_quotes_keep_the_full_path() -> None:
    second = {**CITATION, "n": 2, "quote": "Another sentence."}
    other = {**CITATION, "n": 3, "section": "Access > Days", "stale": False}
    text = render_answer({"answer": "a [1] b [2] c [3]", "citations": [CITATION, second, other],
                          "advisory": "A."})
    assert "\n[1, 2] Hubs &lt;draft&gt; &amp; co, v2.1, Hours / p. 4 — " in text
    assert "\n[3] Hubs &lt;draft&gt; &amp; co, v2.1, Days / p. 4 — " in text
    quotes = render_quotes([CITATION, second])
    assert "<b>[1]</b> Hubs &lt;draft&gt; &amp; co, v2.1, Access &gt; Hours / p. 4" in quotes
    assert "<i>“Open 9 &lt; 5?”</i>" in quotes and "<i>“Another sentence.”</i>" in quotes


def test_eligibility_rendering_marks_each_criterion() -> None:
    result = {"title": "T", "verdict": "does_not_meet", "escalation": None, "missing": [],
              "criteria": [{"criterion": "child_age", "status": "not_met", "detail": "too old",
                            "citation": None},
                           {"criterion": "areas", "status": "unknown", "detail": "?",
                            "citation": None}],
              "referral": {"route": "GP"}, "family": {}, "advisory": "A."}
    seen = plain(render_eligibility(result, {}))
    assert "T: ❌ does not meet the criteria" in seen
    assert "❌ Child age — too old" in seen and "❓ Areas — ?" in seen


# ---------------------------------------------------------------------------------- retrying

def test_retry_after_may_be_int_or_timedelta() -> None:
    assert retry_after_seconds(RetryAfter(3)) == 3.0
    assert retry_after_seconds(RetryAfter(dt.timedelta(seconds=2))) == 2.0


def _flaky(errors: list[Exception]) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    calls = [0]

    async def call() -> str:
        calls[0] += 1
        if errors:
            raise errors.pop(0)
        return "sent"

    return call, calls


def test_with_retries_waits_as_told_and_backs_off() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    call, calls = _flaky([RetryAfter(dt.timedelta(seconds=3)), NetworkError("Bad Gateway"),
                          TimedOut()])
    assert asyncio.run(with_retries(call, sleep=sleep, backoff=0.5)) == "sent"
    assert calls == [4] and slept == [3.0, 1.0, 2.0]


@pytest.mark.parametrize("error", [BadRequest("can't parse entities"), Forbidden("blocked")])
def test_with_retries_never_repeats_a_rejected_request(error: Exception) -> None:
    call, calls = _flaky([error])
    with pytest.raises(type(error)):
        asyncio.run(with_retries(call, sleep=lambda s: asyncio.sleep(0)))
    assert calls == [1]


def test_with_retries_is_bounded() -> None:
    call, calls = _flaky([NetworkError("down")] * 10)
    with pytest.raises(NetworkError):
        asyncio.run(with_retries(call, attempts=3, sleep=lambda s: asyncio.sleep(0)))
    assert calls == [3]
    call, calls = _flaky([RetryAfter(3600)])
    with pytest.raises(RetryAfter):  # an hour's wait is not worth holding the worker for
        asyncio.run(with_retries(call, sleep=lambda s: asyncio.sleep(0)))
    assert calls == [1]


# ---------------------------------------------------------------------------------- state

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_case_notes_expire_after_the_ttl_without_use() -> None:
    clock = Clock()
    memory = ChatMemory(ttl_s=600, clock=clock)
    memory.new_case(1)
    memory.add_note(1, "mum is 18")
    clock.now += 599
    case = memory.case(1)
    assert case is not None and case.notes == ["mum is 18"]  # and this use renews it
    clock.now += 599
    assert memory.case(1) is not None
    clock.now += 601
    assert memory.case(1) is None and len(memory) == 0


def test_rate_limit_is_a_rolling_window_per_user() -> None:
    limiter = RateLimiter(2, window_s=1)
    assert [limiter.check(1) for _ in range(4)] == ["ok", "ok", "warn", "quiet"]
    assert limiter.check(2) == "ok"
    time.sleep(0.5)
    assert limiter.check(1) == "quiet"
    time.sleep(0.7)
    assert limiter.check(1) == "ok"


def test_once_per_period() -> None:
    clock = Clock()
    once = OncePer(60, clock=clock)
    assert once.first(5) and not once.first(5)
    clock.now += 61
    assert once.first(5)


def test_recent_answers_are_bounded() -> None:
    recent = RecentAnswers(maxsize=3)
    for i in range(5):
        recent.put(str(i), Sources([{"n": 1}]))
    assert len(recent) == 3 and recent.get("0") is None and recent.get("4") is not None


def test_feedback_is_one_vote_per_user_and_answer(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record("a" * 32, True, 7)
    store.record("a" * 32, False, 7)
    store.record("a" * 32, True, 8)
    assert store.counts() == {"helpful": 1, "not_helpful": 1}
    again = FeedbackStore(tmp_path / "f.sqlite3")
    assert again.user_hash(7) == store.user_hash(7) != FeedbackStore(tmp_path / "g").user_hash(7)


def test_callback_data_fits_even_for_long_service_ids() -> None:
    long_id = "nb-" + "very-long-service-name-" * 5
    markup = keyboards.services_keyboard([(long_id, "A service"), ("nb-fnp", "FNP")])
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert all(isinstance(d, str) and len(d.encode()) <= 64 for d in data)
    assert data[1] == "c:nb-fnp"
    parsed = keyboards.parse(str(data[0]))
    assert parsed is not None and keyboards.matches_service(parsed.key, long_id)
    assert keyboards.parse("f:1:" + "c" * 32) == keyboards.Callback("feedback", "c" * 32, True)
    assert keyboards.parse("f:2:" + "c" * 32) is None and keyboards.parse("s:nothex") is None


def test_fix_corrects_what_was_read_in_one_step(
        bot_settings: Settings, cases: Cases, embeddings: CountingEmbeddings,
        fake: FakeTelegram) -> None:
    async def scenario(fake: FakeTelegram) -> None:
        fake.send(WORKER, "/fix mum is 24")
        [nothing] = await fake.wait_sent(1, WORKER)
        assert nothing["text"].startswith("Nothing to correct yet")

        fake.send(WORKER, "/threshold mum is 23, the 7yo keeps missing school")
        [*_, first] = await fake.wait_sent(2, WORKER)
        seen = plain(first["text"])
        assert "Read: Children: child 7 · Mum 23 · concerns: Persistent absence" in seen
        assert "Not right? Send /fix" in seen
        assert seen.startswith("Suggested level of need: 2")

        fake.send(WORKER, "/fix mum is 25, and dad hits mum")
        [*_, fixed] = await fake.wait_sent(3, WORKER)
        seen = plain(fixed["text"])
        assert "Read: Children: child 7 · Mum 25, Dad · concerns: Persistent absence; " \
               "Domestic abuse" in seen
        assert "Suggested level of need: 3" in seen

    run_with_bot(bot_settings, cases, embeddings, fake, scenario)
