"""The Slack adapter: a slack-bolt AsyncApp that translates payloads into neutral events and
dispatches them to the router, over HTTP (POST /slack/events, GET /healthz) or Socket Mode when
SLACK_APP_TOKEN is set. Events API deliveries are taken by its last middleware (`Intake`);
commands, actions, shortcuts and views by listeners, which ack first.

Every payload is handled before the answer goes back (`process_before_response`): a 200
then means "recorded", so if the store fails mid-dispatch Slack retries the delivery instead of
it being lost, and the router's event_id de-duplication makes the retry harmless. Dispatching
is a local transaction; replies go out later through the outbox, well inside Slack's 3 s.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.middleware.async_builtins import AsyncRequestVerification
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import select

from bot.chat import ChatError
from bot.context import BotContext
from bot.events import Event
from bot.platforms.slack import interactive, translate
from bot.platforms.slack.chat import SentTarget, SlackChat
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.web import SlackWeb, make_client
from bot.settings import ConfigError, Settings
from storage import outbox as ob
from storage.db import Store
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
Translator = Callable[[dict[str, Any], translate.Installation, Any], Sequence[Event | None]]


class SlackAdapter:
    platform = "slack"

    def __init__(self, settings: Settings, *, host: str = "0.0.0.0") -> None:
        if settings.slack_bot_token is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token "
                              "(xoxb-…) from your Slack app's OAuth & Permissions page")
        secret = settings.slack_signing_secret.get_secret_value() \
            if settings.slack_signing_secret else ""
        self._app_token = settings.slack_app_token.get_secret_value() \
            if settings.slack_app_token else None
        if self._app_token is None and not secret:
            raise ConfigError("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App "
                              "Credentials), or set SLACK_APP_TOKEN (xapp-…) for Socket Mode")
        self.mode = "socket" if self._app_token else "http"
        self.client = make_client(settings.slack_bot_token.get_secret_value(),
                                  settings.slack_api_base_url)
        self.web = SlackWeb(self.client)
        self.directory = SlackDirectory(self.web)
        self.chat = SlackChat(self.web, self.directory)
        self.app = AsyncApp(
            name="community-bot", client=self.client, signing_secret=secret,
            process_before_response=True, request_verification_enabled=False,
            before_authorize=QuietRequestVerification(secret) if self.mode == "http" else None,
            # Our listeners take no `say`, assistant or workflow-step arguments: bolt need not
            # prepare them for every delivery.
            attaching_conversation_kwargs_enabled=False, attaching_function_token_enabled=False,
        )
        self.host = host
        self.port: int | None = None if self.mode == "socket" else settings.slack_http_port
        self._ctx: BotContext | None = None
        self._installation: translate.Installation | None = None
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._register()

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self, ctx: BotContext) -> None:
        """Learn who the bot is, then listen; returns once Slack can reach the bot."""
        self._ctx = ctx
        # One connection pool for every Web API call: without it the SDK opens (and against
        # Slack TLS-handshakes) a new connection per call.
        self.client.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.client.timeout))
        try:
            auth = await self.web.call("auth.test")
        except ChatError as exc:
            await self.stop()
            raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({exc}); check the token "
                              "and SLACK_API_BASE_URL") from exc
        self._installation = translate.Installation(
            team_id=str(auth.get("team_id") or ""), team_name=str(auth.get("team") or ""),
            bot_user_id=str(auth.get("user_id") or ""), bot_id=str(auth.get("bot_id") or ""),
        )
        self.chat.attach(self._installation.bot_user_id, partial(recall_target, ctx.store),
                         team_url=str(auth.get("url") or ""))
        roles = ctx.config.roles
        self.directory.track_groups = any(
            handle.startswith("slack:role:")
            for handle in (*roles.managers, *roles.moderators, *roles.champions)
        )
        if self._app_token:
            self._socket = AsyncSocketModeHandler(self.app, app_token=self._app_token)
            await self._socket.connect_async()
            log.info("Slack Socket Mode connected to %s", self._installation.team_name)
            return
        # No access log: a line per event delivery (thousands a minute in a busy workspace)
        # would bury the bot's own log; refusals and failures are logged where they happen.
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port or 0).start()
        self.port = self._runner.addresses[0][1]
        log.info("Slack HTTP mode listening on %s:%s%s", self.host, self.port, EVENTS_PATH)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(EVENTS_PATH, self._serve_slack)
        app.router.add_get("/healthz", self._healthz)
        return app

    async def _serve_slack(self, request: web.Request) -> web.Response:
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _healthz(self, request: web.Request) -> web.Response:
        stats = self._ctx.router.stats if self._ctx else None
        return web.json_response({
            "status": "ok", "platform": "slack", "mode": self.mode,
            "events": stats.events if stats else 0, "rejected": stats.rejected if stats else 0,
        })

    # --- listeners ----------------------------------------------------------------------------

    def _register(self) -> None:
        self.app.use(Intake(self._reject, self._on_event))
        self.app.command("/community")(self._on_command)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.shortcut(re.compile(".*"))(self._on_shortcut)
        self.app.view(re.compile(".*"))(self._on_view)

    async def _on_event(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if event.get("type") in ("team_join", "user_change") \
                and isinstance(event.get("user"), dict):
            self.directory.remember_user(event["user"])
        if event.get("type") == "member_joined_channel" and self._installation \
                and event.get("user") == self._installation.bot_user_id:
            self.directory.forget_channel_names()  # the bot may post in #welcome now
        await self._handle(body, lambda b, i, now: [translate.event_callback(b, i, now)])

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()  # empty: the reply follows through the outbox, via the response_url
        await self._handle(body, lambda b, i, now: [interactive.slash_command(b, i, now)])

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._handle(body, interactive.block_actions)

    async def _on_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._handle(body, lambda b, i, now: [interactive.message_shortcut(b, i, now)])

    async def _on_view(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()  # closes the modal
        await self._handle(body, lambda b, i, now: [interactive.view_submission(b, i, now)])

    async def _handle(self, body: dict[str, Any], translator: Translator) -> None:
        ctx, installation = self._ctx, self._installation
        if ctx is None or installation is None:
            raise RuntimeError("Slack delivery before SlackAdapter.start()")
        try:
            events = translator(body, installation, ctx.clock.now())
        except (translate.Malformed, KeyError, TypeError, ValueError, AttributeError) as exc:
            self._reject(body, f"{type(exc).__name__}: {exc}")
            return
        for event in events:
            if event is not None:
                await ctx.router.dispatch(ctx, await self.directory.enrich(event))

    def _reject(self, body: dict[str, Any], reason: str) -> None:
        """Count and log a payload we cannot use; never its contents (tokens, people)."""
        if self._ctx is not None:
            self._ctx.router.stats.rejected += 1
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        log.warning("rejected a Slack %s payload %s: %s",
                    body.get("type") or body.get("command") or "?",
                    body.get("event_id") or event.get("type") or "", reason)


class Intake(AsyncMiddleware):
    """The last global middleware, so bolt has checked the signature, the team and the SSL
    probe first. It acks what no listener could take, so Slack does not retry it as a failure,
    and handles Events API deliveries (nearly all of a workspace's traffic) itself: they need
    no `ack()`, and bolt's listener matching, argument injection and runner were a third of
    bolt's work per delivery. Commands, actions, shortcuts and views go on to their listeners.
    A middleware class rather than a function: bolt calls it directly instead of inspecting a
    function's signature on every request."""

    def __init__(self, reject: Callable[[dict[str, Any], str], None],
                 on_event: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self._reject = reject
        self._on_event = on_event

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body = req.body
        reason = translate.unroutable(body)
        if reason is not None:
            self._reject(body, reason)
            return BoltResponse(status=200, body="")
        if body.get("type") != "event_callback":
            return await next()
        try:
            await self._on_event(body)
        except Exception:  # not recorded: a 500 makes Slack deliver it again
            log.exception("a Slack %s event could not be recorded; Slack will retry it",
                          body["event"]["type"])
            return BoltResponse(status=500, body="")
        return BoltResponse(status=200, body="")


class QuietRequestVerification(AsyncRequestVerification):
    """Bolt's signature check (401 on a bad or stale signature, before any Web API call), but
    logging the refusal without the request body, which holds members' data and tokens."""

    def _debug_log_error(self, signature: str, timestamp: str, body: str) -> None:
        log.warning("refused a Slack request with a bad or stale signature (timestamp %s)",
                    timestamp)


async def recall_target(store: Store, key: str) -> SentTarget | None:
    """Where the outbox row `key` was going, for `SlackChat.find_sent` after a restart."""
    async with store.transaction() as session:
        row = session.execute(
            select(OutboxMessage.kind, OutboxMessage.payload).where(OutboxMessage.key == key)
        ).one_or_none()
    if row is None:
        return None
    kind, payload = row
    if kind == "dm":
        return SentTarget(user_id=str(payload["user"]["id"]))
    if kind == "post":
        return SentTarget(channel=ob.load_channel(payload["channel"]),
                          thread_id=payload.get("thread_id"))
    if kind == "upload":
        return SentTarget(channel=ob.load_channel(payload["channel"]),
                          filename=payload.get("filename"))
    return None
