"""The Discord adapter: a discord.py client connected to the gateway, dispatching neutral
events to the router, and `DiscordChat` for everything the bot says.

Endpoints: `DISCORD_API_BASE_URL` moves REST (tests, proxies); `DISCORD_GATEWAY_URL` moves the
gateway, which otherwise comes from `GET /gateway/bot` on that API. discord.py reads both from
class attributes, so they are set when the adapter starts and restored when it stops (one
Discord connection per process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord
import yarl

from bot.context import BotContext
from bot.platforms.discord.chat import DiscordChat
from bot.platforms.discord.client import CommunityClient
from bot.platforms.discord.inbound import InboundStats
from bot.platforms.discord.interactions import LiveInteractions
from bot.settings import ConfigError, Settings

log = logging.getLogger(__name__)

PRIVILEGED_INTENTS_HELP = (
    "Discord refused the connection (close code 4014, disallowed intents): the bot needs the "
    "privileged Server Members and Message Content intents. Turn on both switches in the "
    "Discord Developer Portal → your application → Bot → Privileged Gateway Intents "
    "(\"Server Members Intent\" and \"Message Content Intent\"), save, and start the bot again."
)


def shard_plan(ids: str | None, count: int | None) -> tuple[list[int] | None, int | None]:
    """DISCORD_SHARD_IDS (`0,1` or `0-3`) and DISCORD_SHARD_COUNT; neither: automatic."""
    if count is not None and count < 1:
        raise ConfigError("DISCORD_SHARD_COUNT must be at least 1")
    if ids is None or not ids.strip():
        return None, count
    if count is None:
        raise ConfigError(
            "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT, the total number of shards over "
            "every process (e.g. DISCORD_SHARD_IDS=0,1 with DISCORD_SHARD_COUNT=4)"
        )
    chosen: set[int] = set()
    for part in ids.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ConfigError(f"DISCORD_SHARD_IDS: {part!r} is not a shard id or range like 0-3")
        chosen.update(range(int(first), int(last if dash else first) + 1))
    outside = sorted(i for i in chosen if i >= count)
    if not chosen or outside:
        raise ConfigError(
            f"DISCORD_SHARD_IDS must name shards 0 to {count - 1} (DISCORD_SHARD_COUNT={count})"
        )
    return sorted(chosen), count


class DiscordAdapter:
    platform = "discord"

    def __init__(
        self, settings: Settings, *, ready_timeout: float = 120.0,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        if settings.discord_bot_token is None:
            raise ConfigError("DISCORD_BOT_TOKEN is not set")
        self.settings = settings
        self.ready_timeout = ready_timeout
        shard_ids, shard_count = shard_plan(
            settings.discord_shard_ids, settings.discord_shard_count
        )
        self.live = LiveInteractions()
        self.client = CommunityClient(
            self.live, shard_ids=shard_ids, shard_count=shard_count,
            guild_ready_timeout=guild_ready_timeout,
            max_ratelimit_timeout=30.0,  # longer waits go back to the outbox as RateLimited
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=True, replied_user=False
            ),
        )
        self.chat = DiscordChat(self.client, self.live)
        self._task: asyncio.Task[None] | None = None
        self._saved: tuple[str, yarl.URL] | None = None
        self._logged_in = False
        self._stopping = False

    @property
    def stats(self) -> InboundStats:
        """What arrived from the gateway and what became of it."""
        return self.client.inbound.stats

    async def start(self, ctx: BotContext) -> None:
        """Log in, connect, and return once every shard is ready and commands are synced."""
        self.client.inbound.ctx = ctx
        self.client.interactions.install(ctx.router.commands)
        self._point_discord_py()
        try:
            await self._login()
            gateway = await self._choose_gateway()
            self._task = asyncio.create_task(self.client.connect(), name="discord-gateway")
            await self._wait_until_ready(gateway)
        except BaseException:
            await self.stop()
            raise
        self._task.add_done_callback(self._connection_ended)
        for guild in self.client.guilds:
            await self.client.interactions.sync(guild)
        user = self.client.user
        log.info("Discord: connected as %s to %d server(s), shards %s of %s", user,
                 len(self.client.guilds), self.client.shard_ids or "all", self.client.shard_count)

    def _point_discord_py(self) -> None:
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        if self.settings.discord_api_base_url:
            discord.http.Route.BASE = self.settings.discord_api_base_url.rstrip("/")

    async def _login(self) -> None:
        token = self.settings.discord_bot_token
        assert token is not None
        try:
            await self.client.login(token.get_secret_value())
        except discord.LoginFailure:
            raise ConfigError(
                "Discord refused DISCORD_BOT_TOKEN (401 Unauthorized): copy the token again "
                "from the Developer Portal → your application → Bot → Reset Token"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ConfigError(
                f"cannot reach the Discord API at {discord.http.Route.BASE}: {exc}"
            ) from None
        self._logged_in = True

    async def _choose_gateway(self) -> str:
        """DISCORD_GATEWAY_URL, or what `/gateway/bot` says; its shard count when automatic."""
        url = self.settings.discord_gateway_url
        if url is None or self.client.shard_count is None:
            try:
                recommended, answered, _limits = await self.client.http.get_bot_gateway()
            except discord.GatewayNotFound:
                raise ConfigError(
                    f"GET {discord.http.Route.BASE}/gateway/bot failed: set DISCORD_GATEWAY_URL "
                    "or check DISCORD_API_BASE_URL"
                ) from None
            url = url or answered
            if self.client.shard_count is None:
                self.client.shard_count = recommended
        # Also where discord.py reconnects after an invalidated session.
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        return url

    async def _wait_until_ready(self, gateway: str) -> None:
        assert self._task is not None
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {self._task, ready}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready in done:
            return
        ready.cancel()
        if self._task in done:
            error = self._task.exception()
            if isinstance(error, discord.PrivilegedIntentsRequired):
                raise ConfigError(PRIVILEGED_INTENTS_HELP)
            raise ConfigError(
                f"the Discord gateway at {gateway} closed the connection: "
                f"{type(error).__name__}: {error}"
            )
        raise ConfigError(
            f"the Discord gateway at {gateway} was not ready within {self.ready_timeout:.0f}s; "
            "check DISCORD_GATEWAY_URL and the network"
        )

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        if self._stopping or task.cancelled():
            return
        error = task.exception()
        if isinstance(error, discord.PrivilegedIntentsRequired):
            log.critical("%s", PRIVILEGED_INTENTS_HELP)
        elif error is not None:
            log.critical("the Discord connection ended: %s: %s", type(error).__name__, error)
        else:
            log.critical("the Discord connection ended")

    async def stop(self) -> None:
        self._stopping = True
        if self._logged_in and not self.client.is_closed():
            with contextlib.suppress(Exception):
                await self.client.close()
        if self._task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._task, 5)
            self._task = None
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None
