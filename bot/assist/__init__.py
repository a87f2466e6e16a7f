"""Optional AI assist: question classification, topic matching and suggested answers.

With `OPENAI_API_KEY` the bot gets an `Assist` (`bot.assist.openai_assist`); without one every
feature runs on the local heuristics (`bot.assist.heuristics`, `bot.assist.similarity`). An
assist answers None or nothing when it cannot help (timeouts, malformed replies), so callers
always have the heuristic result to fall back on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    is_question: bool
    topics: tuple[str, ...] = ()
    urgency: str = "normal"  # low | normal | high
    source: str = "heuristic"  # heuristic | openai


@dataclass(frozen=True)
class PastAnswer:
    """An FAQ entry offered to the model as a source for a suggested answer."""

    faq_id: int
    question: str
    answer: str


class Assist(Protocol):
    async def classify(self, text: str, topics: Sequence[str]) -> Classification | None:
        """Is `text` a question, which of `topics` (or others) is it about, how urgent."""
        ...

    async def related_topics(self, text: str, topics: Sequence[str]) -> list[str]:
        """The `topics` closest in meaning to `text` (embeddings), best first."""
        ...

    async def closest_answers(
        self, question: str, candidates: Sequence[PastAnswer], limit: int
    ) -> list[PastAnswer]:
        """`candidates` re-ranked by closeness in meaning to `question`, at most `limit`."""
        ...

    async def suggest_answer(self, question: str, sources: Sequence[PastAnswer]) -> str | None:
        """A short answer drawn only from `sources`, or None when they do not answer it."""
        ...

    async def summarize(self, texts: Sequence[str]) -> str | None:
        """A few neutral sentences on what the week's posts were about, or None."""
        ...

    def run_in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Start slow work without making the caller wait (an event is never held up)."""
        ...

    async def idle(self) -> None:
        """Wait until background work is done (tests, shutdown)."""
        ...

    async def close(self) -> None:
        """Stop background work and release the connection (shutdown)."""
        ...


class BackgroundWork:
    """Tasks started on demand and kept referenced until they finish; failures are logged.

    At most `running` run at once (a burst of messages must not become a burst of model
    calls), and past `waiting` queued ones new work is dropped: the heuristic result stands.
    """

    def __init__(self, *, running: int = 4, waiting: int = 500) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(running)
        self._waiting = waiting
        self.dropped = 0

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        if len(self._tasks) >= self._waiting:
            work.close()
            self.dropped += 1
            log.warning("assist busy: %s skipped, the heuristic result stands", name)
            return
        task = asyncio.get_running_loop().create_task(self._in_slot(work), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    async def _in_slot(self, work: Coroutine[Any, Any, None]) -> None:
        async with self._slots:
            await work

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work %s failed", task.get_name(), exc_info=task.exception())

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.idle()
