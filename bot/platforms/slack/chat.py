"""SlackChat: the Chat port on the Slack Web API (the outbox sender is its only caller, besides
`open_form`, which must answer a click within Slack's 3 s).

Every message the bot posts carries its outbox key in Slack message metadata, so after a crash
or a timeout mid-send `find_sent` can find the message in the channel instead of posting it
again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat import (
    ChatError,
    Form,
    PermanentError,
    RateLimited,
    TransientError,
    Unsupported,
)
from bot.events import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef
from bot.pacing import Pace
from bot.platforms.slack import render
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.translate import emoji_to_slack
from bot.platforms.slack.web import SlackWeb, retry_after_of, slack_error
from bot.text import Text

log = logging.getLogger(__name__)

OUTBOX_METADATA = "community_bot_outbox"
SEARCH_PAGES = 3  # of 200 messages: how far back find_sent looks
REMEMBERED_TARGETS = 10_000
EPHEMERAL_FALLBACK_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "user_not_in_channel"}
)


@dataclass(frozen=True)
class SentTarget:
    """Where an outbox message was going: a channel (and thread), or a member's DMs."""

    channel: ChannelRef | None = None
    user_id: str | None = None
    thread_id: str | None = None
    filename: str | None = None  # an upload, which cannot carry metadata


Recall = Callable[[str], Awaitable[SentTarget | None]]


class SlackChat:
    platform = "slack"
    removes_member_messages = False  # chat.delete with a bot token: the bot's own posts only
    # About one message per second per channel with short bursts (Slack's documented limit;
    # a burst of 2 keeps one message of margin for network jitter); workspace-wide a few per
    # second keeps a join burst well clear of Slack's abuse limits.
    pace = Pace(global_rate=5.0, global_burst=10, channel_rate=1.0, channel_burst=2)

    def __init__(
        self, web: SlackWeb, directory: SlackDirectory, *, webhook_timeout: int = 10
    ) -> None:
        self.web = web
        self.directory = directory
        self.webhook_timeout = webhook_timeout
        self.bot_user_id = ""
        self.team_url = ""
        self.recall: Recall | None = None
        self._attached = asyncio.Event()
        self._dm_channels: dict[str, str] = {}
        self._targets: dict[str, SentTarget] = {}

    def attach(self, bot_user_id: str, recall: Recall | None, team_url: str = "") -> None:
        """Who the bot is (auth.test) and where stored outbox rows were going (the store):
        known once the adapter has started."""
        self.bot_user_id = bot_user_id
        self.team_url = team_url
        self.recall = recall
        self._attached.set()

    # --- rendering ----------------------------------------------------------------------------

    async def _render(self, text: Text) -> tuple[str, list[dict[str, Any]] | None]:
        channels: dict[str, ChannelRef] = {}
        for name in render.channels_to_resolve(text):
            try:
                found = await self.directory.channel_named(name)
            except ChatError as exc:
                log.info("could not look up #%s (%s); mentioning it by name", name, exc)
                continue
            if found is not None:
                channels[name] = found
        body = render.mrkdwn(text, channels, self.team_url)
        return body, (render.blocks(body, text.buttons) if text.buttons else None)

    # --- places -------------------------------------------------------------------------------

    async def resolve_channel(self, community: CommunityRef, name: str) -> ChannelRef | None:
        return await self.directory.channel_named(name)

    async def _dm_channel(self, user_id: str) -> ChannelRef:
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            data = await self.web.call("conversations.open", dm=True, users=user_id)
            channel_id = str((data.get("channel") or {}).get("id") or "")
            if not channel_id:
                raise TransientError("conversations.open answered without a channel")
            self._dm_channels[user_id] = channel_id
        return ChannelRef(id=channel_id, is_dm=True)

    # --- messages -----------------------------------------------------------------------------

    def _remember(self, key: str, target: SentTarget) -> None:
        self._targets.pop(key, None)
        self._targets[key] = target
        if len(self._targets) > REMEMBERED_TARGETS:
            self._targets.pop(next(iter(self._targets)))

    async def _in_channel(self, where: ChannelRef, method: str, **params: Any) -> dict[str, Any]:
        """Call a posting method; in a public channel the bot is not in yet, join it first."""
        try:
            return await self.web.call(method, **params)
        except PermanentError as exc:
            if slack_error(exc) != "not_in_channel":
                raise
        log.info("joining #%s to post there", where.name or where.id)
        await self.web.call("conversations.join", channel=where.id)
        return await self.web.call(method, **params)

    async def _post_message(
        self, channel: ChannelRef, text: Text, *, thread_id: str | None, key: str,
        dm: bool = False,
    ) -> dict[str, Any]:
        body, blocks = await self._render(text)
        return await self._in_channel(
            channel, "chat.postMessage", dm=dm, channel=channel.id, text=body, blocks=blocks,
            thread_ts=thread_id, unfurl_links=False,
            metadata={"event_type": OUTBOX_METADATA, "event_payload": {"key": key}},
        )

    async def post(
        self, channel: ChannelRef, text: Text, *, thread_id: str | None, key: str
    ) -> MessageRef:
        if not channel.id:
            raise PermanentError(f"no Slack channel id for #{channel.name}")
        self._remember(key, SentTarget(channel=channel, thread_id=thread_id))
        data = await self._post_message(channel, text, thread_id=thread_id, key=key)
        return MessageRef(channel=channel, id=str(data["ts"]), thread_id=thread_id)

    async def dm(self, user: UserRef, text: Text, *, key: str) -> MessageRef:
        channel = await self._dm_channel(user.id)
        self._remember(key, SentTarget(channel=channel, user_id=user.id))
        data = await self._post_message(channel, text, thread_id=None, key=key, dm=True)
        return MessageRef(channel=channel, id=str(data["ts"]))

    async def upload(
        self, channel: ChannelRef, filename: str, data: bytes, text: Text, *, key: str
    ) -> MessageRef:
        """A file shared in the channel with `text` as its comment. Slack attaches no
        metadata to file shares, so `find_sent` recognises an upload by its file name."""
        if not channel.id:
            raise PermanentError(f"no Slack channel id for #{channel.name}")
        self._remember(key, SentTarget(channel=channel, filename=filename))
        body, _ = await self._render(text)
        uploaded = await self._in_channel(
            channel, "files.upload_v2", channel=channel.id, content=data, filename=filename,
            title=filename, initial_comment=body or None,
        )
        file_id = str((uploaded.get("file") or {}).get("id") or "")
        return await self._share_of(channel, file_id)

    async def _share_of(self, channel: ChannelRef, file_id: str) -> MessageRef:
        """The message that shares the file (Slack answers an upload with the file only)."""
        try:
            recent = await self.web.call("conversations.history", channel=channel.id, limit=20)
        except ChatError as exc:
            recent = {}
            log.info("cannot read #%s after an upload (%s)", channel.name or channel.id, exc)
        for message in recent.get("messages") or []:
            if any(f.get("id") == file_id for f in message.get("files") or []):
                return MessageRef(channel=channel, id=str(message["ts"]))
        log.info("upload %s is not in #%s's history yet; referring to the file", file_id,
                 channel.name or channel.id)
        return MessageRef(channel=channel, id=file_id)

    async def ephemeral(
        self, channel: ChannelRef, user: UserRef, text: Text, *,
        interaction: InteractionRef | None, key: str,
    ) -> None:
        """Through the command's or click's response_url while it lives (30 minutes), else
        chat.postEphemeral; where the bot cannot see the channel, as a DM."""
        body, blocks = await self._render(text)
        url = interaction.token if interaction else ""
        if url.startswith(("https://", "http://")) and await self._respond(url, body, blocks):
            return
        try:
            await self.web.call("chat.postEphemeral", channel=channel.id, user=user.id,
                                text=body, blocks=blocks)
        except PermanentError as exc:
            if slack_error(exc) not in EPHEMERAL_FALLBACK_ERRORS:
                raise
            log.info("cannot whisper in %s (%s); sending a DM instead", channel.id, exc)
            await self.dm(user, text, key=key)

    async def _respond(self, url: str, body: str, blocks: list[dict[str, Any]] | None) -> bool:
        message: dict[str, Any] = {"response_type": "ephemeral", "text": body,
                                   "replace_original": False}
        if blocks:
            message["blocks"] = blocks
        client = AsyncWebhookClient(url, timeout=self.webhook_timeout, retry_handlers=[])
        try:
            response = await client.send_dict(message)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(f"response_url: {type(exc).__name__}: {exc}") from exc
        if 200 <= response.status_code < 300:
            return True
        if response.status_code == 429:
            raise RateLimited(retry_after_of(response.headers), is_global=True,
                              detail="(response_url)")
        if response.status_code >= 500:
            raise TransientError(f"response_url: HTTP {response.status_code}")
        log.info("response_url answered %s %s (expired or used up); posting instead",
                 response.status_code, str(response.body)[:80])
        return False

    async def update(self, message: MessageRef, text: Text) -> None:
        body, blocks = await self._render(text)
        await self.web.call("chat.update", channel=message.channel.id, ts=message.id,
                            text=body, blocks=blocks or [])

    async def delete(self, message: MessageRef) -> None:
        try:
            await self.web.call("chat.delete", channel=message.channel.id, ts=message.id)
        except PermanentError as exc:
            code = slack_error(exc)
            if code == "message_not_found":
                return  # already gone: what we wanted
            if code == "cant_delete_message":
                raise PermanentError(
                    "Slack lets the bot delete only its own messages; a workspace admin "
                    "must remove this one"
                ) from exc
            raise

    # --- reactions ----------------------------------------------------------------------------

    @staticmethod
    def _emoji_name(emoji: str) -> str:
        name = emoji_to_slack(emoji)
        if name is None:
            raise PermanentError(f"no Slack reaction name known for {emoji!r}")
        return name

    async def react(self, message: MessageRef, emoji: str) -> None:
        try:
            await self.web.call("reactions.add", channel=message.channel.id,
                                timestamp=message.id, name=self._emoji_name(emoji))
        except PermanentError as exc:
            if slack_error(exc) != "already_reacted":
                raise

    async def unreact(self, message: MessageRef, emoji: str, user: UserRef | None) -> None:
        if user is not None and user.id != self.bot_user_id:
            raise Unsupported("Slack lets the bot remove only its own reactions")
        try:
            await self.web.call("reactions.remove", channel=message.channel.id,
                                timestamp=message.id, name=self._emoji_name(emoji))
        except PermanentError as exc:
            if slack_error(exc) != "no_reaction":
                raise

    # --- members, forms and home --------------------------------------------------------------

    async def timeout(self, community: CommunityRef, user: UserRef, until: datetime) -> None:
        raise Unsupported("Slack cannot time members out; a workspace admin can deactivate them")

    async def open_form(self, interaction: InteractionRef, form: Form) -> None:
        if not interaction.trigger:
            raise PermanentError("opening a form needs the interaction's trigger_id")
        try:
            view = render.modal(form)
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc
        await self.web.call("views.open", trigger_id=interaction.trigger, view=view)

    async def publish_home(self, user: UserRef, text: Text) -> None:
        body, _ = await self._render(text)
        await self.web.call("views.publish", user_id=user.id,
                            view=render.home_view(body, text.buttons))

    # --- recovery -----------------------------------------------------------------------------

    async def find_sent(self, kind: str, key: str) -> MessageRef | None:
        """The message posted under `key`, found by its metadata in the channel's recent
        history. A failing lookup raises (TransientError, RateLimited): the row is tried again
        after its lease rather than risk posting twice."""
        target = self._targets.get(key)
        if target is None:
            # The sender may start before the adapter: wait to know the store, rather than
            # guess "not sent" and post a second time.
            await self._attached.wait()
            target = await self.recall(key) if self.recall is not None else None
        if target is None:
            return None
        try:
            channel = await self._target_channel(target)
            if channel is None:
                return None
            return await self._search(channel, target, key)
        except PermanentError as exc:
            log.info("cannot look for outbox message %s (%s); sending it", key, exc)
            return None

    async def _target_channel(self, target: SentTarget) -> ChannelRef | None:
        if target.channel is not None and target.channel.id:
            return target.channel
        if target.user_id:
            return await self._dm_channel(target.user_id)
        if target.channel is not None and target.channel.name:
            return await self.directory.channel_named(target.channel.name)
        return None

    async def _search(self, channel: ChannelRef, target: SentTarget, key: str) -> MessageRef | None:
        method = "conversations.replies" if target.thread_id else "conversations.history"
        params: dict[str, Any] = {"channel": channel.id, "include_all_metadata": True,
                                  "limit": 200}
        if target.thread_id:
            params["ts"] = target.thread_id
        for _ in range(SEARCH_PAGES):
            data = await self.web.call(method, **params)
            for message in data.get("messages") or []:
                if self._carries(message, key, target.filename):
                    return MessageRef(channel=channel, id=str(message["ts"]),
                                      thread_id=target.thread_id)
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
            params["cursor"] = cursor
        return None

    def _carries(self, message: dict[str, Any], key: str, filename: str | None) -> bool:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == OUTBOX_METADATA:
            return bool((metadata.get("event_payload") or {}).get("key") == key)
        return bool(filename) and message.get("user") == self.bot_user_id and any(
            f.get("name") == filename for f in message.get("files") or []
        )
