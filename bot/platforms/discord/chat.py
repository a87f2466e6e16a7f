"""The Chat port on Discord, called by the outbox sender through discord.py's REST client.

- Every post and DM carries a nonce derived from its outbox key, with `enforce_nonce`: a resend
  after a crash within Discord's nonce window returns the message already created instead of a
  second one. Discord cannot be asked afterwards, so `find_sent` answers None.
- A thread id is a channel id on Discord. Replying "in the thread" of a top-level message
  starts a thread from that message the first time.
- discord.py's own rate limiting stays on (it waits out 429s); a wait longer than
  `max_ratelimit_timeout` surfaces as `RateLimited` and the outbox reschedules the row.
- Errors: 429 → RateLimited, 5xx and network errors → TransientError, DM refusals (50007) →
  DirectMessagesBlocked, other 4xx → PermanentError.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import discord

from bot.chat import (
    ChatError,
    DirectMessagesBlocked,
    Form,
    PermanentError,
    RateLimited,
    TransientError,
    Unsupported,
)
from bot.events import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef
from bot.pacing import Pace
from bot.platforms.discord import render, translate
from bot.platforms.discord.interactions import Live, LiveInteractions, split_ref
from bot.text import Text

log = logging.getLogger(__name__)

DM_BLOCKED = 50007  # "Cannot send messages to this user"
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
UNACKNOWLEDGED_GRACE = 60.0  # an interaction this young may not be acknowledged yet


def snowflake(value: str) -> int:
    if not value.isdigit():
        raise PermanentError(f"not a Discord id: {value!r}")
    return int(value)


def map_http_error(what: str, exc: discord.HTTPException, *, dm: bool = False) -> ChatError:
    detail = f"{what}: HTTP {exc.status} (code {exc.code}) {exc.text}".strip()
    if exc.status == 429:
        headers = getattr(exc.response, "headers", {}) or {}
        try:
            retry_after = float(headers.get("Retry-After", 1.0))
        except (TypeError, ValueError):
            retry_after = 1.0
        is_global = str(headers.get("X-RateLimit-Global", "")).lower() == "true"
        return RateLimited(retry_after, is_global=is_global, detail=detail)
    if exc.status >= 500:
        return TransientError(detail)
    if dm and exc.code == DM_BLOCKED:
        return DirectMessagesBlocked(detail)
    return PermanentError(detail)


@contextlib.asynccontextmanager
async def calling(what: str, *, dm: bool = False) -> AsyncIterator[None]:
    """Map discord.py and network failures inside the block onto the Chat port's errors."""
    try:
        yield
    except discord.RateLimited as exc:
        raise RateLimited(exc.retry_after, detail=f"({what})") from exc
    except discord.HTTPException as exc:
        raise map_http_error(what, exc, dm=dm) from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from exc


def named_channel(guild: discord.Guild, name: str) -> Any | None:
    """A text or forum channel called `name` (without `#`, case-insensitive)."""
    wanted = name.lstrip("#").strip().lower()
    for found in sorted(guild.channels, key=lambda c: (c.position, c.id)):
        if isinstance(found, discord.TextChannel | discord.ForumChannel) and (
            found.name.lower() == wanted
        ):
            return found
    return None


class DiscordChat:
    platform = "discord"
    removes_member_messages = True  # with Manage Messages, which the invite asks for
    # Discord allows 50 requests in any second per bot: 48, counted as a sliding window of
    # requests (not messages: see `calls_for`), leaves two for reads; messages per channel
    # at Discord's 5 per 5 seconds.
    pace = Pace(global_rate=48.0, global_window=1.0, channel_rate=1.0, channel_burst=5)

    def __init__(self, client: discord.Client, live: LiveInteractions) -> None:
        self.client = client
        self.live = live

    # --- lookups ----------------------------------------------------------------------------

    def _guild(self, guild_id: str) -> discord.Guild | None:
        return self.client.get_guild(snowflake(guild_id))

    def _channel_ids(self, guild: discord.Guild | None) -> render.ChannelLookup:
        """Channel names in rendered text: the target's server, or the one server that has
        a channel by that name (a DM belongs to no server)."""
        guilds = [guild] if guild is not None else list(self.client.guilds)

        def lookup(name: str) -> int | None:
            ids = {found.id for g in guilds if (found := named_channel(g, name)) is not None}
            return ids.pop() if len(ids) == 1 else None

        return lookup

    def _message_url(self, channel_id: str, message_id: str) -> str | None:
        """Discord's jump link; it needs the server, which the channel tells."""
        found = self.client.get_channel(int(channel_id)) if channel_id.isdigit() else None
        guild = getattr(found, "guild", None)
        if guild is None:
            return None
        return f"https://discord.com/channels/{guild.id}/{channel_id}/{message_id}"

    def _guild_of(self, channel: ChannelRef) -> discord.Guild | None:
        found = self.client.get_channel(int(channel.id)) if channel.id.isdigit() else None
        return getattr(found, "guild", None)

    async def _fetch_channel(self, channel_id: int) -> Any | None:
        found = self.client.get_channel(channel_id)
        if found is not None:
            return found
        try:
            async with calling("look up channel"):
                return await self.client.fetch_channel(channel_id)
        except PermanentError:
            return None

    async def _messageable(self, channel_id: int) -> Any:
        found = await self._fetch_channel(channel_id)
        if found is None:
            raise PermanentError(f"channel_not_found: {channel_id}")
        return found

    async def _target(self, channel: ChannelRef, thread_id: str | None) -> Any:
        """Where a post goes: the channel, or the thread (started from the message whose id
        is `thread_id` when no thread exists yet)."""
        if thread_id is None:
            return await self._messageable(snowflake(channel.id))
        found = await self._fetch_channel(snowflake(thread_id))
        if found is not None:
            return found
        parent = await self._messageable(snowflake(channel.id))
        root = parent.get_partial_message(snowflake(thread_id))
        name = "Replies"
        with contextlib.suppress(discord.HTTPException):
            first_line = (await root.fetch()).content.strip().splitlines()
            name = (first_line[0][:90] if first_line else "") or name
        try:
            async with calling("start thread"):
                return await root.create_thread(name=name)
        except PermanentError as exc:
            if isinstance(exc.__cause__, discord.HTTPException) and (
                exc.__cause__.code == THREAD_EXISTS
            ):
                return await self._messageable(snowflake(thread_id))
            raise

    def _partial(self, message: MessageRef) -> discord.PartialMessage:
        """The message in the channel that holds it: its thread, when it sits in one."""
        holder = self.client.get_partial_messageable(
            snowflake(message.thread_id or message.channel.id)
        )
        return holder.get_partial_message(snowflake(message.id))

    def calls_for(self, kind: str, payload: dict[str, Any]) -> int:
        """REST requests an outbox row will make: a DM to a member whose DM channel is not
        open (discord.py keeps the last 128) creates it first, and one not cached is fetched."""
        if kind != "dm":
            return 1
        user_id = str(payload["user"]["id"])
        user = self.client.get_user(int(user_id)) if user_id.isdigit() else None
        if user is None:
            return 3
        return 1 if user.dm_channel is not None else 2

    # --- the Chat port ----------------------------------------------------------------------

    async def find_sent(self, kind: str, key: str) -> MessageRef | None:
        return None  # nonces with enforce_nonce make the resend itself safe

    async def resolve_channel(self, community: CommunityRef, name: str) -> ChannelRef | None:
        guild = self._guild(community.id)
        found = named_channel(guild, name) if guild is not None else None
        return translate.channel(found) if found is not None else None

    async def post(
        self, channel: ChannelRef, text: Text, *, thread_id: str | None, key: str
    ) -> MessageRef:
        target = await self._target(channel, thread_id)
        parts = render.message(text, self._channel_ids(getattr(target, "guild", None)),
                               message_url=self._message_url)
        async with calling("post"):
            if isinstance(target, discord.ForumChannel):
                title = (text.plain().strip().splitlines() or ["Post"])[0][:90] or "Post"
                created = await target.create_thread(name=title, **parts.send_kwargs())
                return translate.place(created.thread).message(created.message.id)
            sent = await target.send(**parts.send_kwargs(), nonce=render.nonce_for(key))
        return translate.place(target).message(sent.id)

    async def upload(
        self, channel: ChannelRef, filename: str, data: bytes, text: Text, *, key: str
    ) -> MessageRef:
        """A file (a digest's chart) with its message, under the same nonce rule as posts."""
        target = await self._messageable(snowflake(channel.id))
        parts = render.message(text, self._channel_ids(getattr(target, "guild", None)),
                               message_url=self._message_url,
                               allow_empty=True)
        attachment = discord.File(io.BytesIO(data), filename=filename)
        async with calling("upload"):
            sent = await target.send(**parts.send_kwargs(), file=attachment,
                                     nonce=render.nonce_for(key))
        return translate.place(target).message(sent.id)

    async def dm(self, user: UserRef, text: Text, *, key: str) -> MessageRef:
        user_id = snowflake(user.id)
        parts = render.message(text, self._channel_ids(None),
                               message_url=self._message_url)
        async with calling("dm", dm=True):
            person = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
            sent = await person.send(**parts.send_kwargs(), nonce=render.nonce_for(key))
        return MessageRef(channel=ChannelRef(id=str(sent.channel.id), is_dm=True), id=str(sent.id))

    async def ephemeral(
        self, channel: ChannelRef, user: UserRef, text: Text, *,
        interaction: InteractionRef | None, key: str,
    ) -> None:
        """Only `user` sees it: an answer to their interaction, or else a DM."""
        if interaction is None:
            await self.dm(user, text, key=key)
            return
        interaction_id, token = split_ref(interaction)
        live = self.live.get(interaction)
        guild = live.interaction.guild if live is not None else self._guild_of(channel)
        parts = render.message(text, self._channel_ids(guild),
                               message_url=self._message_url)
        if live is not None:
            async with live.lock:
                if not live.interaction.response.is_done():
                    async with calling("answer interaction"):
                        await live.interaction.response.send_message(
                            **parts.send_kwargs(), ephemeral=True
                        )
                    return
        try:
            async with calling("interaction follow-up"):
                await self._followup(token, live).send(**parts.send_kwargs(), ephemeral=True)
        except PermanentError as exc:
            if not isinstance(exc.__cause__, discord.NotFound):
                raise
            age = (discord.utils.utcnow() - discord.utils.snowflake_time(interaction_id))
            if age.total_seconds() < UNACKNOWLEDGED_GRACE:
                raise TransientError(f"interaction {interaction_id} not acknowledged yet") from exc
            log.info("interaction %s expired; answering %s by DM instead", interaction_id, user.id)
            await self.dm(user, text, key=key)

    def _followup(self, token: str, live: Live | None) -> discord.Webhook:
        if live is not None:
            return live.interaction.followup
        # What `Interaction.followup` builds, for an interaction received before a restart.
        return discord.Webhook.from_state(
            data={"id": self.client.application_id, "type": 3, "token": token},
            state=self.client._connection,
        )

    async def react(self, message: MessageRef, emoji: str) -> None:
        async with calling("react"):
            await self._partial(message).add_reaction(render.emoji(emoji, self._custom_emoji))

    async def unreact(self, message: MessageRef, emoji: str, user: UserRef | None) -> None:
        """Removes the bot's reaction, or a member's (which needs Manage Messages)."""
        who = discord.Object(snowflake(user.id)) if user is not None else self.client.user
        assert who is not None, "unreact before login"
        async with calling("unreact"):
            await self._partial(message).remove_reaction(
                render.emoji(emoji, self._custom_emoji), who
            )

    def _custom_emoji(self, name: str) -> str | None:
        found = discord.utils.get(self.client.emojis, name=name)
        return f"{found.name}:{found.id}" if found is not None else None

    async def update(self, message: MessageRef, text: Text) -> None:
        partial = self._partial(message)
        guild = getattr(partial.channel, "guild", None)
        parts = render.message(text, self._channel_ids(guild),
                               message_url=self._message_url)
        async with calling("update"):
            await partial.edit(**parts.edit_kwargs())

    async def delete(self, message: MessageRef) -> None:
        try:
            async with calling("delete"):
                await self._partial(message).delete()
        except PermanentError as exc:
            if isinstance(exc.__cause__, discord.NotFound):
                return  # already gone: what we wanted
            raise

    async def timeout(self, community: CommunityRef, user: UserRef, until: datetime) -> None:
        """Time a member out (needs Moderate Members; Discord allows at most 28 days)."""
        guild = self._guild(community.id)
        if guild is None:
            raise PermanentError(f"the bot is not in Discord server {community.id}")
        user_id = snowflake(user.id)
        async with calling("timeout"):
            member = guild.get_member(user_id) or await guild.fetch_member(user_id)
            await member.timeout(until, reason="community-bot moderation")

    async def open_form(self, interaction: InteractionRef, form: Form) -> None:
        """A modal must be the first answer to a live interaction (see interactions.py)."""
        live = self.live.get(interaction)
        if live is None:
            log.warning("cannot open form %r: interaction not received by this process or "
                        "older than 15 minutes", form.form_id)
            return
        dialog = render.modal(form, self.live.forms.custom_id(form))
        async with live.lock:
            if not live.interaction.response.is_done():
                async with calling("open form"):
                    await live.interaction.response.send_modal(dialog)
                return
        log.warning("form %r opened too late: interaction %s was already acknowledged",
                    form.form_id, live.interaction.id)
        with contextlib.suppress(discord.HTTPException):
            await live.interaction.followup.send(
                "Sorry, that took too long to open. Please try again.", ephemeral=True
            )

    async def publish_home(self, user: UserRef, text: Text) -> None:
        raise Unsupported("Discord has no per-member home page")
