"""Inline buttons and their callback data (Telegram allows at most 64 bytes of it).

    s:<answer id>        show the sources of an answer
    f:<1|0>:<answer id>  feedback: helpful or not
    c:<service id>       /check: this service (c#<hash> when the id is too long to fit)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
MAX_BUTTON_TITLE = 60
MAX_SERVICE_BUTTONS = 100  # Telegram's limit for one keyboard
_ANSWER_ID = re.compile(r"^[0-9a-f]{8,40}$")


@dataclass(frozen=True)
class Callback:
    kind: str  # "sources" | "feedback" | "check"
    key: str  # answer id, or service id, or "#<hash>" of a long service id
    helpful: bool = False


def service_key(service_id: str) -> str:
    if len(f"c:{service_id}".encode()) <= MAX_CALLBACK_BYTES:
        return service_id
    return "#" + hashlib.sha256(service_id.encode()).hexdigest()[:24]


def matches_service(key: str, service_id: str) -> bool:
    return service_key(service_id) == key


def parse(data: str | None) -> Callback | None:
    if not data:
        return None
    kind, _, rest = data.partition(":")
    if kind == "s" and _ANSWER_ID.match(rest):
        return Callback("sources", rest)
    if kind == "f":
        vote, _, answer_id = rest.partition(":")
        if vote in ("0", "1") and _ANSWER_ID.match(answer_id):
            return Callback("feedback", answer_id, helpful=vote == "1")
    if kind == "c" and rest:
        return Callback("check", rest)
    return None


def answer_keyboard(answer_id: str, sources: bool, feedback: bool) -> InlineKeyboardMarkup | None:
    row = []
    if sources:
        row.append(InlineKeyboardButton("Show sources", callback_data=f"s:{answer_id}"))
    if feedback:
        row += [InlineKeyboardButton("👍", callback_data=f"f:1:{answer_id}"),
                InlineKeyboardButton("👎", callback_data=f"f:0:{answer_id}")]
    return InlineKeyboardMarkup([row]) if row else None


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same buttons less 👍/👎, once the worker has voted."""
    if markup is None:
        return None
    rows = [[b for b in row if not str(b.callback_data or "").startswith("f:")]
            for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def _title(title: str) -> str:
    return title if len(title) <= MAX_BUTTON_TITLE else title[:MAX_BUTTON_TITLE - 1] + "…"


def services_keyboard(services: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (service id, title)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_title(title), callback_data=f"c:{service_key(service_id)}")]
         for service_id, title in services[:MAX_SERVICE_BUTTONS]])
