"""A local fake Slack (Web API, signed event delivery, Socket Mode) for tests.

Usage::

    async with FakeSlack() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        await client.chat_postMessage(channel=fake.general_id, text="hi")
        assert fake.messages(fake.general_id)[0]["text"] == "hi"

Layout: workspace state in ``slack_workspace``, Web API methods in ``slack_api``, rate limits in
``slack_limits``, signed HTTP deliveries in ``slack_delivery``, Socket Mode in
``slack_socket_mode``; this module serves them over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from .slack_api import SlackApiMethods
from .slack_delivery import (
    Delivery,
    command_body,
    event_body,
    interaction_body,
    retry_headers,
    signed_post,
)
from .slack_limits import RateLimiter
from .slack_socket_mode import SocketModeHub
from .slack_workspace import SlackFailure

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
JSON_FIELDS = ("blocks", "attachments", "metadata", "view", "files")
Answer = tuple[int, dict[str, Any], dict[str, str]]


def load_fixture(name: str) -> dict[str, Any]:
    """A fresh copy of ``tests/fixtures/slack/<name>.json``."""
    return json.loads((FIXTURES_DIR / f"{name}.json").read_text())


@dataclass
class ApiCall:
    """One Web API request received by the fake (``call["method"]`` works too)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    time: float
    token: str | None = None
    status: int = 200
    response: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


@dataclass
class _Scripted:
    status: int
    error: str | None
    retry_after: int


class FakeSlack(SlackApiMethods):
    """An aiohttp server on 127.0.0.1 (random port) that answers like Slack for one workspace.

    Tokens: any ``xoxb-``/``xoxp-`` token works for Web API methods and any ``xapp-`` token for
    ``apps.connections.open``, unless ``valid_tokens`` restricts them.
    """

    def __init__(
        self,
        *,
        valid_tokens: set[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        **workspace: Any,
    ) -> None:
        super().__init__(**workspace)
        self.valid_tokens = valid_tokens
        self.clock = clock
        self.calls: list[ApiCall] = []
        self.deliveries: list[Delivery] = []
        self.rate_limited_count = 0
        self.limits = RateLimiter(clock)
        self.socket = SocketModeHub(self.app_id)
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = (
            self.builtin_handlers()
        )
        self._scripts: dict[str, deque[_Scripted]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        """Serve on a random port of 127.0.0.1."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_get("/link/", self.socket.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close Socket Mode connections, then the server."""
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``, with its trailing slash."""
        return f"{self.root_url}api/"

    @property
    def socket_url(self) -> str:
        """A fresh Socket Mode websocket URL, as ``apps.connections.open`` returns."""
        ticket = self.new_id("ticket-")
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ---- inspection --------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one Web API method, oldest first."""
        return [call for call in self.calls if call.method == method]

    # ---- scripted failures and rate limits ---------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail before any other check.

        With ``error``: HTTP 200 ``{"ok": false, "error": error}``. Otherwise HTTP ``status``:
        429 answers ``ratelimited`` with ``Retry-After: retry_after``; others ``fatal_error``.
        """
        for _ in range(times):
            self._scripts[method].append(_Scripted(status, error, retry_after))

    def enable_rate_limits(
        self,
        per_minute: dict[str, int] | None = None,
        *,
        tiers: bool = True,
        channel_per_second: float | None = 1.0,
        channel_burst: int = 3,
    ) -> None:
        """Enforce limits (off by default); see :meth:`RateLimiter.enable`."""
        self.limits.enable(
            per_minute,
            tiers=tiers,
            channel_per_second=channel_per_second,
            channel_burst=channel_burst,
        )

    def disable_rate_limits(self) -> None:
        self.limits.disable()

    # ---- HTTP --------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        auth = request.headers.get("Authorization", "")
        form_token = params.pop("token", None)
        token = auth[7:].strip() if auth.startswith("Bearer ") else form_token
        call = ApiCall(method, params, dict(request.headers), self.clock(), token)
        self.calls.append(call)
        status, body, headers = self._answer(method, copy.deepcopy(params), token)
        call.status, call.response = status, body
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        handler = self.handlers.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        if self._scripts[method]:
            script = self._scripts[method].popleft()
            if script.error is not None:
                return 200, {"ok": False, "error": script.error}, {}
            return self._throttled(script.retry_after, script.status)
        if error := self._token_error(method, token):
            return 200, {"ok": False, "error": error}, {}
        channel = self._resolve(str(params.get("channel") or ""))
        if wait := self.limits.check(method, channel["id"] if channel else params.get("channel")):
            return self._throttled(max(1, math.ceil(wait)))
        try:
            return 200, {"ok": True, **handler(params)}, {}
        except SlackFailure as exc:
            return 200, {"ok": False, "error": exc.error, **exc.extra}, {}

    def _throttled(self, retry_after: int, status: int = 429) -> Answer:
        if status != 429:
            return status, {"ok": False, "error": "fatal_error"}, {}
        self.rate_limited_count += 1
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}

    def _token_error(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        if self.valid_tokens is not None and token not in self.valid_tokens:
            return "invalid_auth"
        if not token.startswith(("xoxb-", "xoxp-", "xapp-")):
            return "invalid_auth"
        if (method == "apps.connections.open") != token.startswith("xapp-"):
            return "not_allowed_token_type"
        return None

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="file_not_found")
        data = await request.read()
        file["content"], file["size"] = data, len(data)
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    # ---- event delivery (HTTP mode) ----------------------------------------------------------

    async def deliver_event(
        self,
        url: str,
        payload: dict[str, Any],
        signing_secret: str,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> Delivery:
        """POST an Events API payload (JSON) to ``url``, signed with ``signing_secret``."""
        return await self._deliver(
            url,
            event_body(payload),
            "application/json",
            signing_secret,
            timestamp,
            bad_signature,
            retry_headers(retry_num, retry_reason),
        )

    async def deliver_command(
        self,
        url: str,
        form_fields: dict[str, Any],
        signing_secret: str,
        *,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> Delivery:
        """POST a slash command (form-encoded fields)."""
        return await self._deliver(
            url,
            command_body(form_fields),
            "application/x-www-form-urlencoded",
            signing_secret,
            timestamp,
            bad_signature,
            {},
        )

    async def deliver_interaction(
        self,
        url: str,
        payload: dict[str, Any],
        signing_secret: str,
        *,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> Delivery:
        """POST an interactivity payload (form-encoded ``payload=<json>``)."""
        return await self._deliver(
            url,
            interaction_body(payload),
            "application/x-www-form-urlencoded",
            signing_secret,
            timestamp,
            bad_signature,
            {},
        )

    async def _deliver(
        self,
        url: str,
        body: str,
        content_type: str,
        secret: str,
        timestamp: int | None,
        bad_signature: bool,
        headers: dict[str, str],
    ) -> Delivery:
        delivery = await signed_post(
            url,
            body,
            content_type,
            secret,
            timestamp=timestamp,
            bad_signature=bad_signature,
            extra_headers=headers,
        )
        self.deliveries.append(delivery)
        return delivery

    # ---- Socket Mode -------------------------------------------------------------------------

    async def push_socket_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
    ) -> asyncio.Future[dict[str, Any]]:
        """Send an envelope to the connected client; the returned future yields its ack."""
        return await self.socket.push(
            type,
            payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            accepts_response_payload=accepts_response_payload,
        )

    async def wait_socket_connected(self, timeout: float = 2.0) -> None:
        """Wait until a Socket Mode client is connected."""
        await self.socket.wait_connected(timeout)

    @property
    def socket_acks(self) -> list[dict[str, Any]]:
        """Acks received from Socket Mode clients, oldest first."""
        return self.socket.acks


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Query string plus form or JSON body; JSON-valued form fields are decoded."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        params.update(await request.json())
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[key] = {"filename": value.filename, "content": value.file.read()}
            else:
                params[key] = value
    for key in JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params
