"""What the bot keeps in memory, and for how long: a chat's case notes and the request waiting
for a description (forgotten after a time without use), recent answers' citations (for "Show
sources"), and each user's recent requests (for the rate limit). Nothing here is written to disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from cachetools import LRUCache, TTLCache
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

Clock = Callable[[], float]
Action = Literal["check", "signpost", "threshold"]
MAX_NOTES = 50  # per case; a case is a few lines about one family


@dataclass
class Case:
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.notes)


@dataclass
class Pending:
    """A /check, /signpost or /threshold waiting for the family's description."""

    action: Action
    service_id: str | None = None
    text: str | None = None  # a description given with /check, used once the service is chosen


@dataclass
class _Chat:
    case: Case | None = None
    pending: Pending | None = None
    last: Pending | None = None  # the last family request answered, for /fix


class ChatMemory:
    """Per chat: an open case and a pending request, forgotten `ttl_s` seconds after the chat
    last used them."""

    def __init__(self, ttl_s: float, clock: Clock = time.monotonic,
                 maxsize: int = 100_000) -> None:
        self._chats: TTLCache[int, _Chat] = TTLCache(maxsize, ttl_s, timer=clock)

    def _chat(self, chat_id: int, create: bool = False) -> _Chat | None:
        chat = self._chats.get(chat_id)
        if chat is None and create:
            chat = _Chat()
        if chat is not None:
            self._chats[chat_id] = chat  # each use starts the time to live again
        return chat

    def case(self, chat_id: int) -> Case | None:
        chat = self._chat(chat_id)
        return chat.case if chat else None

    def new_case(self, chat_id: int) -> Case:
        chat = self._chat(chat_id, create=True)
        assert chat is not None
        chat.case = Case()
        return chat.case

    def add_note(self, chat_id: int, text: str) -> Case:
        chat = self._chat(chat_id, create=True)
        assert chat is not None
        if chat.case is None:
            chat.case = Case()
        chat.case.notes = (chat.case.notes + [text])[-MAX_NOTES:]
        return chat.case

    def set_pending(self, chat_id: int, pending: Pending) -> None:
        chat = self._chat(chat_id, create=True)
        assert chat is not None
        chat.pending = pending

    def pending(self, chat_id: int) -> Pending | None:
        chat = self._chat(chat_id)
        return chat.pending if chat else None

    def pop_pending(self, chat_id: int) -> Pending | None:
        chat = self._chat(chat_id)
        if chat is None or chat.pending is None:
            return None
        pending, chat.pending = chat.pending, None
        return pending

    def remember(self, chat_id: int, request: Pending) -> None:
        """The family request just answered, so /fix can correct what was read from it."""
        chat = self._chat(chat_id, create=True)
        assert chat is not None
        chat.last = request

    def last(self, chat_id: int) -> Pending | None:
        chat = self._chat(chat_id)
        return chat.last if chat else None

    def clear(self, chat_id: int) -> bool:
        """Forget everything about the chat; whether there was a case to forget."""
        chat = self._chat(chat_id)
        self._chats.pop(chat_id, None)
        return bool(chat and chat.case)

    def __len__(self) -> int:
        self._chats.expire()
        return len(self._chats)


Verdict = Literal["ok", "warn", "quiet"]


class RateLimiter:
    """At most `limit` requests per user in any rolling `window_s` seconds. The first request
    over the limit is answered with "slow down" (`warn`); later ones are dropped silently
    (`quiet`) until the user is under the limit again, so a flood does not become a flood of
    replies."""

    def __init__(self, limit: int, window_s: int = 60) -> None:
        self._item = RateLimitItemPerSecond(limit, window_s)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._warned: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        if self._limiter.hit(self._item, str(user_id)):
            self._warned.discard(user_id)
            return "ok"
        if user_id in self._warned:
            return "quiet"
        self._warned.add(user_id)
        return "warn"


class OncePer:
    """Remembers keys for `period_s` (bounded): `first(key)` is true once per period."""

    def __init__(self, period_s: float, maxsize: int = 10_000,
                 clock: Clock = time.monotonic) -> None:
        self._seen: TTLCache[int, bool] = TTLCache(maxsize, period_s, timer=clock)

    def first(self, key: int) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = True
        return True


@dataclass(frozen=True)
class Sources:
    """The citations behind one reply, kept for its "Show sources" button."""

    citations: list[dict[str, Any]]
    escalation: dict[str, Any] | None = None

    def __bool__(self) -> bool:
        return bool(self.citations or self.escalation)


class RecentAnswers(LRUCache[str, Sources]):
    """The citations of the last `maxsize` replies, by key (the answer id)."""

    def __init__(self, maxsize: int = 500) -> None:
        super().__init__(maxsize)

    def put(self, key: str, sources: Sources) -> None:
        self[key] = sources
