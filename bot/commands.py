"""The bot's commands: /start, /help, /check, /signpost, /threshold, /newcase, /case, /fix,
/clear, /sources, and what it says to anything else."""

from __future__ import annotations

from telegram import Update

from waymark.bot import keyboards
from waymark.bot.conversation import DESCRIBE, Context, Conversation, chat_and_user, command_text
from waymark.bot.format import (
    esc,
    render_case,
    render_documents,
)
from waymark.bot.state import (
    Action,
    Pending,
)


class Commands(Conversation):
    async def start(self, update: Update, context: Context) -> None:
        chat_id, _ = chat_and_user(update)
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
        chat_id, _ = chat_and_user(update)
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
        chat_id, _ = chat_and_user(update)
        self.memory.pop_pending(chat_id)
        services = await self.core(chat_id, self._services)
        if services is None:
            return
        if not services:
            await self.sender.send(chat_id, "There are no services in the knowledge base yet.")
            return
        if description := command_text(update):
            self.memory.set_pending(chat_id, Pending("check", text=description))
        await self.sender.send(chat_id, "Which service should I check the family against?",
                               keyboards.services_keyboard(services))

    async def signpost(self, update: Update, context: Context) -> None:
        await self._family_command(update, "signpost")

    async def threshold(self, update: Update, context: Context) -> None:
        await self._family_command(update, "threshold")

    async def _family_command(self, update: Update, action: Action) -> None:
        chat_id, _ = chat_and_user(update)
        self.memory.pop_pending(chat_id)
        text = command_text(update)
        case = self.memory.case(chat_id)
        if not text and case is not None and case.notes:
            text = case.text
        if not text:
            self.memory.set_pending(chat_id, Pending(action))
            await self.sender.send(chat_id, esc(DESCRIBE))
            return
        await self.run_case(chat_id, action, text)

    async def new_case(self, update: Update, context: Context) -> None:
        chat_id, _ = chat_and_user(update)
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
        if note := command_text(update):
            await self.add_note(chat_id, note)

    async def show_case(self, update: Update, context: Context) -> None:
        chat_id, _ = chat_and_user(update)
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
        chat_id, _ = chat_and_user(update)
        self.memory.pop_pending(chat_id)
        correction = command_text(update)
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
        chat_id, _ = chat_and_user(update)
        had_case = self.memory.clear(chat_id)
        await self.sender.send(chat_id, "Done: the case notes are forgotten." if had_case
                               else "There was no case open; nothing to forget.")

    async def sources(self, update: Update, context: Context) -> None:
        chat_id, _ = chat_and_user(update)
        self.memory.pop_pending(chat_id)
        rows = await self.core(chat_id, lambda: [d.source_row() for d in self.store.documents()])
        if rows is not None:
            await self.sender.send(chat_id, render_documents(rows))

    async def unknown_command(self, update: Update, context: Context) -> None:
        chat_id, _ = chat_and_user(update)
        await self.sender.send(chat_id, "I don't know that command. /help lists what I can do.")

    async def not_text(self, update: Update, context: Context) -> None:
        chat_id, _ = chat_and_user(update)
        await self.sender.send(chat_id, "I can only read text messages: please type your "
                                        "question.")
