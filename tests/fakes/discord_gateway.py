"""The fake Discord gateway: HELLO/IDENTIFY/READY, heartbeats, dispatch buffering, RESUME.

Frames are plain JSON text even when the client asks for ``compress=zlib-stream``
(discord.py only inflates binary frames). Each IDENTIFY creates a session that keeps its
sequence number and a buffer of dispatches, so a RESUME after a dropped socket replays
exactly what the client missed. Dispatches honour intents (including MESSAGE_CONTENT
blanking) and shard routing (``(guild_id >> 22) % num_shards``).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .discord_server import FakeDiscord

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MODERATION = 1 << 2
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
GUILD_MESSAGE_TYPING = 1 << 11
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
DIRECT_MESSAGE_TYPING = 1 << 14
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

_MESSAGE_EVENTS = ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK")
_REACTION_EVENTS = (
    "MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE",
    "MESSAGE_REACTION_REMOVE_ALL", "MESSAGE_REACTION_REMOVE_EMOJI",
)  # fmt: skip
_GUILDS_EVENTS = (
    "GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE", "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "THREAD_CREATE",
    "THREAD_UPDATE", "THREAD_DELETE", "THREAD_LIST_SYNC",
)  # fmt: skip
_GUILD_EVENT_INTENTS: dict[str, int] = {
    **dict.fromkeys(_GUILDS_EVENTS, GUILDS),
    **dict.fromkeys(
        ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"), GUILD_MEMBERS
    ),
    **dict.fromkeys(("GUILD_BAN_ADD", "GUILD_BAN_REMOVE"), GUILD_MODERATION),
    **dict.fromkeys(_MESSAGE_EVENTS, GUILD_MESSAGES),
    **dict.fromkeys(_REACTION_EVENTS, GUILD_MESSAGE_REACTIONS),
    "TYPING_START": GUILD_MESSAGE_TYPING,
    "PRESENCE_UPDATE": GUILD_PRESENCES,
}
_DM_EVENT_INTENTS: dict[str, int] = {
    **dict.fromkeys(_MESSAGE_EVENTS, DIRECT_MESSAGES),
    **dict.fromkeys(_REACTION_EVENTS, DIRECT_MESSAGE_REACTIONS),
    "TYPING_START": DIRECT_MESSAGE_TYPING,
}


@dataclass
class Session:
    """One identified gateway session; survives dropped sockets until invalidated."""

    session_id: str
    intents: int
    shard: tuple[int, int] | None
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    buffer: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=2000))
    alive: bool = True

    def owns(self, guild_id: str | None) -> bool:
        """Whether events of this guild (None: DMs) go to this session's shard."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id if guild_id else shard_id == 0

    def wants(self, event: str, data: Any) -> bool:
        """Shard routing and intent filtering for a dispatch."""
        guild_id = _guild_of(event, data)
        if not self.owns(guild_id):
            return False
        needed = (_GUILD_EVENT_INTENTS if guild_id else _DM_EVENT_INTENTS).get(event, 0)
        return not needed or bool(self.intents & needed)


def _guild_of(event: str, data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        return data.get("id")
    return data.get("guild_id")


class Gateway:
    """Websocket endpoint plus the sessions behind it."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.close_next: int | None = None
        self.ack_heartbeats = True
        self.replayed_count = 0
        self.heartbeats = 0
        self.connections: list[dict[str, str]] = []  # query of each websocket connect
        self._sockets: dict[web.WebSocketResponse, web.BaseRequest] = {}

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One websocket connection: HELLO, then react to client opcodes until it closes."""
        ws = web.WebSocketResponse(max_msg_size=0, heartbeat=None)
        await ws.prepare(request)
        self._sockets[ws] = request
        self.connections.append(dict(request.query))
        session: Session | None = None
        try:
            hello = {"heartbeat_interval": self.fake.heartbeat_interval_ms, "_trace": ["fake"]}
            await self._send(ws, {"op": 10, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                if frame.get("op") == 2 and session is not None:
                    await ws.close(code=4005, message=b"Already authenticated.")
                    break
                session = await self._on_frame(ws, session, frame) or session
        finally:
            self._sockets.pop(ws, None)
            if session is not None and session.ws is ws:
                session.ws = None
                if ws.close_code in (1000, 1001):  # a clean client close ends the session
                    session.alive = False
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, session: Session | None, frame: dict[str, Any]
    ) -> Session | None:
        op, d = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats += 1
            if self.ack_heartbeats:
                await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            return await self._identify(ws, d)
        elif op == 6:
            return await self._resume(ws, d)
        elif op == 8 and session is not None:
            await self._chunk(session, d)
        elif op not in (3, 4):  # presence / voice state updates are accepted silently
            await ws.close(code=4001, message=b"Unknown opcode.")
        return None

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        fake = self.fake
        fake.identifies.append(d)
        intents = int(d.get("intents", 0))
        shard = (int(d["shard"][0]), int(d["shard"][1])) if d.get("shard") else None
        code, reason = None, b""
        if self.close_next is not None:
            code, self.close_next = self.close_next, None
        elif d.get("token") != fake.token:
            code, reason = 4004, b"Authentication failed."
        elif intents & PRIVILEGED_INTENTS & ~fake.privileged_intents:
            code, reason = 4014, b"Disallowed intent(s)."
        elif shard and not 0 <= shard[0] < shard[1]:
            code, reason = 4010, b"Invalid shard."
        if code is not None:
            await ws.close(code=code, message=reason)
            return None
        session = Session(secrets.token_hex(16), intents, shard, ws)
        self.sessions[session.session_id] = session
        guild_ids = [gid for gid in fake.guilds if session.owns(str(gid))]
        ready = {
            "v": 10, "user": {**fake.bot_user, "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.session_id, "session_type": "normal",
            "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.app_id), "flags": fake.application["flags"]},
            "private_channels": [], "relationships": [], "presences": [],
            "guild_join_requests": [], "geo_ordered_rtc_regions": [], "auth": {},
            "_trace": ["fake-gateway"],
        }  # fmt: skip
        if shard:
            ready["shard"] = list(shard)
        await self._dispatch_to(session, "READY", ready)
        for gid in guild_ids:
            await self._dispatch_to(session, "GUILD_CREATE", fake.guild_create_payload(gid))
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        session = self.sessions.get(d.get("session_id", ""))
        if session is None or not session.alive or d.get("token") != self.fake.token:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return None
        old, session.ws = session.ws, ws
        if old is not None and old is not ws:
            await old.close(code=4000)
        seq = int(d.get("seq") or 0)
        for frame in list(session.buffer):
            if frame["s"] > seq:
                self.replayed_count += 1
                await self._send(ws, frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ["fake-gateway"]})
        return session

    async def _chunk(self, session: Session, d: dict[str, Any]) -> None:
        gid = int(d["guild_id"])
        query = (d.get("query") or "").lower()
        wanted = {int(u) for u in d.get("user_ids") or []}
        members = [
            self.fake.member_payload(gid, uid)
            for uid in self.fake.members.get(gid, {})
            if (uid in wanted if wanted else self.fake.users[uid]["username"].startswith(query))
        ]
        if d.get("limit"):
            members = members[: int(d["limit"])]
        chunk = {
            "guild_id": str(gid), "members": members, "chunk_index": 0, "chunk_count": 1,
            "not_found": [str(u) for u in wanted - {int(m["user"]["id"]) for m in members}],
        }  # fmt: skip
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Dispatch to every live session that wants it; disconnected ones only buffer."""
        for session in list(self.sessions.values()):
            if session.alive and session.wants(event, data):
                await self._dispatch_to(session, event, self._shape(session, event, data))

    def _shape(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Blank message content without MESSAGE_CONTENT, like Discord does in guilds."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & MESSAGE_CONTENT:
            return data
        bot_id = self.fake.bot_user["id"]
        author = (data.get("author") or {}).get("id")
        mentioned = any(u.get("id") == bot_id for u in data.get("mentions") or [])
        if not data.get("guild_id") or author == bot_id or mentioned:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def _dispatch_to(self, session: Session, event: str, data: Any) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        if session.ws is not None:
            await self._send(session.ws, frame)

    async def _send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        if ws.closed:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps(frame))

    async def send_op(self, op: int, d: Any) -> None:
        """Send a non-dispatch opcode (7 RECONNECT, 9 INVALID_SESSION…) to connected sessions."""
        for session in list(self.sessions.values()):
            if session.ws is not None:
                await self._send(session.ws, {"op": op, "d": d, "s": None, "t": None})

    async def invalidate(self, resumable: bool) -> None:
        """op 9; a non-resumable invalidation forgets the sessions."""
        await self.send_op(9, resumable)
        if not resumable:
            for session in self.sessions.values():
                session.alive = False

    async def drop(self, code: int | None) -> None:
        """Close every socket with ``code``; None aborts the TCP connection (no close frame)."""
        for session in self.sessions.values():
            session.ws = None
        for ws, request in list(self._sockets.items()):
            if code is None:
                if request.transport is not None:
                    request.transport.abort()
            else:
                await ws.close(code=code, message=b"fake drop")

    async def close_all(self) -> None:
        """Shut down: close sockets with 1001 and forget sessions."""
        for session in self.sessions.values():
            session.ws, session.alive = None, False
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"fake shutting down")
