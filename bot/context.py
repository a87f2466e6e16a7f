"""What handlers and jobs are given: the bot-wide context and the per-event unit of work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session

from bot.chat import Chat, Form
from bot.clock import Clock
from bot.community_config import CommunityConfig
from bot.events import ChannelRef, CommunityRef, Event, InteractionRef
from bot.metrics.reads import Reads
from storage.db import Store
from storage.directory import Directory
from storage.outbox import Outbox

if TYPE_CHECKING:
    from bot.assist import Assist
    from bot.router import Router
    from bot.sender import OutboxSender

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class BotContext:
    """Built once by the composition root (`bot.app.build`) and passed down."""

    config: CommunityConfig
    store: Store
    clock: Clock
    router: Router
    chats: dict[str, Chat] = field(default_factory=dict)
    directory: Directory = field(default_factory=Directory)
    sender: OutboxSender | None = None
    assist: Assist | None = None  # OpenAI, when configured; features fall back to heuristics
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def start_background(self, action: Callable[[], Awaitable[None]], name: str) -> None:
        """Run slow work (a digest render) without holding up the event that asked for it:
        the platform is answered at once. Failures are logged."""

        async def guarded() -> None:
            try:
                await action()
            except Exception:
                log.exception("background work %s failed", name)

        task = asyncio.get_running_loop().create_task(guarded(), name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def idle(self) -> None:
        """Wait for background work (the console between lines, tests, shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background))

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    def config_channel(self, name: str) -> ChannelRef:
        """A channel named in the config; the sender resolves the name on the platform."""
        return ChannelRef(id="", name=name.lstrip("#"))


@dataclass
class Turn:
    """One event's unit of work: its transaction, its outbox and its community."""

    ctx: BotContext
    session: Session
    event: Event
    now: datetime
    community_id: int
    outbox: Outbox
    _after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @classmethod
    def begin(cls, ctx: BotContext, session: Session, event: Event, now: datetime) -> Turn:
        community_id = ctx.directory.community_id(session, event.community, now)
        outbox = Outbox(
            session, platform=event.community.platform, community_id=community_id, now=now
        )
        return cls(ctx, session, event, now, community_id, outbox)

    @property
    def community(self) -> CommunityRef:
        return self.event.community

    @property
    def config(self) -> CommunityConfig:
        return self.ctx.config

    def later(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` once this turn's transaction has committed, before the platform is
        answered (a modal must be the interaction's answer)."""
        self._after_commit.append(action)

    def in_background(self, action: Callable[[], Awaitable[None]], name: str) -> None:
        """Run slow `action` after this turn commits, without delaying the platform's answer."""
        self._after_commit.append(lambda: self._start(action, name))

    async def _start(self, action: Callable[[], Awaitable[None]], name: str) -> None:
        self.ctx.start_background(action, name)

    async def report(self, build: Callable[[Reads], T]) -> T:
        """`build(reads)` off the event loop, its statements run at once on connections of
        their own (`Store.read_at_once`): they see what is committed, not this turn's own
        writes."""
        return await asyncio.to_thread(build, self.ctx.store.read_at_once)

    def open_form(self, interaction: InteractionRef, form: Form) -> None:
        """Open a modal now (it must answer the interaction within seconds)."""
        chat = self.ctx.chats[self.community.platform]
        self.later(lambda: chat.open_form(interaction, form))

    async def after_commit(self) -> None:
        if self.outbox.enqueued:
            self.ctx.wake_sender()
        for action in self._after_commit:
            try:
                await action()
            except Exception:
                log.exception("after-commit action failed for %s", self.event.event_id)
