"""A local fake OpenAI-compatible server for tests: chat completions and embeddings.

Usage::

    async with FakeOpenAI() as fake:
        client = AsyncOpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=1)
        fake.script_chat(Scripted(delay=5))           # the next completion is too slow
        fake.script_chat(Scripted(content="not json"))  # the one after is malformed

`/v1/chat/completions` answers with the structured JSON as `message.content`, like OpenAI's
structured outputs; without a script it answers by the requested schema's name through
`fake.answers` (tests replace the functions there). `/v1/embeddings` returns deterministic
bag-of-words vectors, so texts sharing words are close; `fake.vectors` overrides exact texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DIMENSIONS = 64
_WORD = re.compile(r"[a-z0-9]+")
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "are", "do", "does", "how", "i", "in", "is", "it", "my", "of", "on", "or",
     "the", "to", "what", "why"]
)


@dataclass
class Scripted:
    """One scripted reply: its JSON content (or any text), a delay, or an HTTP error."""

    content: str | dict[str, Any] | None = None
    delay: float = 0.0
    status: int = 200
    refusal: str | None = None


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    at: float

    @property
    def schema_name(self) -> str | None:
        fmt = self.body.get("response_format") or {}
        return (fmt.get("json_schema") or {}).get("name")

    @property
    def user_text(self) -> str:
        messages = self.body.get("messages") or []
        return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


def classify_like_a_person(text: str) -> dict[str, Any]:
    return {"is_question": "?" in text, "topics": [], "urgency": "normal"}


def suggest_from_sources(text: str) -> dict[str, Any]:
    found = re.search(r"Its answer: (.*)", text)
    answer = found.group(1) if found else ""
    return {"relevant": bool(answer), "answer": f"Past answers say: {answer}"}


@dataclass
class FakeOpenAI:
    answers: dict[str, Callable[[str], dict[str, Any]]] = field(default_factory=lambda: {
        "QuestionVerdict": classify_like_a_person,
        "SuggestedAnswer": suggest_from_sources,
        "WeekSummary": lambda text: {"summary": f"The week was mostly about {text.split()[0]}."},
    })
    vectors: dict[str, list[float]] = field(default_factory=dict)
    embedding_delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    _chat_script: deque[Scripted] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._stopping.set()  # slow replies end now instead of holding the shutdown
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script_chat(self, *replies: Scripted) -> None:
        self._chat_script.extend(replies)

    def chats(self, schema: str | None = None) -> list[Received]:
        return [r for r in self.received if r.path == "chat"
                and (schema is None or r.schema_name == schema)]

    def embedding_calls(self) -> list[Received]:
        return [r for r in self.received if r.path == "embeddings"]

    # --- handlers ---------------------------------------------------------------------------

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        received = Received("chat", body, time.monotonic())
        self.received.append(received)
        scripted = self._chat_script.popleft() if self._chat_script else Scripted()
        if scripted.delay:
            await self._sleep(scripted.delay)
        if scripted.status != 200:
            return _error(scripted.status, "scripted failure")
        content = scripted.content
        if content is None and scripted.refusal is None:
            answer = self.answers.get(received.schema_name or "")
            content = answer(received.user_text) if answer else "ok"
        if isinstance(content, dict):
            content = json.dumps(content)
        return web.json_response({
            "id": f"chatcmpl-{len(self.received)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", "fake"),
            "choices": [{
                "index": 0, "finish_reason": "stop", "logprobs": None,
                "message": {"role": "assistant", "content": content,
                            "refusal": scripted.refusal},
            }],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        })

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(Received("embeddings", body, time.monotonic()))
        if self.embedding_delay:
            await self._sleep(self.embedding_delay)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": self.embed(text)}
                for i, text in enumerate(inputs)]
        return web.json_response({
            "object": "list", "data": data, "model": body.get("model", "fake"),
            "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
        })

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def embed(self, text: str) -> list[float]:
        if text in self.vectors:
            return self.vectors[text]
        vector = [0.0] * DIMENSIONS
        for word in _WORD.findall(text.lower()):
            if word not in _SMALL_WORDS:
                vector[zlib.crc32(word.encode()) % DIMENSIONS] += 1.0
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]


def _error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": "server_error", "code": None}}, status=status
    )
