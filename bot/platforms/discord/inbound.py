"""Gateway events in: each discord.py event is translated and handed to the router, which
de-duplicates it by event id and runs the handlers.

Raw events (`on_raw_*`) are used for edits, deletes, reactions and leaves so that messages and
members discord.py has not cached still count. A thread's parent comes from the cache, or
from one REST lookup for an uncached (e.g. archived) thread.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.events import CommunityRef, Event, UserRef
from bot.platforms.discord import translate
from bot.platforms.discord.translate import Place

if TYPE_CHECKING:
    from bot.context import BotContext
    from bot.router import DispatchResult

log = logging.getLogger(__name__)


@dataclass
class InboundStats:
    """What arrived and what became of it (tests wait on these; operators read the logs)."""

    received: int = 0
    dispatched: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0


class Inbound:
    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.ctx: BotContext | None = None
        self.stats = InboundStats()

    # --- delivery -------------------------------------------------------------------------

    def now(self) -> datetime:
        assert self.ctx is not None, "Inbound used before the adapter started"
        return self.ctx.clock.now()

    async def deliver(self, event: Event | None) -> DispatchResult | None:
        """Dispatch one event; a failure is logged and counted, never raised into discord.py."""
        self.stats.received += 1
        if event is None or self.ctx is None:
            self.stats.ignored += 1
            return None
        try:
            result = await self.ctx.router.dispatch(self.ctx, event)
        except Exception:
            self.stats.failed += 1
            log.exception("could not handle Discord %s %s", type(event).__name__, event.event_id)
            return None
        if result.duplicate:
            self.stats.duplicates += 1
        else:
            self.stats.dispatched += 1
        return result

    # --- places and communities -----------------------------------------------------------

    async def lookup_channel(self, channel_id: int) -> Any | None:
        found = self.client.get_channel(channel_id)
        if found is not None:
            return found
        try:
            return await self.client.fetch_channel(channel_id)
        except discord.HTTPException as exc:
            log.warning("cannot look up Discord channel %s: %s", channel_id, exc)
            return None

    async def place(self, channel_id: int) -> Place | None:
        found = await self.lookup_channel(channel_id)
        return translate.place(found) if found is not None else None

    def community_of(self, guild_id: int | None, user_id: int | None) -> CommunityRef | None:
        """A guild's community; for a DM, the one community bot and member share (a DM to a
        member of several is ambiguous and ignored)."""
        if guild_id is not None:
            guild = self.client.get_guild(guild_id)
            return translate.community(guild) if guild is not None else None
        person = self.client.get_user(user_id) if user_id is not None else None
        shared = person.mutual_guilds if person is not None else []
        if len(shared) == 1:
            return translate.community(shared[0])
        log.info("DM from %s, who shares %d servers with the bot: not attributed",
                 user_id, len(shared))
        return None

    # --- gateway events -------------------------------------------------------------------

    async def member_joined(self, member: discord.Member) -> None:
        await self.deliver(translate.member_joined(member, self.now()))

    async def member_left(self, payload: discord.RawMemberRemoveEvent) -> None:
        where = self.community_of(payload.guild_id, None)
        if where is None:
            return
        joined_at = getattr(payload.user, "joined_at", None)
        await self.deliver(translate.member_left(where, payload.user, self.now(), joined_at))

    async def message_posted(self, message: discord.Message) -> None:
        if message.author.bot:  # our own echoes and other bots: nothing to record
            return
        where = self.community_of(message.guild.id if message.guild else None, message.author.id)
        if where is None:
            return
        bot_id = self.client.user.id if self.client.user else None
        await self.deliver(translate.message_posted(where, message, self.now(), bot_id))

    async def message_edited(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if message.author.bot or message.edited_at is None:
            return
        where = self.community_of(payload.guild_id, message.author.id)
        if where is None:
            return
        if isinstance(message.channel, discord.PartialMessageable):
            found = await self.lookup_channel(payload.channel_id)
            if found is not None:
                message.channel = found
        await self.deliver(translate.message_edited(where, message, self.now()))

    async def messages_deleted(
        self, guild_id: int | None, channel_id: int, message_ids: list[int]
    ) -> None:
        where = self.community_of(guild_id, None) if guild_id else None
        at_place = await self.place(channel_id) if where else None
        if where is None or at_place is None:
            return
        for message_id in sorted(message_ids):
            await self.deliver(translate.message_deleted(where, at_place, message_id, self.now()))

    async def reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self.client.user is not None and payload.user_id == self.client.user.id:
            return
        where = self.community_of(payload.guild_id, payload.user_id)
        at_place = await self.place(payload.channel_id) if where else None
        if where is None or at_place is None:
            return
        person = payload.member or self.client.get_user(payload.user_id)
        who = translate.user(person) if person is not None else UserRef(id=str(payload.user_id))
        if who.is_bot:
            return
        await self.deliver(translate.reaction(
            where, at_place, payload, who, self.now(), received_second=int(time.time())
        ))
