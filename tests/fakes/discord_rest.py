"""The fake Discord REST API (/api/v10): routes, request recording, auth and rate limits.

Every answer has ``Content-Type: application/json`` exactly (discord.py compares it for
equality). 429s carry Discord's body and headers, including ``Via`` (discord.py treats a
429 without it as a Cloudflare ban).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import math
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .discord_server import FakeDiscord

API_PREFIX = "/api/v10"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
MAX_TIMEOUT = timedelta(days=28)
ADMINISTRATOR = 1 << 3
# Keys only GUILD_CREATE carries; GET /guilds/{id} leaves them out.
_GATEWAY_ONLY = frozenset({
    "joined_at", "large", "unavailable", "member_count", "voice_states", "members", "channels",
    "threads", "presences", "stage_instances", "guild_scheduled_events", "soundboard_sounds",
    "lazy",
})  # fmt: skip
# The parsed body of the request being handled (set by the middleware, read by handlers).
_BODY: contextvars.ContextVar[tuple[Any, list[dict[str, Any]]]] = contextvars.ContextVar("body")


def body_of(request: web.Request) -> Any:
    """The JSON body (or multipart ``payload_json``) of the request being handled."""
    return _BODY.get()[0]


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON answer whose Content-Type is exactly ``application/json``."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    """Discord's error body: ``{"message", "code"}`` (+ ``errors`` for form errors)."""
    return json_response({"message": message, "code": code, **extra}, status)


def form_error(field: str, code: str, message: str) -> web.Response:
    """A 400 / 50035 "Invalid Form Body" naming one field."""
    errors = {field: {"_errors": [{"code": code, "message": message}]}}
    return error(400, 50035, "Invalid Form Body", errors=errors)


def no_content() -> web.Response:
    return web.Response(status=204)


@dataclass
class RecordedRequest:
    """One REST request the fake received (``path`` is relative to ``api_base``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0


@dataclass
class InteractionResponse:
    """An answer to an interaction: a callback, or a webhook follow-up / edit / delete."""

    interaction_id: int
    kind: str  # callback | followup | edit_original | edit_followup | delete_original | …
    type: int | None  # callback type (1, 4, 5, 6, 7, 8, 9) when kind == "callback"
    data: dict[str, Any]
    message_id: int | None = None


@dataclass
class _Interaction:
    payload: dict[str, Any]
    created: float
    responded: bool = False
    original_message_id: int | None = None


@dataclass
class _Script:
    method: str | None
    pattern: str
    status: int
    retry_after: float
    global_: bool
    remaining: int
    code: int
    message: str | None

    def matches(self, method: str, path: str, template: str) -> bool:
        if self.method and self.method != method:
            return False
        return self.pattern == template if "{" in self.pattern else path.startswith(self.pattern)


async def _read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
    """JSON body (or multipart ``payload_json``) and uploaded files."""
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[dict[str, Any]] = []
        async for part in await request.multipart():
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":
                payload = json.loads(data)
            else:
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append({"filename": part.filename, "content_type": ctype, "data": data})
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode(errors="replace"), []


class RestApi:
    """aiohttp routes and middleware serving the fake's state."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self._scripts: list[_Script] = []
        self._global: deque[float] = deque()
        self._buckets: dict[str, tuple[float, int]] = {}

    def register(self, router: web.UrlDispatcher) -> None:
        msg = "/channels/{channel_id}/messages/{message_id}"
        member = "/guilds/{guild_id}/members/{user_id}"
        hook = "/webhooks/{app_id}/{token}"
        routes: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway),
            ("GET", "/users/@me", self.get_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.post_message),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("POST", "/channels/{channel_id}/threads", self.create_thread),
            ("GET", msg, self.get_message),
            ("PATCH", msg, self.patch_message),
            ("DELETE", msg, self.delete_message),
            ("POST", msg + "/threads", self.create_thread),
            ("PUT", msg + "/reactions/{emoji}/{user}", self.put_reaction),
            ("DELETE", msg + "/reactions/{emoji}/{user}", self.delete_reaction),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", member, self.get_member),
            ("PATCH", member, self.patch_member),
            ("DELETE", member, self.kick_member),
            ("PUT", member + "/roles/{role_id}", self.member_role),
            ("DELETE", member + "/roles/{role_id}", self.member_role),
            ("PUT", "/guilds/{guild_id}/bans/{user_id}", self.ban),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.callback),
            ("POST", hook, self.webhook_execute),
            ("GET", hook, self.webhook_info),
            ("PATCH", hook, self.webhook_info),
        ]
        for method in ("GET", "PATCH", "DELETE"):
            routes.append((method, hook + "/messages/{message_id}", self.webhook_message))
        for method in ("GET", "PUT", "POST"):
            routes.append((method, "/applications/{app_id}/commands", self.commands))
            routes.append(
                (method, "/applications/{app_id}/guilds/{guild_id}/commands", self.commands)
            )
        for method, path, handler in routes:
            router.add_route(method, API_PREFIX + path, handler)

    # middleware: recording, scripted failures, auth, rate limits ---------------------------

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        body, files = await _read_body(request)
        _BODY.set((body, files))
        record = RecordedRequest(
            request.method, path, dict(request.query), body, dict(request.headers)
        )
        self.fake.requests.append(record)
        response = await self._answer(request, handler, path)
        record.status = response.status
        return response

    async def _answer(
        self, request: web.Request, handler: Callable[..., Awaitable[Any]], path: str
    ) -> web.StreamResponse:
        resource = getattr(request.match_info.route, "resource", None)
        template = resource.canonical[len(API_PREFIX) :] if resource is not None else path
        bucket = hashlib.sha1(f"{request.method} {template}".encode()).hexdigest()[:16]
        for script in self._scripts:
            if script.matches(request.method, path, template):
                script.remaining -= 1
                if script.remaining <= 0:
                    self._scripts.remove(script)
                return self._scripted(script, bucket)
        exempt = path.startswith(("/interactions/", "/webhooks/")) or path == "/gateway"
        if not exempt and request.headers.get("Authorization") != f"Bot {self.fake.token}":
            return error(401, 0, "401: Unauthorized")
        limited = self._global_limit(path)
        if limited is not None:
            return limited
        major = next((request.match_info[k] for k in ("channel_id", "guild_id", "token")
                      if k in request.match_info), "")  # fmt: skip
        headers, limited = self._route_limit(f"{request.method} {template}:{major}", bucket)
        if limited is not None:
            return limited
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            return error(404, 0, "404: Not Found")
        except web.HTTPMethodNotAllowed:
            return error(405, 0, "405: Method Not Allowed")
        response.headers.update(headers)
        return response

    def script(
        self,
        route: str,
        status: int,
        retry_after: float,
        global_: bool,
        count: int,
        code: int,
        message: str | None,
    ) -> None:
        """Queue a scripted failure (see FakeDiscord.fail_next)."""
        method, _, pattern = route.strip().rpartition(" ")
        pattern = pattern[len(API_PREFIX) :] if pattern.startswith(API_PREFIX) else pattern
        self._scripts.append(
            _Script(
                method.upper() or None, pattern, status, retry_after, global_, count, code, message
            )
        )

    def _scripted(self, script: _Script, bucket: str) -> web.Response:
        if script.status == 429:
            scope = "global" if script.global_ else "user"
            return self._rate_limited(script.retry_after, script.global_, scope, bucket)
        return error(script.status, script.code, script.message or f"{script.status}: Scripted")

    def _rate_limited(
        self, retry_after: float, global_: bool, scope: str, bucket: str
    ) -> web.Response:
        self.fake.rate_limited_count += 1
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Limit": str(self.fake.route_limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": scope,
            "Via": "1.1 google",
        }
        if global_:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": global_,
        }
        return json_response(body, 429, headers)

    def _global_limit(self, path: str) -> web.Response | None:
        limit = self.fake.global_rate_limit
        if not limit or path.startswith("/interactions/"):  # callbacks are exempt, like Discord
            return None
        now = time.monotonic()
        while self._global and now - self._global[0] >= 1.0:
            self._global.popleft()
        if len(self._global) >= limit:
            retry = round(max(1.0 - (now - self._global[0]), 0.001), 3)
            return self._rate_limited(retry, True, "global", "global")
        self._global.append(now)
        return None

    def _route_limit(self, key: str, bucket: str) -> tuple[dict[str, str], web.Response | None]:
        now, limit, window = time.monotonic(), self.fake.route_limit, self.fake.route_window
        start, count = self._buckets.get(key, (now, 0))
        if now - start >= window:
            start, count = now, 0
        count += 1
        self._buckets[key] = (start, count)
        reset_after = max(window - (now - start), 0.001)
        if count > limit:
            return {}, self._rate_limited(round(reset_after, 3), False, "user", bucket)
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - count),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }, None

    # users, gateway, application -------------------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        fake = self.fake
        if request.path.endswith("/gateway"):
            return json_response({"url": fake.gateway_url})
        limit = {"total": 1000, "remaining": 1000 - len(fake.identifies),
                 "reset_after": 86_400_000, "max_concurrency": 1}  # fmt: skip
        data = {"url": fake.gateway_url, "shards": fake.shards, "session_start_limit": limit}
        return json_response(data)

    async def get_me(self, request: web.Request) -> web.Response:
        return json_response({**self.fake.bot_user, "verified": True, "mfa_enabled": False})

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.fake.users.get(int(request.match_info["user_id"]))
        return json_response(user) if user else error(404, 10013, "Unknown User")

    async def get_application(self, request: web.Request) -> web.Response:
        return json_response(self.fake.application)

    async def create_dm(self, request: web.Request) -> web.Response:
        uid = int((body_of(request) or {}).get("recipient_id", 0))
        if uid not in self.fake.users:
            return error(404, 10013, "Unknown User")
        return json_response(self.fake.dm_channel(uid))

    # channels and messages ---------------------------------------------------------------------

    def _ids(self, request: web.Request) -> tuple[int, int | None]:
        mid = request.match_info.get("message_id")
        return int(request.match_info["channel_id"]), int(mid) if mid else None

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self.fake.channels.get(self._ids(request)[0])
        return json_response(channel) if channel else error(404, 10003, "Unknown Channel")

    async def list_messages(self, request: web.Request) -> web.Response:
        cid, _ = self._ids(request)
        if cid not in self.fake.channels:
            return error(404, 10003, "Unknown Channel")
        q = request.query
        msgs = sorted(self.fake.messages(cid), key=lambda m: -int(m["id"]))
        if "before" in q:
            msgs = [m for m in msgs if int(m["id"]) < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if int(m["id"]) > int(q["after"])]
        return json_response(msgs[: int(q.get("limit", 50))])

    async def post_message(self, request: web.Request) -> web.Response:
        fake = self.fake
        cid, _ = self._ids(request)
        channel = fake.channels.get(cid)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        if channel["type"] == 1 and int(channel["recipients"][0]["id"]) in fake.dm_blocked:
            return error(403, 50007, "Cannot send messages to this user")
        if channel["type"] in (4, 15):
            return error(400, 50008, "Cannot send messages in a non-text channel")
        body = body_of(request) or {}
        attachments = self._attachments(_BODY.get()[1])
        keys = ("content", "embeds", "components", "sticker_ids", "poll")
        if not attachments and not any(body.get(k) for k in keys):
            return error(400, 50006, "Cannot send an empty message")
        if len(body.get("content") or "") > 2000:
            return form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        bot_id, nonce = int(fake.bot_user["id"]), body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            hit = fake._nonce_hit(bot_id, str(nonce))
            if hit is not None:
                return json_response(fake.render_message(hit))
        ref = body.get("message_reference") or {}
        if ref.get("message_id") and fake.message(int(ref["message_id"])) is None:
            if ref.get("fail_if_not_exists", True):
                return form_error("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
            body = {k: v for k, v in body.items() if k != "message_reference"}
        mid = int(fake.create_message(cid, bot_id, body, attachments=attachments)["id"])
        if nonce is not None:
            fake._remember_nonce(bot_id, str(nonce), mid)
        await fake.dispatch("MESSAGE_CREATE", fake.render_message(mid, gateway=True))
        return json_response(fake.render_message(mid))

    def _attachments(self, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Attachment objects for uploaded multipart files."""
        out = []
        for f in files:
            aid = self.fake.snowflake()
            url = f"{self.fake.base_url}/attachments/{aid}/{f['filename']}"
            out.append({
                "id": str(aid), "filename": f["filename"], "size": len(f["data"]), "url": url,
                "proxy_url": url, "content_type": f["content_type"],
            })  # fmt: skip
        return out

    async def get_message(self, request: web.Request) -> web.Response:
        cid, mid = self._ids(request)
        msg = self.fake.message(mid or 0)
        if msg is None or msg["channel_id"] != str(cid):
            return error(404, 10008, "Unknown Message")
        return json_response(msg)

    async def patch_message(self, request: web.Request) -> web.Response:
        cid, mid = self._ids(request)
        msg = self.fake.message(mid or 0)
        if msg is None or msg["channel_id"] != str(cid) or mid is None:
            return error(404, 10008, "Unknown Message")
        if msg["author"]["id"] != self.fake.bot_user["id"]:
            return error(403, 50005, "Cannot edit a message authored by another user")
        edited = self.fake.edit_message(mid, body_of(request) or {})
        await self.fake.dispatch("MESSAGE_UPDATE", self.fake.render_message(mid, gateway=True))
        return json_response(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        cid, mid = self._ids(request)
        msg = self.fake.message(mid or 0)
        if msg is None or msg["channel_id"] != str(cid) or mid is None:
            return error(404, 10008, "Unknown Message")
        await self._deleted(mid)
        return no_content()

    async def _deleted(self, mid: int) -> None:
        gateway = self.fake.render_message(mid, gateway=True)
        self.fake.delete_message(mid)
        event = {"id": str(mid), "channel_id": gateway["channel_id"]}
        if gateway.get("guild_id"):
            event["guild_id"] = gateway["guild_id"]
        if not gateway["flags"] & EPHEMERAL:
            await self.fake.dispatch("MESSAGE_DELETE", event)

    async def put_reaction(self, request: web.Request) -> web.Response:
        cid, mid = self._ids(request)
        if request.match_info["user"] != "@me":
            return error(405, 0, "405: Method Not Allowed")
        if mid is None or self.fake.message(mid) is None:
            return error(404, 10008, "Unknown Message")
        emoji, me = unquote(request.match_info["emoji"]), self.fake.bot_user["id"]
        if me not in self.fake._reactions.get(mid, {}).get(emoji, {}).get("users", []):
            payload = self.fake.add_reaction(cid, mid, int(me), emoji)
            await self.fake.dispatch("MESSAGE_REACTION_ADD", payload)
        return no_content()

    async def delete_reaction(self, request: web.Request) -> web.Response:
        cid, mid = self._ids(request)
        who = request.match_info["user"]
        uid = self.fake.bot_user["id"] if who == "@me" else who
        emoji = unquote(request.match_info["emoji"])
        entry = self.fake._reactions.get(mid or 0, {}).get(emoji)
        if entry is None or uid not in entry["users"]:
            return no_content()
        entry["users"].remove(uid)
        if not entry["users"]:
            del self.fake._reactions[mid or 0][emoji]
        event = {"user_id": uid, "channel_id": str(cid), "message_id": str(mid),
                 "emoji": entry["emoji"], "burst": False, "type": 0}  # fmt: skip
        if self.fake.channels[cid].get("guild_id"):
            event["guild_id"] = self.fake.channels[cid]["guild_id"]
        await self.fake.dispatch("MESSAGE_REACTION_REMOVE", event)
        return no_content()

    async def typing(self, request: web.Request) -> web.Response:
        return no_content()

    async def create_thread(self, request: web.Request) -> web.Response:
        fake = self.fake
        cid, mid = self._ids(request)
        parent = fake.channels.get(cid)
        if parent is None or "guild_id" not in parent:
            return error(404, 10003, "Unknown Channel")
        body = body_of(request) or {}
        if parent["type"] == 15 and not body.get("message"):
            return form_error("message", "BASE_TYPE_REQUIRED", "This field is required")
        thread_id = mid or fake.snowflake()  # a thread started from a message shares its id
        thread = fake.add_channel(
            int(parent["guild_id"]), body.get("name", "thread"), type_=int(body.get("type", 11)),
            channel_id=thread_id, parent_id=cid, applied_tags=body.get("applied_tags", []),
            rate_limit_per_user=body.get("rate_limit_per_user", 0),
        )  # fmt: skip
        await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        answer = dict(thread)
        if parent["type"] == 15:
            bot = int(fake.bot_user["id"])
            fake.create_message(thread_id, bot, body["message"], message_id=thread_id)
            await fake.dispatch("MESSAGE_CREATE", fake.render_message(thread_id, gateway=True))
            answer["message"] = fake.render_message(thread_id)
        return json_response(answer, 201)

    # guilds, members, commands ---------------------------------------------------------------

    def _member(self, request: web.Request) -> tuple[int, int, web.Response | None]:
        gid, uid = int(request.match_info["guild_id"]), int(request.match_info["user_id"])
        if gid not in self.fake.guilds:
            return gid, uid, error(404, 10004, "Unknown Guild")
        if uid not in self.fake.members[gid]:
            return gid, uid, error(404, 10007, "Unknown Member")
        if request.method != "GET" and self.fake.guilds[gid]["owner_id"] == str(uid):
            return gid, uid, error(403, 50013, "Missing Permissions")
        return gid, uid, None

    async def get_guild(self, request: web.Request) -> web.Response:
        gid = int(request.match_info["guild_id"])
        if gid not in self.fake.guilds:
            return error(404, 10004, "Unknown Guild")
        guild = {k: v for k, v in self.fake.guilds[gid].items() if k not in _GATEWAY_ONLY}
        guild["approximate_member_count"] = len(self.fake.members[gid])
        return json_response(guild)

    async def get_member(self, request: web.Request) -> web.Response:
        gid, uid, err = self._member(request)
        return err or json_response(self.fake.member_payload(gid, uid))

    async def patch_member(self, request: web.Request) -> web.Response:
        gid, uid, err = self._member(request)
        if err:
            return err
        body, member = body_of(request) or {}, self.fake.members[gid][uid]
        until = body.get("communication_disabled_until")
        if until and datetime.fromisoformat(until) > datetime.now(UTC) + MAX_TIMEOUT:
            return form_error("communication_disabled_until", "BASE_TYPE_BAD_TIME",
                              "Timeouts may last at most 28 days.")  # fmt: skip
        if until and self.fake.permissions(gid, uid) & ADMINISTRATOR:
            return error(403, 50013, "Missing Permissions")  # admins cannot be timed out
        for key in ("nick", "mute", "deaf", "communication_disabled_until", "flags"):
            if key in body:
                member[key] = body[key]
        if "roles" in body:
            member["roles"] = [str(r) for r in body["roles"]]
        return await self._member_updated(
            gid, uid, json_response(self.fake.member_payload(gid, uid))
        )

    async def _member_updated(self, gid: int, uid: int, answer: web.Response) -> web.Response:
        payload = {**self.fake.member_payload(gid, uid), "guild_id": str(gid)}
        await self.fake.dispatch("GUILD_MEMBER_UPDATE", payload)
        return answer

    async def member_role(self, request: web.Request) -> web.Response:
        gid, uid, err = self._member(request)
        if err:
            return err
        rid = request.match_info["role_id"]
        if all(r["id"] != rid for r in self.fake.guilds[gid]["roles"]):
            return error(404, 10011, "Unknown Role")
        roles = self.fake.members[gid][uid]["roles"]
        if request.method == "PUT" and rid not in roles:
            roles.append(rid)
        elif request.method == "DELETE" and rid in roles:
            roles.remove(rid)
        return await self._member_updated(gid, uid, no_content())

    async def kick_member(self, request: web.Request) -> web.Response:
        gid, uid, err = self._member(request)
        return err or await self._remove_member(gid, uid)

    async def _remove_member(self, gid: int, uid: int) -> web.Response:
        if self.fake.members[gid].pop(uid, None) is not None:
            event = {"guild_id": str(gid), "user": self.fake.users[uid]}
            await self.fake.dispatch("GUILD_MEMBER_REMOVE", event)
        return no_content()

    async def ban(self, request: web.Request) -> web.Response:
        gid, uid = int(request.match_info["guild_id"]), int(request.match_info["user_id"])
        if gid not in self.fake.guilds or uid not in self.fake.users:
            return error(404, 10013, "Unknown User")
        if self.fake.guilds[gid]["owner_id"] == str(uid):
            return error(403, 50013, "Missing Permissions")
        self.fake.bans[gid].add(uid)
        await self.fake.dispatch(
            "GUILD_BAN_ADD", {"guild_id": str(gid), "user": self.fake.users[uid]}
        )
        return await self._remove_member(gid, uid)

    async def commands(self, request: web.Request) -> web.Response:
        fake = self.fake
        if request.match_info["app_id"] != str(fake.app_id):
            return error(404, 10002, "Unknown Application")
        gid_s = request.match_info.get("guild_id")
        gid = int(gid_s) if gid_s else None
        if gid is not None and gid not in fake.guilds:
            return error(403, 50001, "Missing Access")
        current = fake.commands.setdefault(gid, [])
        if request.method == "GET":
            return json_response(current)
        if request.method == "PUT":
            fake.commands[gid] = [self._command(c, gid, current) for c in body_of(request) or []]
            return json_response(fake.commands[gid])
        cmd = self._command(body_of(request) or {}, gid, current)
        existing = [i for i, c in enumerate(current) if c["id"] == cmd["id"]]
        if existing:
            current[existing[0]] = cmd
        else:
            current.append(cmd)
        return json_response(cmd, 200 if existing else 201)

    def _command(
        self, body: dict[str, Any], gid: int | None, current: list[dict[str, Any]]
    ) -> dict:
        kind = body.get("type", 1)
        old = next(
            (c for c in current if c["name"] == body.get("name") and c["type"] == kind), None
        )
        cmd = {
            "id": old["id"] if old else str(self.fake.snowflake()),
            "application_id": str(self.fake.app_id), "version": str(self.fake.snowflake()),
            "type": 1, "description": "", "options": [], "default_member_permissions": None,
            "nsfw": False, "integration_types": [0], "contexts": None, **body,
        }  # fmt: skip
        if gid is not None:
            cmd["guild_id"] = str(gid)
        return cmd

    # interactions and their webhooks -----------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        fake = self.fake
        inter = fake._interactions.get(int(request.match_info["interaction_id"]))
        deadline = fake.interaction_deadline
        if (
            inter is None
            or inter.payload["token"] != request.match_info["token"]
            or (deadline is not None and time.monotonic() - inter.created > deadline)
        ):
            return error(404, 10062, "Unknown interaction")
        if inter.responded:
            return error(400, 40060, "Interaction has already been acknowledged.")
        inter.responded = True
        body = body_of(request) or {}
        kind, data = int(body.get("type", 0)), body.get("data") or {}
        msg: dict[str, Any] | None = None
        if kind in (4, 5):
            msg = await self._interaction_message(inter, data, loading=kind == 5)
            inter.original_message_id = int(msg["id"])
        elif kind in (6, 7) and "message" in inter.payload:
            inter.original_message_id = int(inter.payload["message"]["id"])
            if kind == 7:
                msg = fake.edit_message(inter.original_message_id, data)
                update = fake.render_message(inter.original_message_id, gateway=True)
                await fake.dispatch("MESSAGE_UPDATE", update)
        fake.interaction_responses.append(
            _response(inter, "callback", kind, data, inter.original_message_id)
        )
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        flags = (msg or {}).get("flags", 0)
        result: dict[str, Any] = {"interaction": {
            "id": inter.payload["id"], "type": inter.payload["type"],
            "response_message_id": str(inter.original_message_id) if msg else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }}  # fmt: skip
        if msg is not None:
            result["resource"] = {"type": kind, "message": msg}
        return json_response(result)

    async def _interaction_message(
        self, inter: _Interaction, body: dict[str, Any], *, loading: bool = False
    ) -> dict[str, Any]:
        fake, payload = self.fake, inter.payload
        user = (payload.get("member") or payload)["user"]
        data = payload.get("data") or {}
        kind = {1: 20, 2: 23, 3: 23}.get(data.get("type", 0), 0) if payload["type"] == 2 else 0
        flags = int(body.get("flags") or 0) | (LOADING if loading else 0)
        owners = payload["authorizing_integration_owners"]
        meta: dict[str, Any] = {
            "id": payload["id"], "type": payload["type"], "user": user,
            "authorizing_integration_owners": owners,
        }  # fmt: skip
        if "message" in payload:
            meta["interacted_message_id"] = payload["message"]["id"]
        msg = fake.create_message(
            int(payload["channel_id"]), fake.bot_user, {**body, "flags": flags}, type=kind,
            webhook_id=str(fake.app_id), application_id=str(fake.app_id),
            interaction_metadata=meta,
        )  # fmt: skip
        mid = int(msg["id"])
        if not flags & EPHEMERAL:
            await fake.dispatch("MESSAGE_CREATE", fake.render_message(mid, gateway=True))
        return fake.render_message(mid)

    def _by_token(self, request: web.Request) -> _Interaction | None:
        token, now = request.match_info["token"], time.monotonic()
        if request.match_info["app_id"] != str(self.fake.app_id):
            return None
        for inter in self.fake._interactions.values():
            if (
                inter.payload["token"] == token
                and now - inter.created < self.fake.interaction_token_ttl
            ):
                return inter
        return None

    async def webhook_execute(self, request: web.Request) -> web.Response:
        inter = self._by_token(request)
        if inter is None or not inter.responded:
            return error(404, 10015, "Unknown Webhook")
        msg = await self._interaction_message(inter, body_of(request) or {})
        self.fake.interaction_responses.append(
            _response(inter, "followup", None, body_of(request) or {}, int(msg["id"]))
        )
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        return json_response(msg) if wait else no_content()

    async def webhook_info(self, request: web.Request) -> web.Response:
        inter = self._by_token(request)
        if inter is None:
            return error(404, 10015, "Unknown Webhook")
        payload = inter.payload
        app_id = str(self.fake.app_id)
        webhook = {
            "id": app_id, "type": 3, "name": self.fake.bot_user["username"], "avatar": None,
            "channel_id": payload["channel_id"], "guild_id": payload.get("guild_id"),
            "application_id": app_id, "token": payload["token"],
        }  # fmt: skip
        return json_response(webhook)

    async def webhook_message(self, request: web.Request) -> web.Response:
        fake, inter = self.fake, self._by_token(request)
        if inter is None:
            return error(404, 10015, "Unknown Webhook")
        raw = request.match_info["message_id"]
        original = raw == "@original"
        mid = inter.original_message_id if original else int(raw)
        if mid is None or fake.message(mid) is None:
            return error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return json_response(fake.message(mid))
        which = "original" if original else "followup"
        if request.method == "DELETE":
            await self._deleted(mid)
            fake.interaction_responses.append(_response(inter, f"delete_{which}", None, {}, mid))
            return no_content()
        body = body_of(request) or {}
        msg = fake.edit_message(mid, body)
        if not msg["flags"] & EPHEMERAL:
            await fake.dispatch("MESSAGE_UPDATE", fake.render_message(mid, gateway=True))
        fake.interaction_responses.append(_response(inter, f"edit_{which}", None, body, mid))
        return json_response(msg)


def _response(
    inter: _Interaction, kind: str, type_: int | None, data: dict[str, Any], mid: int | None
) -> InteractionResponse:
    return InteractionResponse(int(inter.payload["id"]), kind, type_, data, mid)
