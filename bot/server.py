"""`community-bot run`: the bot connected to Slack and/or Discord until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from bot.app import build, freeze_startup_objects, make_assist, open_store
from bot.chat import Chat
from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.leader import Leadership
from bot.scheduler import build_scheduler
from bot.settings import Settings

log = logging.getLogger(__name__)


class Adapter(Protocol):
    """A connected platform: translates inbound payloads to events and owns a `Chat`."""

    platform: str
    chat: Chat

    async def start(self, ctx: BotContext) -> None:
        """Connect and begin dispatching events to `ctx.router`; return once running."""
        ...

    async def stop(self) -> None: ...


def make_adapters(settings: Settings) -> list[Adapter]:
    adapters: list[Adapter] = []
    if settings.slack_enabled:
        from bot.platforms.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter(settings))
    if settings.discord_enabled:
        from bot.platforms.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(settings))
    return adapters


async def serve(settings: Settings, config: CommunityConfig) -> int:
    store = open_store(settings.database_url)
    adapters = make_adapters(settings)
    assist = make_assist(settings)
    ctx = build(config, store, {a.platform: a.chat for a in adapters}, assist=assist)
    scheduler = build_scheduler(ctx)
    # Only the leader runs scheduled jobs (a PostgreSQL advisory lock; SQLite: this process).
    leadership = Leadership(store, on_elected=scheduler.start, on_deposed=scheduler.stop)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    assert ctx.sender is not None
    await ctx.sender.start()
    await leadership.start()
    try:
        for adapter in adapters:
            await adapter.start(ctx)
            log.info("%s connected", adapter.platform)
        freeze_startup_objects()
        await stop.wait()
    finally:
        log.info("shutting down")
        for adapter in adapters:
            with contextlib.suppress(Exception):
                await adapter.stop()
        await leadership.stop()
        await ctx.idle()  # a digest being rendered still goes out
        await ctx.sender.stop()
        if assist is not None:
            await assist.close()
        store.dispose()
    return 0
