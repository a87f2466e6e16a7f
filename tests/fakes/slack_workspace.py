"""Workspace state of the fake Slack: team, bot, users, channels (incl. DMs) and messages."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from typing import Any


class SlackFailure(Exception):
    """Raised by a handler to answer ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error, self.extra = error, extra


class SlackWorkspace:
    """One workspace with the bot installed; tests seed it and inspect it."""

    def __init__(
        self,
        *,
        team_id: str = "T0FAKE0001",
        team_name: str = "Fake Community",
        domain: str = "fake-community",
        bot_user_id: str = "U0BOT00001",
        bot_name: str = "communitybot",
        bot_id: str = "B0BOT00001",
        app_id: str = "A0APP00001",
    ) -> None:
        self.team_id, self.team_name, self.domain = team_id, team_name, domain
        self.bot_user_id, self.bot_name, self.bot_id = bot_user_id, bot_name, bot_id
        self.app_id = app_id
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self._ts = itertools.count(1_700_000_000_000_100, 100)
        self._ids = itertools.count(1)
        self.add_user(bot_user_id, bot_name, is_bot=True, bot_id=bot_id)
        self.general_id = self.add_channel("C0GENERAL1", "general", is_general=True)["id"]

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as ``D0FAKE0003``."""
        return f"{prefix}0FAKE{next(self._ids):04d}"

    def new_ts(self) -> str:
        """A unique, increasing message ts like ``1700000000.000100``."""
        value = next(self._ts)
        return f"{value // 1_000_000}.{value % 1_000_000:06d}"

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
        is_admin: bool = False,
        deleted: bool = False,
        tz: str = "Europe/Berlin",
        bot_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Seed a user; returns the ``users.info`` user object (mutable)."""
        real = real_name or name
        profile: dict[str, Any] = {
            "real_name": real,
            "display_name": name,
            "real_name_normalized": real,
            "display_name_normalized": name,
            "team": self.team_id,
            "image_72": f"https://avatars.example/{user_id}_72.png",
        }
        if email:
            profile["email"] = email
        if bot_id:
            profile["bot_id"] = bot_id
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_offset": 3600,
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "updated": 1700000000,
            "profile": profile,
            **extra,
        }
        return self.users[user_id]

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: list[str] | tuple[str, ...] = (),
        topic: str = "",
        purpose: str = "",
        **extra: Any,
    ) -> dict[str, Any]:
        """Seed a channel; returns the ``conversations.info`` object (mutable)."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": is_member,
            "created": 1690000000,
            "creator": self.bot_user_id,
            "context_team_id": self.team_id,
            "topic": {"value": topic, "creator": "", "last_set": 0},
            "purpose": {"value": purpose, "creator": "", "last_set": 0},
            "members": list(members),
            **extra,
        }
        return self.channels[channel_id]

    def open_dm(self, user_id: str) -> str:
        """The DM channel id with ``user_id`` (created on first use, stable afterwards)."""
        for channel in self.channels.values():
            if channel.get("is_im") and channel.get("user") == user_id:
                return str(channel["id"])
        channel_id = self.new_id("D")
        self.channels[channel_id] = {
            "id": channel_id,
            "created": int(time.time()),
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": self.team_id,
            "user": user_id,
            "is_user_deleted": False,
            "priority": 0,
        }
        return channel_id

    def add_message(
        self, channel: str, text: str, *, user: str, thread_ts: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Seed a message from a workspace user, as if it had been posted in Slack."""
        return self._store(channel, {"user": user, "text": text, "thread_ts": thread_ts, **fields})

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages in ``channel`` (id or name), oldest first, thread replies included."""
        found = self._resolve(channel)
        return list(self._messages[found["id"] if found else channel])

    def event_envelope(self, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """Wrap ``event`` in an ``event_callback`` envelope for this workspace."""
        n = next(self._ids)
        return {
            "token": "fakeVerificationToken",
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev0FAKE{n:06d}",
            "event_time": int(time.time()),
            "event_context": f"4-fake-{n}",
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            **extra,
        }

    # ---- helpers for the API handlers -------------------------------------------------------

    def _resolve(self, ref: str) -> dict[str, Any] | None:
        """A channel by id, name or ``#name``; a user id resolves to the DM with that user."""
        if ref in self.channels:
            return self.channels[ref]
        name = ref.lstrip("#")
        for channel in self.channels.values():
            if channel.get("name") == name:
                return channel
        if ref in self.users:
            return self.channels[self.open_dm(ref)]
        return None

    def _channel(self, params: dict[str, Any], key: str = "channel") -> dict[str, Any]:
        channel = self._resolve(str(params.get(key) or ""))
        if channel is None:
            raise SlackFailure("channel_not_found")
        return channel

    def _writable(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel.get("is_archived"):
            raise SlackFailure("is_archived")
        if channel.get("is_member") is False:
            raise SlackFailure("channel_not_found" if channel["is_private"] else "not_in_channel")
        return channel

    def _find(self, channel_id: str, ts: Any) -> dict[str, Any]:
        for message in self._messages[channel_id]:
            if message["ts"] == ts:
                return message
        raise SlackFailure("message_not_found")

    def _store(self, channel: str, fields: dict[str, Any]) -> dict[str, Any]:
        found = self._resolve(channel)
        channel_id = found["id"] if found else channel
        ts = self.new_ts()
        message = {"type": "message", "ts": ts, "team": self.team_id}
        message.update({k: v for k, v in fields.items() if v is not None})
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            for parent in self._messages[channel_id]:
                if parent["ts"] == thread_ts:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
                    users = parent.setdefault("reply_users", [])
                    if message.get("user") not in users:
                        users.append(message.get("user"))
                    parent["reply_users_count"], parent["latest_reply"] = len(users), ts
        self._messages[channel_id].append(message)
        return message

    def _bot_fields(self) -> dict[str, Any]:
        return {
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "team_id": self.team_id,
                "deleted": False,
                "updated": 1700000000,
            },
        }
