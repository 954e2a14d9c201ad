"""A fake Telegram Bot API server for end-to-end tests of the bot.

A plain threaded HTTP server on a free local port implementing the methods the bot uses:
getMe, deleteWebhook, setMyCommands, getUpdates (long-polling a queue of updates the test
injects), sendMessage, editMessageText, editMessageReplyMarkup, sendChatAction and
answerCallbackQuery. It records every call, checks HTML the way Telegram does (allowed tags,
balanced, entities escaped, at most 4096 characters), and can fail the next calls of a method:
429 with retry_after, a 5xx, or a connection dropped without an answer.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Waymark", "username": "waymark_bot"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "span", "tg-spoiler", "tg-emoji", "blockquote"}
JSON_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "reply_markup",
               "allowed_updates", "commands", "drop_pending_updates", "link_preview_options",
               "show_alert", "cache_time", "disable_notification", "entities"}
_MARKUP = re.compile(r"<(/?)([A-Za-z][\w-]*)[^<>]*>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|[<>&]")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int  # 0 when the connection was dropped
    result: Any = None
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Failure:
    status: int = 500
    retry_after: int | None = None
    drop: bool = False


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` with parse_mode HTML, or None."""
    stack: list[str] = []
    for match in _MARKUP.finditer(text):
        whole = match.group(0)
        if whole in "<>&":
            return f"unescaped {whole!r} at {match.start()}"
        if whole.startswith("&"):
            if not match.group(3).startswith("#") and match.group(3) not in {"lt", "gt", "amp",
                                                                              "quot"}:
                return f"unsupported entity {whole}"
            continue
        closing, name = match.group(1), match.group(2).lower()
        if name not in ALLOWED_TAGS:
            return f"unsupported tag {name}"
        if closing:
            if not stack or stack[-1] != name:
                return f"unexpected end tag {name}"
            stack.pop()
        else:
            stack.append(name)
    if stack:
        return f"unclosed tags {stack}"
    plain = html.unescape(re.sub(r"<[^<>]*>", "", text))
    if not plain.strip():
        return "message text is empty"
    if len(plain.encode("utf-16-le")) // 2 > 4096:
        return "message is too long"
    return None


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.transcript: list[tuple[str, str]] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message = 1000
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._closed = False
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ what tests inject

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update["update_id"] = self._next_update
            self._next_update += 1
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def message_update(self, user_id: int, text: str, chat_id: int | None = None,
                       chat_type: str = "private") -> dict[str, Any]:
        """An update carrying a message from `user_id` (a command when it starts with "/")."""
        with self._cond:
            self._next_message += 1
            message_id = self._next_message
        message: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()), "text": text,
            "chat": {"id": chat_id or user_id, "type": chat_type},
            "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return {"message": message}

    def send(self, user_id: int, text: str, chat_id: int | None = None,
             chat_type: str = "private") -> dict[str, Any]:
        """The user `user_id` sends `text`: queued for the bot's next getUpdates."""
        self.transcript.append((f"worker {user_id}", text))
        return self._push(self.message_update(user_id, text, chat_id, chat_type))

    def press(self, user_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        """The user presses the inline button with callback data `data` under `message`."""
        label = next((b["text"] for row in (message.get("reply_markup") or {})
                      .get("inline_keyboard", []) for b in row if b.get("callback_data") == data),
                     data)
        self.transcript.append((f"worker {user_id}", f"[presses “{label}”]"))
        with self._cond:
            self._next_message += 1
            query_id = f"cq{self._next_message}"
        return self._push({"callback_query": {
            "id": query_id, "chat_instance": "ci", "data": data, "message": message,
            "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}}})

    def fail_next(self, method: str, *failures: Failure) -> None:
        with self._cond:
            self._failures[method].extend(failures)

    # ------------------------------------------------------------------ what tests read

    def calls_to(self, method: str, ok: bool | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method
                    and (ok is None or (c.status == 200) == ok)]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The messages the bot sent successfully (the Message objects returned)."""
        return [c.result for c in self.calls_to("sendMessage", ok=True)
                if chat_id is None or c.result["chat"]["id"] == chat_id]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [m["text"] for m in self.sent(chat_id)]

    async def wait_sent(self, count: int, chat_id: int | None = None,
                        timeout: float = 20.0) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least `count` messages (to `chat_id`)."""
        return await self.wait_until(lambda: len(self.sent(chat_id)) >= count,
                                     lambda: self.sent(chat_id), timeout,
                                     f"{count} messages to {chat_id}")

    async def wait_until(self, done: Callable[[], bool], value: Callable[[], Any],
                         timeout: float = 20.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; transcript:\n"
                                     + self.transcript_text())
            await asyncio.sleep(0.02)
        return value()

    def transcript_text(self) -> str:
        lines = []
        for who, text in self.transcript:
            lines.append(f"── {who}:")
            lines += [f"   {line}" for line in text.splitlines()]
        return "\n".join(lines)

    # ------------------------------------------------------------------ the Bot API

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """(HTTP status, JSON body), or None to drop the connection without an answer."""
        if method == "getUpdates":
            result: Any = self._get_updates(params)
            self._record(Call(method, params, 200, result))
            return 200, {"ok": True, "result": result}
        with self._cond:
            failure = self._failures[method].popleft() if self._failures[method] else None
        if failure is not None:
            self._record(Call(method, params, 0 if failure.drop else failure.status))
            if failure.drop:
                return None
            body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                    "description": "Internal Server Error"}
            if failure.retry_after is not None:
                body["description"] = f"Too Many Requests: retry after {failure.retry_after}"
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, body
        try:
            result = self._method(method, params)
        except _Refused as exc:
            self._record(Call(method, params, exc.status))
            return exc.status, {"ok": False, "error_code": exc.status,
                                "description": exc.description}
        self._record(Call(method, params, 200, result))
        return 200, {"ok": True, "result": result}

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self._updates)

    def _message(self, chat_id: int, text: str, markup: Any) -> dict[str, Any]:
        with self._cond:
            self._next_message += 1
            message: dict[str, Any] = {
                "message_id": self._next_message, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER, "text": text}
            if markup:
                message["reply_markup"] = markup
            self.messages[self._next_message] = message
        return message

    def _method(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"deleteWebhook", "setWebhook", "setMyCommands", "sendChatAction"}:
            if method == "setWebhook":
                self.transcript.append(("bot (sets its webhook)", str(params.get("url"))))
            return True
        if method == "answerCallbackQuery":
            if params.get("text"):
                self.transcript.append(("bot (button notice)", params["text"]))
            return True
        if method in {"sendMessage", "editMessageText"}:
            text = str(params.get("text", ""))
            if params.get("parse_mode") == "HTML" and (problem := html_problem(text)):
                raise _Refused(400, f"Bad Request: can't parse entities: {problem}")
        if method == "sendMessage":
            message = self._message(int(params["chat_id"]), str(params["text"]),
                                    params.get("reply_markup"))
            labels = [b["text"] for row in (message.get("reply_markup") or {})
                      .get("inline_keyboard", []) for b in row]
            self.transcript.append(("bot", message["text"] + (
                "\n[buttons: " + " | ".join(labels) + "]" if labels else "")))
            return message
        if method in {"editMessageText", "editMessageReplyMarkup"}:
            found = self.messages.get(int(params.get("message_id", 0)))
            if found is None:
                raise _Refused(400, "Bad Request: message to edit not found")
            message = found
            if method == "editMessageText":
                message["text"] = str(params["text"])
                self.transcript.append(("bot (edits its message)", message["text"]))
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            else:
                message.pop("reply_markup", None)
            return message
        raise _Refused(404, "Not Found: method not found")


class _Refused(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeTelegram

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _params(self) -> dict[str, Any]:
        url = urlparse(self.path)
        pairs = parse_qsl(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind == "application/json" and body:
            return {**dict(pairs), **json.loads(body)}
        pairs += parse_qsl(body.decode(), keep_blank_values=True)
        params: dict[str, Any] = {}
        for key, value in pairs:
            params[key] = json.loads(value) if key in JSON_PARAMS and value else value
        return params

    def _serve(self) -> None:
        fake = self.server_fake
        prefix = f"/bot{fake.token}/"
        path = urlparse(self.path).path
        params = self._params()
        if not path.startswith(prefix):
            outcome: tuple[int, dict[str, Any]] | None = (
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        else:
            outcome = fake.handle(path[len(prefix):], params)
        if outcome is None:
            self.close_connection = True  # drop it: the client sees no answer at all
            return
        status, body = outcome
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a long poll cancelled at stop)
