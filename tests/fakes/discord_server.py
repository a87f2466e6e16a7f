"""A local fake Discord (REST API + websocket gateway) for tests with the real discord.py.

Usage::

    async with FakeDiscord() as fake:
        guild_id = int(fake.add_guild("Test")["id"])
        alice = fake.add_member(guild_id, fake.add_user("alice"))["user"]
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        ...  # log a discord.Client in with fake.token, connect, then drive it:
        await fake.message_create(fake.general_id(guild_id), alice, "!ping")
        await fake.wait_for(lambda: fake.messages(fake.general_id(guild_id))[1:])

State lives in plain dicts shaped like Discord's documented payloads (templates in
tests/fixtures/discord/*.json). REST handlers are in discord_rest.py, the gateway in
discord_gateway.py.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from .discord_gateway import PRIVILEGED_INTENTS, Gateway
from .discord_rest import InteractionResponse, RecordedRequest, RestApi, _Interaction

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discord"
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
THREAD_TYPES = frozenset({10, 11, 12})
ALL_PERMISSIONS = (1 << 51) - 1
UserRef = int | dict[str, Any]


@cache
def _template_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text()


def template(kind: str, /, **fields: Any) -> dict[str, Any]:
    """A fresh copy of tests/fixtures/discord/<kind>.json with ``fields`` overlaid."""
    data: dict[str, Any] = json.loads(_template_text(kind))
    data.update(fields)
    return data


def iso_now() -> str:
    """Discord's ISO-8601 timestamp for now."""
    return datetime.now(UTC).isoformat()


def _uid(user: UserRef) -> int:
    return int(user["id"]) if isinstance(user, dict) else int(user)


class FakeDiscord:
    """Fake Discord on 127.0.0.1:<random port>: REST under /api/v10, gateway at /gateway."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_name: str = "FakeBot",
        shards: int = 1,
        heartbeat_interval_ms: int = 41_250,
        nonce_window: float = 300.0,
        interaction_deadline: float | None = 3.0,
    ) -> None:
        self.token = token
        self.shards = shards
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.nonce_window = nonce_window
        self.interaction_deadline = interaction_deadline  # None: no 3 s limit on callbacks
        self.interaction_token_ttl = 900.0
        self.global_rate_limit: int | None = None  # enforced requests per second, off by default
        self.route_limit = 50  # per-route bucket size advertised in X-RateLimit-* headers
        self.route_window = 1.0
        self.privileged_intents = PRIVILEGED_INTENTS  # the portal switches that are on
        self.requests: list[RecordedRequest] = []
        self.identifies: list[dict[str, Any]] = []
        self.interaction_responses: list[InteractionResponse] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # None: global commands
        self.rate_limited_count = 0
        self.users: dict[int, dict[str, Any]] = {}
        self.guilds: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[int, dict[str, Any]]] = {}
        self.bans: dict[int, set[int]] = {}
        self.dm_blocked: set[int] = set()
        self._messages: dict[int, dict[str, Any]] = {}
        self._deleted: set[int] = set()
        self._reactions: dict[int, dict[str, dict[str, Any]]] = {}
        self._nonces: dict[tuple[int, str], tuple[float, int]] = {}
        self._dm_channels: dict[int, int] = {}
        self._interactions: dict[int, _Interaction] = {}
        self._counter = itertools.count(1)
        self.bot_user = self.add_user(bot_name, bot=True)
        owner = self.add_user("app-owner")
        self.app_id = int(self.bot_user["id"])
        self.application = template(
            "application", id=str(self.app_id), name=bot_name, owner=owner, bot=self.bot_user
        )
        self.rest = RestApi(self)
        self.gateway = Gateway(self)
        self._runner: web.AppRunner | None = None
        self._port = 0

    # lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1 with an OS-assigned port."""
        app = web.Application(middlewares=[self.rest.middleware], client_max_size=64 << 20)
        self.rest.register(app.router)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close every gateway socket and the server."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    # ids -----------------------------------------------------------------------------------

    def snowflake(self) -> int:
        """A unique, time-ordered Discord snowflake."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)

    # seeding -------------------------------------------------------------------------------

    def add_user(
        self,
        username: str = "user",
        *,
        user_id: int | None = None,
        bot: bool = False,
        global_name: str | None = None,
        dms_blocked: bool = False,
    ) -> dict[str, Any]:
        """Register a user; ``dms_blocked`` makes DMs to them fail with 50007."""
        uid = user_id or self.snowflake()
        user = template("user", id=str(uid), username=username, global_name=global_name, bot=bot)
        self.users[uid] = user
        if dms_blocked:
            self.dm_blocked.add(uid)
        return user

    def block_dms(self, user_id: int, blocked: bool = True) -> None:
        """Make messages to this user's DM channel answer 403 / 50007 (or stop doing so)."""
        (self.dm_blocked.add if blocked else self.dm_blocked.discard)(user_id)

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        guild_id: int | None = None,
        owner_id: int | None = None,
        default_channels: bool = True,
    ) -> dict[str, Any]:
        """A guild with @everyone (id == guild id), the bot as member, #general and #forum."""
        gid = guild_id or self.snowflake()
        owner = owner_id or _uid(self.add_user(f"{name}-owner"))
        guild = template("guild", id=str(gid), name=name, owner_id=str(owner))
        guild["roles"] = [template("role", id=str(gid))]
        self.guilds[gid] = guild
        self.members[gid] = {}
        self.bans[gid] = set()
        if owner in self.users:
            self.add_member(gid, owner)
        self.add_member(gid, self.bot_user)
        if default_channels:
            general = self.add_channel(gid, "general")
            guild["system_channel_id"] = general["id"]
            self.add_channel(gid, "forum", type_=15)
        return guild

    def add_role(
        self, guild_id: int, name: str, *, role_id: int | None = None, permissions: int = 0
    ) -> dict[str, Any]:
        """Add a role to a guild."""
        roles = self.guilds[guild_id]["roles"]
        role = template(
            "role", id=str(role_id or self.snowflake()), name=name,
            permissions=str(permissions), position=len(roles),
        )  # fmt: skip
        roles.append(role)
        return role

    def add_channel(
        self,
        guild_id: int,
        name: str,
        *,
        type_: int = 0,
        channel_id: int | None = None,
        parent_id: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a channel; type 15 is a forum, 10/11/12 a thread (needs ``parent_id``)."""
        cid = channel_id or self.snowflake()
        base = {15: "channel_forum"}.get(type_, "channel_text")
        if type_ in THREAD_TYPES:
            base = "thread"
            fields.setdefault("owner_id", self.bot_user["id"])
        channel = template(base, id=str(cid), guild_id=str(guild_id), name=name, type=type_)
        if parent_id is not None:
            channel["parent_id"] = str(parent_id)
        if type_ not in THREAD_TYPES:
            channel["position"] = sum(
                1 for c in self.channels.values() if c.get("guild_id") == str(guild_id)
            )
        channel.update(fields)
        self.channels[cid] = channel
        return channel

    def add_thread(self, parent_id: int, name: str, **fields: Any) -> dict[str, Any]:
        """Add a public thread (type 11) under a text or forum channel."""
        gid = int(self.channels[parent_id]["guild_id"])
        return self.add_channel(gid, name, type_=11, parent_id=parent_id, **fields)

    def add_member(
        self,
        guild_id: int,
        user: UserRef,
        *,
        roles: tuple[int, ...] = (),
        nick: str | None = None,
        joined_at: str | None = None,
    ) -> dict[str, Any]:
        """Make a (known or new) user a guild member; returns the member with ``user``."""
        uid = _uid(user)
        if uid not in self.users:
            name = user.get("username", "user") if isinstance(user, dict) else "user"
            self.add_user(name, user_id=uid, bot=bool(isinstance(user, dict) and user.get("bot")))
        self.members[guild_id][uid] = template(
            "member", roles=[str(r) for r in roles], nick=nick, joined_at=joined_at or iso_now()
        )
        return self.member_payload(guild_id, uid)

    def dm_channel(self, user_id: int) -> dict[str, Any]:
        """The bot's DM channel with a user (created on first use)."""
        if user_id not in self._dm_channels:
            cid = self.snowflake()
            self._dm_channels[user_id] = cid
            self.channels[cid] = {
                "id": str(cid), "type": 1, "last_message_id": None, "flags": 0,
                "recipients": [self.user(user_id)],
            }  # fmt: skip
        return self.channels[self._dm_channels[user_id]]

    # reading -------------------------------------------------------------------------------

    def general_id(self, guild_id: int) -> int:
        """The id of the guild's first text channel."""
        return next(
            int(c["id"])
            for c in self.channels.values()
            if c.get("guild_id") == str(guild_id) and c["type"] == 0
        )

    def messages(self, channel_id: int, *, include_ephemeral: bool = False) -> list[dict[str, Any]]:
        """Messages in a channel as users see them: de-duplicated, without deleted ones."""
        out = [
            self.render_message(mid)
            for mid, msg in self._messages.items()
            if msg["channel_id"] == str(channel_id) and mid not in self._deleted
        ]
        return [m for m in out if include_ephemeral or not m["flags"] & EPHEMERAL]

    def message(self, message_id: int) -> dict[str, Any] | None:
        """One stored message, or None if unknown or deleted."""
        if message_id not in self._messages or message_id in self._deleted:
            return None
        return self.render_message(message_id)

    def user(self, user_id: int) -> dict[str, Any]:
        """A copy of a known user's object."""
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}: add_user() first")
        return copy.deepcopy(self.users[user_id])

    def member_payload(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """A guild member object including ``user``."""
        member = self.members.get(guild_id, {}).get(user_id)
        if member is None:
            raise KeyError(f"user {user_id} is not in guild {guild_id}: add_member() first")
        return {**member, "user": self.user(user_id)}

    def permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permission bits of a member (owner: all)."""
        guild = self.guilds[guild_id]
        if guild["owner_id"] == str(user_id):
            return ALL_PERMISSIONS
        mine = {str(guild_id), *self.members[guild_id][user_id]["roles"]}
        perms = 0
        for role in guild["roles"]:
            if role["id"] in mine:
                perms |= int(role["permissions"])
        return ALL_PERMISSIONS if perms & 0x8 else perms

    def guild_create_payload(self, guild_id: int) -> dict[str, Any]:
        """The full GUILD_CREATE payload (member_count == len(members): no chunking needed)."""
        guild = copy.deepcopy(self.guilds[guild_id])
        mine = [c for c in self.channels.values() if c.get("guild_id") == str(guild_id)]
        guild["channels"] = [copy.deepcopy(c) for c in mine if c["type"] not in THREAD_TYPES]
        guild["threads"] = [copy.deepcopy(c) for c in mine if c["type"] in THREAD_TYPES]
        guild["members"] = [self.member_payload(guild_id, uid) for uid in self.members[guild_id]]
        guild["member_count"] = len(guild["members"])
        return guild

    def render_message(self, message_id: int, *, gateway: bool = False) -> dict[str, Any]:
        """A message object; ``gateway`` adds ``guild_id`` and ``member`` like dispatches do."""
        msg = copy.deepcopy(self._messages[message_id])
        if message_id in self._reactions:
            me = self.bot_user["id"]
            msg["reactions"] = [
                {
                    "count": len(r["users"]), "me": me in r["users"], "me_burst": False,
                    "count_details": {"burst": 0, "normal": len(r["users"])},
                    "emoji": r["emoji"], "burst_colors": [],
                }
                for r in self._reactions[message_id].values()
            ]  # fmt: skip
        guild_id = self.channels[int(msg["channel_id"])].get("guild_id")
        if gateway and guild_id:
            msg["guild_id"] = guild_id
            author = int(msg["author"]["id"])
            if author in self.members.get(int(guild_id), {}) and not msg.get("webhook_id"):
                msg["member"] = copy.deepcopy(self.members[int(guild_id)][author])
        return msg

    # mutations shared by REST and builders ------------------------------------------------

    def create_message(
        self,
        channel_id: int,
        author: UserRef,
        body: dict[str, Any],
        *,
        attachments: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Store a message built from a create-message body (content, embeds, reference…)."""
        mid = extra.pop("message_id", None) or self.snowflake()
        content = body.get("content") or ""
        mentions = [int(m) for m in re.findall(r"<@!?(\d+)>", content)]
        msg = template(
            "message",
            id=str(mid), channel_id=str(channel_id), author=self.user(_uid(author)),
            content=content, timestamp=iso_now(), tts=bool(body.get("tts")),
            mention_everyone="@everyone" in content,
            mentions=[copy.deepcopy(self.users[m]) for m in mentions if m in self.users],
            mention_roles=re.findall(r"<@&(\d+)>", content),
            embeds=body.get("embeds") or [], components=body.get("components") or [],
            attachments=attachments or [], flags=body.get("flags") or 0,
        )  # fmt: skip
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            target = int(ref["message_id"])
            ref_channel = int(ref.get("channel_id") or channel_id)
            msg["type"] = 19
            msg["message_reference"] = {
                "type": 0, "message_id": str(target), "channel_id": str(ref_channel),
                "guild_id": self.channels[ref_channel].get("guild_id"),
            }  # fmt: skip
            msg["referenced_message"] = self.message(target)
        msg.update(extra)
        self._messages[mid] = msg
        channel = self.channels[channel_id]
        channel["last_message_id"] = str(mid)
        if channel["type"] in THREAD_TYPES:
            channel["message_count"] += 1
            channel["total_message_sent"] += 1
        return msg

    def edit_message(self, message_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Apply an edit body (content/embeds/components/flags/attachments) to a message."""
        msg = self._messages[message_id]
        for key in ("content", "embeds", "components", "attachments"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if body.get("flags") is not None:
            msg["flags"] = int(body["flags"]) | (msg["flags"] & EPHEMERAL)
        msg["flags"] &= ~LOADING
        msg["edited_timestamp"] = iso_now()
        return self.render_message(message_id)

    def delete_message(self, message_id: int) -> None:
        """Mark a message deleted."""
        self._deleted.add(message_id)

    def _nonce_hit(self, author_id: int, nonce: str) -> int | None:
        hit = self._nonces.get((author_id, nonce))
        if hit and time.monotonic() - hit[0] < self.nonce_window and hit[1] not in self._deleted:
            return hit[1]
        return None

    def _remember_nonce(self, author_id: int, nonce: str, message_id: int) -> None:
        self._nonces[(author_id, nonce)] = (time.monotonic(), message_id)

    # gateway control -----------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an op 0 dispatch to every live session (buffered for RESUME)."""
        await self.gateway.dispatch(event, data)

    async def drop_connection(self, code: int | None = 4000) -> None:
        """Close every gateway socket with ``code`` (None: abort TCP, a 1006-like drop)."""
        await self.gateway.drop(code)

    def close_with(self, code: int) -> None:
        """Answer the next IDENTIFY by closing with ``code`` (e.g. 4014 disallowed intents)."""
        self.gateway.close_next = code

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT to every connected session."""
        await self.gateway.send_op(7, None)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (non-resumable sessions are forgotten)."""
        await self.gateway.invalidate(resumable)

    @property
    def connected_sessions(self) -> int:
        """How many gateway sessions currently have an open socket."""
        return sum(1 for s in self.gateway.sessions.values() if s.ws is not None)

    # REST control --------------------------------------------------------------------------

    def fail_next(
        self,
        route: str,
        status: int = 429,
        retry_after: float = 0.2,
        global_: bool = False,
        *,
        count: int = 1,
        code: int = 0,
        message: str | None = None,
    ) -> None:
        """Script the next ``count`` matching requests to fail.

        ``route`` is a path prefix ("/channels/1/messages"), optionally after a method
        ("POST /channels/1/messages"), or a template ("POST /channels/{channel_id}/messages").
        429s carry Discord's body and X-RateLimit-* / Retry-After headers.
        """
        self.rest.script(route, status, retry_after, global_, count, code, message)

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path starts with ``path_prefix``."""
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 2.0, interval: float = 0.01
    ) -> Any:
        """Poll ``predicate`` until it returns something truthy (TimeoutError after ``timeout``)."""
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                await asyncio.sleep(interval)
            return result

    # event builders: update state, dispatch, return the payload ----------------------------

    async def member_add(
        self, guild_id: int, user: UserRef, *, roles: tuple[int, ...] = ()
    ) -> dict[str, Any]:
        """A user joins: GUILD_MEMBER_ADD."""
        payload = {**self.add_member(guild_id, user, roles=roles), "guild_id": str(guild_id)}
        await self.dispatch("GUILD_MEMBER_ADD", payload)
        return payload

    async def message_create(
        self,
        channel_id: int,
        author: UserRef,
        content: str,
        *,
        reply_to: int | None = None,
        embeds: list[dict[str, Any]] | None = None,
        components: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        nonce: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A user posts (``channel_id`` may be a thread): MESSAGE_CREATE."""
        body: dict[str, Any] = {"content": content, "embeds": embeds, "components": components}
        if reply_to:
            body["message_reference"] = {"message_id": reply_to}
        if nonce is not None:
            body["nonce"] = nonce
        msg = self.create_message(channel_id, author, body, attachments=attachments, **extra)
        payload = self.render_message(int(msg["id"]), gateway=True)
        await self.dispatch("MESSAGE_CREATE", payload)
        return payload

    async def reaction_add(
        self, channel_id: int, message_id: int, user: UserRef, emoji: str = "👍"
    ) -> dict[str, Any]:
        """A user reacts (``emoji``: unicode or "name:id"): MESSAGE_REACTION_ADD."""
        payload = self.add_reaction(channel_id, message_id, _uid(user), emoji)
        await self.dispatch("MESSAGE_REACTION_ADD", payload)
        return payload

    def add_reaction(
        self, channel_id: int, message_id: int, user_id: int, emoji: str
    ) -> dict[str, Any]:
        """Record a reaction; returns the MESSAGE_REACTION_ADD payload."""
        name, _, eid = emoji.partition(":")
        emoji_obj = {"id": eid or None, "name": name, "animated": False}
        entry = self._reactions.setdefault(message_id, {}).setdefault(
            emoji, {"emoji": emoji_obj, "users": []}
        )
        if str(user_id) not in entry["users"]:
            entry["users"].append(str(user_id))
        payload: dict[str, Any] = {
            "user_id": str(user_id), "channel_id": str(channel_id), "message_id": str(message_id),
            "emoji": emoji_obj, "burst": False, "burst_colors": [], "type": 0,
            "message_author_id": self._messages[message_id]["author"]["id"],
        }  # fmt: skip
        guild_id = self.channels[channel_id].get("guild_id")
        if guild_id:
            payload["guild_id"] = guild_id
            payload["member"] = self.member_payload(int(guild_id), user_id)
        return payload

    async def interaction_create(
        self,
        type_: int,
        channel_id: int,
        user: UserRef,
        data: dict[str, Any],
        *,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """Any interaction (2 command, 3 component, 4 autocomplete, 5 modal): INTERACTION_CREATE."""
        iid, uid = self.snowflake(), _uid(user)
        channel = self.channels[channel_id]
        payload = template(
            "interaction", id=str(iid), application_id=str(self.app_id), type=type_, data=data,
            channel_id=str(channel_id), channel=copy.deepcopy(channel),
            token=f"itk.{iid}.{secrets.token_urlsafe(24)}",
        )  # fmt: skip
        guild_id = channel.get("guild_id")
        if guild_id:
            gid = int(guild_id)
            payload.update(guild_id=guild_id, guild_locale=self.guilds[gid]["preferred_locale"])
            payload["guild"] = {"id": guild_id, "locale": "en-US", "features": []}
            perms = str(self.permissions(gid, uid))
            payload["member"] = {**self.member_payload(gid, uid), "permissions": perms}
            payload["authorizing_integration_owners"] = {"0": guild_id}
        else:
            for key in ("guild_id", "guild", "member", "guild_locale"):
                payload.pop(key)
            payload.update(user=self.user(uid), context=1)
            payload["authorizing_integration_owners"] = {"0": "0"}
        if message_id is not None:
            payload["message"] = self.render_message(message_id)
        self._interactions[iid] = _Interaction(payload, time.monotonic())
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    def _command_id(self, name: str, guild_id: str | None) -> str:
        for key in (int(guild_id) if guild_id else None, None):
            for cmd in self.commands.get(key, []):
                if cmd["name"] == name:
                    return cmd["id"]
        return str(self.snowflake())

    async def slash_command(
        self,
        channel_id: int,
        user: UserRef,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        group: str | None = None,
    ) -> dict[str, Any]:
        """A chat-input command (type 1), optionally ``group``/``subcommand`` with options."""
        kinds = {bool: 5, int: 4, float: 10, str: 3}
        opts: list[dict[str, Any]] = [
            {"name": k, "type": kinds.get(type(v), 3), "value": v}
            for k, v in (options or {}).items()
        ]
        if subcommand:
            opts = [{"name": subcommand, "type": 1, "options": opts}]
        if group:
            opts = [{"name": group, "type": 2, "options": opts}]
        guild_id = self.channels[channel_id].get("guild_id")
        data = {"id": self._command_id(name, guild_id), "name": name, "type": 1, "options": opts}
        if guild_id:
            data["guild_id"] = guild_id
        return await self.interaction_create(2, channel_id, user, data)

    async def message_command(
        self, channel_id: int, user: UserRef, name: str, target_message_id: int
    ) -> dict[str, Any]:
        """A message context-menu command (type 3) with the target in ``resolved.messages``."""
        target = self.render_message(target_message_id)
        guild_id = self.channels[channel_id].get("guild_id")
        data = {
            "id": self._command_id(name, guild_id), "name": name, "type": 3,
            "target_id": str(target_message_id),
            "resolved": {"messages": {str(target_message_id): target}},
        }  # fmt: skip
        if guild_id:
            data["guild_id"] = guild_id
        return await self.interaction_create(2, channel_id, user, data)

    async def button_click(
        self,
        channel_id: int,
        user: UserRef,
        message_id: int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
    ) -> dict[str, Any]:
        """A component interaction (type 3): a button, or a select menu with ``values``."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self.interaction_create(3, channel_id, user, data, message_id=message_id)

    async def modal_submit(
        self,
        channel_id: int,
        user: UserRef,
        custom_id: str,
        values: dict[str, str],
        *,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """A modal submit (type 5): one action row with a text input per ``values`` item."""
        rows = [
            {"type": 1, "id": i * 2 + 1, "components": [
                {"type": 4, "id": i * 2 + 2, "custom_id": key, "value": value}
            ]}
            for i, (key, value) in enumerate(values.items())
        ]  # fmt: skip
        data = {"custom_id": custom_id, "components": rows}
        return await self.interaction_create(5, channel_id, user, data, message_id=message_id)
