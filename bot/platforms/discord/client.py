"""The discord.py client: which gateway events the bot listens to, handed on to `Inbound` and
`Interactions`. Nothing here decides anything."""

from __future__ import annotations

from typing import Any

import discord

from bot.platforms.discord.inbound import Inbound
from bot.platforms.discord.interactions import Interactions, LiveInteractions


def intents() -> discord.Intents:
    """Exactly what the bot uses; `members` and `message_content` are privileged (switched on
    in the Developer Portal, or the gateway closes with 4014)."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # servers, channels, threads and roles
    wanted.members = True  # joins, leaves, members' roles (privileged)
    wanted.guild_messages = True  # messages, edits and deletes in channels, threads and forums
    wanted.dm_messages = True  # members' replies to the bot's DMs
    wanted.message_content = True  # the text of those messages (privileged)
    wanted.guild_reactions = True  # reactions, through raw events
    return wanted


class CommunityClient(discord.AutoShardedClient):
    """Automatic sharding by default; `shard_ids` / `shard_count` split shards over processes."""

    def __init__(self, live: LiveInteractions, **options: Any) -> None:
        super().__init__(intents=intents(), **options)
        self.inbound = Inbound(self)
        self.interactions = Interactions(self, self.inbound, live)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.inbound.member_joined(member)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.inbound.member_left(payload)

    async def on_message(self, message: discord.Message) -> None:
        await self.inbound.message_posted(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.inbound.message_edited(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.inbound.messages_deleted(
            payload.guild_id, payload.channel_id, [payload.message_id]
        )

    async def on_raw_bulk_message_delete(
        self, payload: discord.RawBulkMessageDeleteEvent
    ) -> None:
        await self.inbound.messages_deleted(
            payload.guild_id, payload.channel_id, list(payload.message_ids)
        )

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.inbound.reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.inbound.reaction(payload)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.interactions.on_interaction(interaction)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.interactions.sync(guild)
