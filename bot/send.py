"""Talking to Telegram with bounded retries.

Flood control (429) waits as long as Telegram says; server errors (5xx), timeouts and dropped
connections back off and try again; a request Telegram rejected (400 Bad Request, 403 Forbidden,
an invalid token) is never retried. Each message part is retried on its own, so a failure on the
second part of a long answer never sends the first part again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from waymark.bot.split import split_html

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 4
BACKOFF_S = 1.0  # then 2, 4: a few seconds in all, while the worker waits
MAX_RETRY_AFTER_S = 60.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def retry_after_seconds(exc: RetryAfter) -> float:
    """PTB 22 gives `retry_after` as int seconds or as a timedelta (PTB_TIMEDELTA)."""
    with warnings.catch_warnings():  # reading it as an int is deprecated; both are handled
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def _retryable(exc: BaseException, max_retry_after: float) -> bool:
    if isinstance(exc, RetryAfter):
        return retry_after_seconds(exc) <= max_retry_after
    # BadRequest subclasses NetworkError in PTB, but repeating a rejected request is pointless
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


async def with_retries(call: Callable[[], Awaitable[T]], *, what: str = "request",
                       attempts: int = ATTEMPTS, backoff: float = BACKOFF_S,
                       max_retry_after: float = MAX_RETRY_AFTER_S,
                       sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> T:
    """`await call()`, retried on 429 (after `retry_after`) and on network/5xx errors (with
    exponential backoff), at most `attempts` times in all."""

    def delay(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryAfter):
            return retry_after_seconds(exc)
        return backoff * 2 ** (state.attempt_number - 1)

    def warn(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("Telegram %s failed (%s): retrying in %.1f s (attempt %d/%d)", what,
                    type(exc).__name__, delay(state), state.attempt_number, attempts)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts), wait=delay, sleep=sleep, before_sleep=warn,
        retry=retry_if_exception(lambda exc: _retryable(exc, max_retry_after)), reraise=True)
    return await retrying(call)


class Sender:
    """Sends HTML to a chat: split under the limit, each part retried, buttons on the last."""

    def __init__(self, bot: Bot, *, attempts: int = ATTEMPTS, backoff: float = BACKOFF_S) -> None:
        self.bot = bot
        self.attempts = attempts
        self.backoff = backoff

    async def _retry(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        return await with_retries(call, what=what, attempts=self.attempts, backoff=self.backoff)

    async def send(self, chat_id: int, html: str,
                   markup: InlineKeyboardMarkup | None = None) -> list[Message]:
        parts = split_html(html)
        sent = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1

            async def call(text: str = part, last: bool = last) -> Message:
                return await self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    link_preview_options=NO_PREVIEW)

            sent.append(await self._retry(call, "sendMessage"))
        return sent

    async def edit(self, chat_id: int, message_id: int, html: str,
                   markup: InlineKeyboardMarkup | None = None) -> None:
        async def call() -> object:
            return await self.bot.edit_message_text(
                html, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
                reply_markup=markup, link_preview_options=NO_PREVIEW)

        try:
            await self._retry(call, "editMessageText")
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def edit_markup(self, chat_id: int, message_id: int,
                          markup: InlineKeyboardMarkup | None) -> None:
        async def call() -> object:
            return await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup)

        try:
            await self._retry(call, "editMessageReplyMarkup")
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def answer_callback(self, query_id: str, text: str | None = None) -> None:
        # Best effort: the button's spinner stops on its own after a while anyway
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except TelegramError as exc:
            log.info("answerCallbackQuery failed (%s)", type(exc).__name__)

    async def typing(self, chat_id: int) -> None:
        try:
            await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            log.info("sendChatAction failed (%s)", type(exc).__name__)


class Typing:
    """`async with Typing(sender, chat_id):` shows "typing…" until the work inside is done
    (Telegram clears the indicator after about 5 seconds, so it is renewed)."""

    RENEW_S = 4.0

    def __init__(self, sender: Sender, chat_id: int) -> None:
        self.sender = sender
        self.chat_id = chat_id
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Typing:
        await self.sender.typing(self.chat_id)
        self._task = asyncio.create_task(self._renew())
        return self

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.RENEW_S)
            await self.sender.typing(self.chat_id)

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
