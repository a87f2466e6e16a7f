"""The router: de-duplicates each inbound event and runs the handlers registered for its type,
all in one transaction; a failing handler is rolled back to its savepoint and logged, the others
keep their effects."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.commands import CommandRegistry
from bot.events import Event
from storage.models import ProcessedEvent
from storage.upsert import insert_new

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.context import BotContext, Turn

log = logging.getLogger(__name__)

MAX_BATCH = 64  # events committed together at most, when they arrive concurrently
LINGER_TURNS = 8  # event-loop turns a batch waits for deliveries in flight, at most
QUIET_TURNS = 2  # ... or until this many turns in a row bring none

E = TypeVar("E", bound=Event)
Handler = Callable[[Any, "Turn"], Awaitable[None]]
Named = tuple[Handler, str]  # a handler and its dotted name, for results and logs


@dataclass
class DispatchResult:
    duplicate: bool = False
    handled_by: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass
class RouterStats:
    events: int = 0
    duplicates: int = 0
    handler_failures: int = 0
    rejected: int = 0


class Router:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)
        self._resolved: dict[type[Event], list[Named]] = {}  # handlers_for, per event type
        self.stats = RouterStats()
        self.commands = CommandRegistry()
        self._queue: list[tuple[Event, asyncio.Future[DispatchResult]]] = []
        self._draining = False

    def on(self, event_type: type[E]) -> Callable[[Callable[[E, Turn], Awaitable[None]]], Any]:
        """Decorator: `@router.on(MemberJoined)` registers the function for that event type."""

        def register(func: Callable[[E, Turn], Awaitable[None]]) -> Any:
            self._handlers[event_type].append(func)
            self._resolved.clear()
            return func

        return register

    def handlers_for(self, event_type: type[Event]) -> list[Named]:
        """The handlers an event of this type runs (its base classes' too), with their names."""
        found = self._resolved.get(event_type)
        if found is None:
            found = self._resolved[event_type] = [
                (handler, f"{handler.__module__}.{handler.__qualname__}")
                for klass in event_type.__mro__
                for handler in self._handlers.get(klass, ())  # type: ignore[call-overload]
            ]
        return found

    async def dispatch(self, ctx: BotContext, event: Event) -> DispatchResult:
        """Handle `event` once: a repeat of an already processed `event_id` has no effect.
        Returns when the event's effects are committed.

        Events that arrive while others are being handled (concurrent deliveries) are
        committed together, up to `MAX_BATCH` per transaction: the first caller drains the
        queue for everyone. If any handler raises, that batch is rolled back and each of its
        events runs alone, with a savepoint per handler, so the failing one is isolated and
        logged while everything else keeps its effects.
        """
        future: asyncio.Future[DispatchResult] = asyncio.get_running_loop().create_future()
        self._queue.append((event, future))
        if not self._draining:
            await self._drain(ctx)
        return await future

    async def _drain(self, ctx: BotContext) -> None:
        self._draining = True
        try:
            while self._queue:
                await self._gather()
                batch = self._queue[:MAX_BATCH]
                del self._queue[:MAX_BATCH]
                await self._run_batch(ctx, batch)
        finally:
            self._draining = False
            if self._queue:  # the drainer was cancelled: someone must finish the others' work
                asyncio.get_running_loop().create_task(self._drain(ctx))

    async def _gather(self) -> None:
        """Let deliveries already on their way join the batch: each loop turn lets requests
        in flight reach `dispatch`; stop at the first turn that brings none (or a full batch).
        A commit costs far more than a few loop turns."""
        idle = 0
        for _ in range(LINGER_TURNS):
            before = len(self._queue)
            await asyncio.sleep(0)
            idle = idle + 1 if len(self._queue) == before else 0
            if idle == QUIET_TURNS or len(self._queue) >= MAX_BATCH:
                return

    async def _run_batch(
        self, ctx: BotContext, batch: list[tuple[Event, asyncio.Future[DispatchResult]]]
    ) -> None:
        try:
            results = await self._run_together(ctx, [event for event, _ in batch])
        except _HandlerFailed:
            results = []
            for event, _ in batch:
                results.append(await self._run_alone(ctx, event))
        except Exception as exc:  # the store failed: every caller hears it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _run_alone(self, ctx: BotContext, event: Event) -> DispatchResult:
        handlers = self.handlers_for(type(event))
        try:
            return await self._run(ctx, event, handlers, isolate=False)
        except _HandlerFailed:
            return await self._run(ctx, event, handlers, isolate=True)

    async def _run_together(self, ctx: BotContext, events: list[Event]) -> list[DispatchResult]:
        """The fast path: every event of the batch and all its handlers in one transaction."""
        from bot.context import Turn

        if len(events) == 1:
            return [await self._run(ctx, events[0], self.handlers_for(type(events[0])),
                                    isolate=False)]
        results: list[DispatchResult] = []
        turns: list[Turn] = []
        async with ctx.store.transaction() as session:
            now = ctx.clock.now()
            fresh = _mark_processed(session, events, now)
            for event in events:
                result = DispatchResult()
                results.append(result)
                key = (event.community.platform, event.event_id)
                if key not in fresh:
                    result.duplicate = True
                    continue
                fresh.remove(key)
                turn = Turn.begin(ctx, session, event, now)
                turns.append(turn)
                for handler, name in self.handlers_for(type(event)):
                    try:
                        await handler(event, turn)
                    except Exception as exc:
                        raise _HandlerFailed() from exc
                    result.handled_by.append(name)
        for result in results:
            if result.duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.events += 1
        for turn in turns:
            await turn.after_commit()
        return results

    async def _run(
        self, ctx: BotContext, event: Event, handlers: list[Named], *, isolate: bool
    ) -> DispatchResult:
        from bot.context import Turn

        result = DispatchResult()
        now = ctx.clock.now()
        async with ctx.store.transaction() as session:
            if not _mark_processed(session, [event], now):
                self.stats.duplicates += 1
                result.duplicate = True
                log.debug("duplicate delivery of %s ignored", event.event_id)
                return result
            turn = Turn.begin(ctx, session, event, now)
            for handler, name in handlers:
                if not isolate:
                    try:
                        await handler(event, turn)
                    except Exception as exc:
                        raise _HandlerFailed() from exc
                    result.handled_by.append(name)
                    continue
                try:
                    with session.begin_nested():
                        await handler(event, turn)
                    result.handled_by.append(name)
                except Exception:
                    self.stats.handler_failures += 1
                    result.failed.append(name)
                    log.exception("handler %s failed on %s %s; other handlers go on",
                                  name, type(event).__name__, event.event_id)
            self.stats.events += 1
        await turn.after_commit()
        return result


def _mark_processed(session: Session, events: list[Event], now: datetime) -> set[tuple[str, str]]:
    """Record the events as handled, in one statement; the (platform, event id) of those not
    handled before. An event repeated among them counts once."""
    return insert_new(session, ProcessedEvent, [
        {"platform": event.community.platform, "event_id": event.event_id, "processed_at": now}
        for event in events
    ], key=("platform", "event_id"))


class _HandlerFailed(Exception):
    """A handler raised on the fast path: rerun the event with per-handler savepoints."""
