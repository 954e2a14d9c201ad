"""The bot's buttons: show sources, feedback, and choosing the service to check."""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, Update

from waymark.bot import keyboards
from waymark.bot.conversation import (
    DESCRIBE,
    RECENT_ANSWERS,
    Context,
    Conversation,
    chat_and_user,
    where_raised,
)
from waymark.bot.format import (
    esc,
    render_quotes,
)
from waymark.bot.state import (
    Pending,
)

log = logging.getLogger(__name__)


class Buttons(Conversation):
    async def on_button(self, update: Update, context: Context) -> None:
        chat_id, user_id = chat_and_user(update)
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
            log.error("feedback not recorded: %s%s", type(exc).__name__, where_raised(exc))
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
