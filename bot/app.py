"""The Telegram Application over the Waymark core, and `waymark bot` (long polling, or a
webhook when `WAYMARK_TELEGRAM_WEBHOOK_URL` is set)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import weakref
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from waymark.answer import Answerer
from waymark.bot.feedback import FeedbackStore
from waymark.bot.handlers import WaymarkBot
from waymark.bot.send import Sender
from waymark.cases import Cases
from waymark.config import Settings
from waymark.errors import WaymarkError
from waymark.store import Store, open_store

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
MAX_CONCURRENT_UPDATES = 64


class PerChatOrder(BaseUpdateProcessor):
    """Different chats are served concurrently; one chat's updates are handled in the order
    they arrived (a case note must be recorded before the /case that follows it)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = \
            weakref.WeakValueDictionary()

    def _lock(self, key: int) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def do_process_update(self, update: object,
                                coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self._lock(chat.id):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def bot_token(settings: Settings) -> str:
    token = (settings.telegram_bot_token or "").strip()
    if not token:
        raise WaymarkError(
            "no Telegram bot token: create a bot by messaging @BotFather in Telegram "
            "(https://t.me/BotFather, command /newbot), then set TELEGRAM_BOT_TOKEN to the "
            "token it gives you")
    return token


def quiet_loggers(settings: Settings) -> None:
    # httpx logs every request URL at INFO, and Bot API URLs contain the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if not settings.log_content:
        # python-telegram-bot logs whole updates and API calls (message text) at DEBUG
        logging.getLogger("telegram").setLevel(logging.INFO)


def build_application(settings: Settings, *, store: Store | None = None,
                      answerer: Answerer | None = None, cases: Cases | None = None
                      ) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready to start: the core objects may be given (tests), else opened here."""
    token = bot_token(settings)
    quiet_loggers(settings)
    if not settings.telegram_user_ids:
        log.warning("no Telegram users are allowed: everyone will be refused. Set "
                    "WAYMARK_TELEGRAM_ALLOWED_USERS to a comma-separated list of user ids")
    if store is None:
        store = open_store(settings)
    if answerer is None:
        from waymark.embeddings import make_embeddings

        answerer = Answerer(store, make_embeddings(settings, for_queries=True))
    if cases is None:
        cases = Cases(store)
    application = (Application.builder().token(token).base_url(settings.telegram_api_url)
                   .concurrent_updates(PerChatOrder()).build())
    feedback = FeedbackStore(settings.data_dir / "bot_feedback.sqlite3")
    waymark_bot = WaymarkBot(settings, answerer, cases, store, feedback,
                             Sender(application.bot))
    waymark_bot.install(application)
    application.post_init = waymark_bot.post_init
    return application


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `run_webhook` / `Updater.start_webhook`. The local server listens on the
    path of the public URL (a reverse proxy terminates TLS and forwards to it); Telegram sends
    the secret in a header with every update, and requests without it are refused."""
    assert settings.telegram_webhook_url
    return {
        "listen": settings.telegram_webhook_listen, "port": settings.telegram_webhook_port,
        "url_path": urlparse(settings.telegram_webhook_url).path.lstrip("/"),
        "webhook_url": settings.telegram_webhook_url,
        # without a configured secret, a fresh one each start (setWebhook sends it to Telegram)
        "secret_token": settings.telegram_webhook_secret or secrets.token_urlsafe(32),
        "allowed_updates": ALLOWED_UPDATES,
    }


def run_bot(settings: Settings) -> None:
    """`waymark bot`: serve until interrupted."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = bot_token(settings)  # before opening anything, so a missing token fails first
    store = open_store(settings)
    documents, _ = store.counts()
    if not documents:
        log.warning("the knowledge base in %s is empty: run `waymark ingest` first",
                    settings.data_dir)
    from waymark.embeddings import make_embeddings

    answerer = Answerer(store, make_embeddings(settings, for_queries=True))
    answerer.warm_up_in_background()  # the first question need not wait for the readers
    application = build_application(settings.model_copy(update={"telegram_bot_token": token}),
                                    store=store, answerer=answerer)
    if settings.telegram_webhook_url:
        options = webhook_options(settings)
        log.info("webhook mode: listening on %s:%s/%s for %s", options["listen"],
                 options["port"], options["url_path"], options["webhook_url"])
        application.run_webhook(**options)
    else:
        log.info("long polling for Telegram updates")
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
