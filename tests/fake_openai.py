"""A local fake OpenAI-compatible chat server for tests: scripted replies, every request kept."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[dict[str, Any]], tuple[int, str]]  # request body -> (status, content)


def passages_of(body: dict[str, Any]) -> dict[int, str]:
    user = body["messages"][-1]["content"]
    found = re.findall(r"\[(\d+)\] From: [^\n]*\n(.*?)(?=\n\n\[\d+\] From: |\Z)", user, re.S)
    return {int(n): text for n, text in found}


def first_sentence(text: str) -> str:
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        words = sentence.split()
        if len(words) >= 5 and not sentence.startswith("#"):
            return " ".join(words)
    return " ".join(text.split()[:12])


def good(body: dict[str, Any]) -> tuple[int, str]:
    """Answers with the first full sentence of passage 1, quoted; reads no facts."""
    if "description of a family" in body["messages"][0]["content"]:
        return 200, "{}"
    sentence = first_sentence(passages_of(body)[1])
    return 200, json.dumps({"sentences": [{"text": sentence, "passages": [1],
                                           "quote": sentence}]})


def hallucinated(body: dict[str, Any]) -> tuple[int, str]:
    sentence = first_sentence(passages_of(body)[1])
    return 200, json.dumps({"sentences": [{"text": sentence, "passages": [9],
                                           "quote": sentence}]})


def bad_quote(body: dict[str, Any]) -> tuple[int, str]:
    return 200, json.dumps({"sentences": [{"text": "Families get a free holiday.",
                                           "passages": [1],
                                           "quote": "every family gets a free holiday abroad"}]})


def malformed(body: dict[str, Any]) -> tuple[int, str]:
    return 200, 'Sure! Here is the answer: {"sentences": [ {"text": "oops", } }'


def server_error(body: dict[str, Any]) -> tuple[int, str]:
    return 500, "internal error"


def slow(seconds: float) -> Reply:
    def reply(body: dict[str, Any]) -> tuple[int, str]:
        time.sleep(seconds)
        return good(body)
    return reply


def facts(data: dict[str, Any]) -> Reply:
    """Fact extraction replies with `data`; answer requests get `good`."""
    def reply(body: dict[str, Any]) -> tuple[int, str]:
        if "description of a family" in body["messages"][0]["content"]:
            return 200, json.dumps(data)
        return good(body)
    return reply


class FakeOpenAI:
    def __init__(self) -> None:
        self.reply: Reply = good
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                status, content = fake.reply(body)
                if status == 200:
                    payload = json.dumps({
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": content}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                  "total_tokens": 2}}).encode()
                else:
                    payload = json.dumps({"error": {"message": content}}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the time-out test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
