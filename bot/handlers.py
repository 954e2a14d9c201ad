"""The bot put together: the gate, the handlers wired to python-telegram-bot, plain messages
and errors. Commands live in `commands.py`, buttons in `buttons.py`, and what both use (state,
calls into Waymark, replies) in `conversation.py`.

A gate runs before every handler: only allowed users, only private chats, within the rate
limit. Message text is never logged (unless `WAYMARK_LOG_CONTENT` is set).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from waymark.bot.buttons import Buttons
from waymark.bot.commands import Commands
from waymark.bot.conversation import (
    Context,
    chat_and_user,
    where_raised,
)
from waymark.bot.format import (
    APOLOGY,
    esc,
)

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

SLOW_DOWN = ("You're sending messages faster than I can take them — please slow down and try "
             "again in a minute.")
PRIVATE_ONLY = "I only work in a private chat: please message me directly."

log = logging.getLogger(__name__)


class WaymarkBot(Commands, Buttons):
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

    # ------------------------------------------------------------------ plain messages

    async def on_text(self, update: Update, context: Context) -> None:
        chat_id, _ = chat_and_user(update)
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

    # ------------------------------------------------------------------ errors

    async def on_error(self, update: object, context: Context) -> None:
        """Log the exception's type and place only (its message could quote the worker), and
        apologise when it was our code, not Telegram, that failed."""
        exc = context.error
        if exc is None:
            return
        log.error("bot error: %s%s", type(exc).__name__, where_raised(exc))
        if isinstance(exc, TelegramError):
            return
        if isinstance(update, Update) and update.effective_chat and update.effective_user \
                and update.effective_user.id in self.allowed:
            with contextlib.suppress(TelegramError):
                await self.sender.bot.send_message(update.effective_chat.id, APOLOGY)
