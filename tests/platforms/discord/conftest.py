"""The whole bot on the real discord.py client, connected over a websocket to a fake Discord on
127.0.0.1: a guild with #general, #forum, #welcome, #introductions, #help, #moderators and
#community-managers, the member "alice", and a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import build
from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.events import CommunityRef
from bot.jobs import settle
from bot.platforms.discord.adapter import DiscordAdapter
from bot.settings import load_settings
from storage.db import Store
from storage.outbox import Outbox
from tests.fakes.discord_server import FakeDiscord

CHANNELS = ("welcome", "introductions", "help", "moderators", "community-managers")


def make_adapter(fake: FakeDiscord, **settings: Any) -> DiscordAdapter:
    values = {"discord_bot_token": fake.token, "discord_api_base_url": fake.api_base,
              "discord_gateway_url": fake.gateway_url, **settings}
    return DiscordAdapter(load_settings(env_file=None, **values), ready_timeout=5,
                          guild_ready_timeout=0.05)


@dataclass
class DiscordWorld:
    fake: FakeDiscord
    adapter: DiscordAdapter
    ctx: BotContext
    clock: ManualClock
    store: Store
    guild_id: int
    channels: dict[str, int]
    alice: dict[str, Any]

    @property
    def community(self) -> CommunityRef:
        return CommunityRef(platform="discord", id=str(self.guild_id), name="Example")

    async def start(self) -> None:
        await self.adapter.start(self.ctx)

    def use(self, adapter: DiscordAdapter) -> None:
        """Swap in an adapter built with other settings (before `start`)."""
        self.adapter = adapter
        self.ctx.chats["discord"] = adapter.chat

    async def handled(self, count: int) -> None:
        """Wait until `count` events arrived over the websocket and reached the router."""
        stats = self.adapter.stats
        await self.fake.wait_for(lambda: stats.dispatched + stats.duplicates >= count)

    async def settle(self) -> None:
        """Run due jobs and send everything queued (against the fake's REST API)."""
        await settle(self.ctx)

    async def enqueue(self, write: Callable[[Outbox], object]) -> None:
        """Queue outgoing calls the way a handler does, then send them."""
        async with self.store.transaction() as session:
            now = self.clock.now()
            community_id = self.ctx.directory.community_id(session, self.community, now)
            write(Outbox(session, platform="discord", community_id=community_id, now=now))
        await self.settle()

    def texts(self, channel: str | int) -> list[str]:
        """What members see in a channel (content, or the embed's text), oldest first."""
        channel_id = self.channels[channel] if isinstance(channel, str) else channel
        out = []
        for message in self.fake.messages(channel_id):
            embeds = [e.get("description") or "" for e in message["embeds"]]
            out.append(message["content"] or "\n".join(embeds))
        return out

    def dms_to(self, user_id: int) -> list[str]:
        return self.texts(int(self.fake.dm_channel(user_id)["id"]))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
def discord_store(sqlite_store: Store) -> Store:
    """SQLite here; the join → welcome tests override it with `store` (SQLite and PostgreSQL)."""
    return sqlite_store


@pytest.fixture
async def world(
    fake: FakeDiscord, discord_store: Store, config: CommunityConfig, clock: ManualClock
) -> AsyncIterator[DiscordWorld]:
    """Not started yet: register test handlers or commands first, then `await world.start()`."""
    guild_id = int(fake.add_guild("Example")["id"])
    channels = {"general": fake.general_id(guild_id)}
    channels["forum"] = next(cid for cid, c in fake.channels.items() if c["type"] == 15)
    for name in CHANNELS:
        channels[name] = int(fake.add_channel(guild_id, name)["id"])
    alice = fake.add_member(guild_id, fake.add_user("alice"))["user"]
    adapter = make_adapter(fake)
    ctx = build(config, discord_store, {"discord": adapter.chat}, clock=clock)
    made = DiscordWorld(fake, adapter, ctx, clock, discord_store, guild_id, channels, alice)
    try:
        yield made
    finally:
        await made.adapter.stop()  # tests may swap in an adapter with other settings
        await adapter.stop()
