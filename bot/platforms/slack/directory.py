"""Names for Slack ids: users.info, conversations.info and conversations.list behind a TTL cache,
so a busy channel costs one lookup an hour, not one per event.

Inbound lookups never wait: when a method's budget is spent or Slack fails, the event goes on
with the bare id (the store keeps the name it learnt earlier) rather than missing Slack's 3 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import typing
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any, TypeVar

from bot.chat import ChatError
from bot.events import ChannelRef, Event, MessageRef, UserRef
from bot.platforms.slack.translate import Malformed, user_ref
from bot.platforms.slack.web import SlackWeb

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)


class _TTLCache(dict[str, tuple[float, Any]]):
    def __init__(self, ttl: float, now: Callable[[], float]) -> None:
        super().__init__()
        self.ttl = ttl
        self._now = now

    def fresh(self, key: str) -> Any | None:
        entry = self.get(key)
        if entry is None or entry[0] < self._now():
            return None
        return entry[1]

    def put(self, key: str, value: Any, ttl: float | None = None) -> None:
        self[key] = (self._now() + (self.ttl if ttl is None else ttl), value)


@functools.cache
def _ref_fields(event_type: type[Event]) -> tuple[tuple[str, type], ...]:
    """The fields of an event type that may hold a user, channel or message reference."""
    hints = typing.get_type_hints(event_type)
    return tuple(
        (f.name, kind) for f in fields(event_type)
        for kind in (UserRef, ChannelRef, MessageRef)
        if hints[f.name] is kind or kind in typing.get_args(hints[f.name])
    )


class SlackDirectory:
    def __init__(
        self, web: SlackWeb, *, ttl: float = 3600.0, list_ttl: float = 600.0,
        miss_ttl: float = 300.0, now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.web = web
        self.miss_ttl = miss_ttl
        self._now = now
        self._users = _TTLCache(ttl, now)
        self._channels = _TTLCache(ttl, now)
        self._by_name: dict[str, ChannelRef] = {}
        self._listed_at = float("-inf")
        self._listing = asyncio.Lock()
        self.list_ttl = list_ttl
        self._groups: dict[str, tuple[str, ...]] = {}
        self._groups_at = float("-inf")
        self.track_groups = False  # set when the config grants roles to Slack user groups
        self.lookups = 0  # Web API calls made, for tests and logs

    # --- users and channels by id ---------------------------------------------------------

    def remember_user(self, user: dict[str, Any]) -> UserRef:
        """Cache a user object a payload brought along (team_join carries the whole user)."""
        ref = user_ref(user)
        self._users.put(ref.id, ref)
        return ref

    async def user(self, user_id: str) -> UserRef:
        cached = self._users.fresh(user_id)
        if cached is not None:
            return cached
        data = await self._lookup("users.info", user=user_id)
        found = data.get("user") if data else None
        if isinstance(found, dict):
            with contextlib.suppress(Malformed):
                return self.remember_user(found)
        self._users.put(user_id, UserRef(user_id), self.miss_ttl)
        return UserRef(user_id)

    async def channel(self, channel_id: str) -> ChannelRef:
        cached = self._channels.fresh(channel_id)
        if cached is not None:
            return cached
        data = await self._lookup("conversations.info", channel=channel_id)
        found = data.get("channel") if data else None
        if not isinstance(found, dict):
            self._channels.put(channel_id, ChannelRef(channel_id), self.miss_ttl)
            return ChannelRef(channel_id)
        ref = ChannelRef(
            id=channel_id, name=found.get("name") or None,
            is_private=bool(found.get("is_private")), is_dm=bool(found.get("is_im")),
        )
        self._channels.put(channel_id, ref)
        return ref

    async def _lookup(self, method: str, **params: Any) -> dict[str, Any] | None:
        try:
            self.lookups += 1
            return await self.web.call(method, wait=False, **params)
        except ChatError as exc:
            log.info("%s failed (%s); going on without names", method, exc)
            return None

    # --- channels by name (the config names them) -------------------------------------------

    async def channel_named(self, name: str) -> ChannelRef | None:
        """The channel called `name`; the list is refreshed when stale or on a miss."""
        key = name.strip().lstrip("#").lower()
        if self._stale(key):
            # One listing at a time: a burst of DMs naming channels must not list (Tier 2,
            # 20 a minute) once per message; the others wait for it and read its result.
            async with self._listing:
                if self._stale(key):
                    await self._list_channels()
        return self._by_name.get(key)

    def _stale(self, key: str) -> bool:
        """Listing is due when old, or on a miss, but then at most twice a minute."""
        age = self._now() - self._listed_at
        return age > self.list_ttl or (key not in self._by_name and age > 30)

    def forget_channel_names(self) -> None:
        """The bot joined a channel, or one was created: list again on the next lookup."""
        self._listed_at = float("-inf")

    async def _list_channels(self) -> None:
        found: dict[str, ChannelRef] = {}
        cursor = ""
        while True:
            data = await self.web.call(
                "conversations.list", types="public_channel,private_channel",
                exclude_archived=True, limit=1000, cursor=cursor or None,
            )
            for channel in data.get("channels") or []:
                if isinstance(channel, dict) and channel.get("id") and channel.get("name"):
                    ref = ChannelRef(id=channel["id"], name=channel["name"],
                                     is_private=bool(channel.get("is_private")))
                    found[ref.name.lower()] = ref  # type: ignore[union-attr]
                    self._channels.put(ref.id, ref)
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                break
        self._by_name = found
        self._listed_at = self._now()

    # --- user groups (config roles written slack:role:S…) -------------------------------------

    async def groups_of(self, user_id: str) -> tuple[str, ...]:
        """The user groups `user_id` belongs to, from one usergroups.list every few minutes."""
        if self._now() - self._groups_at > self.list_ttl:
            data = await self._lookup("usergroups.list", include_users=True)
            if data is not None:
                groups: dict[str, list[str]] = {}
                for group in data.get("usergroups") or []:
                    for member in group.get("users") or []:
                        groups.setdefault(member, []).append(str(group.get("id")))
                self._groups = {user: tuple(ids) for user, ids in groups.items()}
                self._groups_at = self._now()
            else:
                self._groups_at = self._now() - self.list_ttl + self.miss_ttl
        return self._groups.get(user_id, ())

    # --- filling in events --------------------------------------------------------------------

    async def enrich(self, event: E) -> E:
        """The event with names (and is_bot, groups, is_private) on its user and channel refs."""
        changes: dict[str, Any] = {}
        for name, kind in _ref_fields(type(event)):
            value = getattr(event, name)
            if value is None:
                continue
            if kind is UserRef:
                ref = value
                if ref.name is None:
                    known = await self.user(ref.id)
                    ref = known if known.is_bot or not ref.is_bot else replace(known, is_bot=True)
                if self.track_groups and not ref.groups:
                    ref = replace(ref, groups=await self.groups_of(ref.id))
                if ref is not value:
                    changes[name] = ref
            elif kind is ChannelRef:
                named = await self._named_channel(value)
                if named is not value:
                    changes[name] = named
            else:  # a MessageRef: its channel
                named = await self._named_channel(value.channel)
                if named is not value.channel:
                    changes[name] = replace(value, channel=named)
        return replace(event, **changes) if changes else event

    async def _named_channel(self, ref: ChannelRef) -> ChannelRef:
        if ref.name or ref.is_dm or not ref.id:
            return ref
        known = await self.channel(ref.id)
        return known if known.name or known.is_dm else ref

