"""The whole bot on the real slack-bolt app against the fake Slack: signed HTTP deliveries or the
fake Socket Mode websocket in, Web API calls out, a local catcher for response_url replies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app import build
from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.jobs import settle
from bot.platforms.slack.adapter import SlackAdapter
from bot.settings import Settings
from storage.db import Store
from tests.fakes.slack_delivery import Delivery
from tests.fakes.slack_server import FakeSlack, load_fixture

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-1-test-bot-token"
APP_TOKEN = "xapp-1-A0APP00001-test-app-token"
ALICE, BOB, CAROL = "U0ALICE001", "U0BOB00001", "U0CAROL001"
GENERAL, WELCOME, INTROS = "C0GENERAL1", "C0WELCOME1", "C0INTROS01"
HELP, ANNOUNCE, MODERATORS = "C0HELP0001", "C0ANNOUNC1", "G0MODS0001"


def seed(fake: FakeSlack) -> FakeSlack:
    """The workspace the tests use: the config's channels exist, a few members."""
    fake.add_user(ALICE, "alice", real_name="Alice Example")
    fake.add_user(BOB, "bob", is_admin=True)
    fake.add_user(CAROL, "carol")
    for channel_id, name in ((WELCOME, "welcome"), (INTROS, "introductions"), (HELP, "help"),
                             (ANNOUNCE, "announcements")):
        fake.add_channel(channel_id, name)
    fake.add_channel(MODERATORS, "moderators", is_private=True)
    fake.handlers["conversations.list"] = _conversations_list(fake)
    return fake


def _conversations_list(fake: FakeSlack) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """conversations.list as Slack answers a bot: public channels, and private ones it is in."""

    def handler(params: dict[str, Any]) -> dict[str, Any]:
        types = str(params.get("types") or "public_channel")
        listed = [
            {k: v for k, v in channel.items() if k != "members"}
            for channel in fake.channels.values()
            if not channel.get("is_im") and not channel.get("is_mpim")
            and (("private_channel" in types and channel.get("is_member"))
                 if channel.get("is_private") else "public_channel" in types)
        ]
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
        more = start + limit < len(listed)
        return {"channels": listed[start:start + limit],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    return handler


@dataclass
class ResponseUrls:
    """Catches what the bot POSTs to response_urls; `status` scripts the answer."""

    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200

    def url(self, name: str = "reply") -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append({"path": request.path, **json.loads(await request.text())})
        return web.Response(status=self.status, text="ok" if self.status == 200 else "expired_url")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield seed(server)


@pytest.fixture
async def hooks() -> AsyncIterator[ResponseUrls]:
    catcher = ResponseUrls()
    app = web.Application()
    app.router.add_post("/hooks/{name}", catcher.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    catcher.port = runner.addresses[0][1]
    yield catcher
    await runner.cleanup()


def slack_ts(at: datetime, micros: int = 0) -> str:
    return f"{int(at.timestamp())}.{micros:06d}"


@dataclass
class SlackBot:
    """The bot connected to the fake Slack; deliver payloads, settle, read what was sent."""

    ctx: BotContext
    adapter: SlackAdapter
    fake: FakeSlack
    hooks: ResponseUrls
    clock: ManualClock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.port}/slack/events"

    def envelope(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.fake.event_envelope(event)

    async def deliver(self, payload: dict[str, Any], **options: Any) -> Delivery:
        return await self.fake.deliver_event(self.url, payload, SECRET, **options)

    async def interact(self, payload: dict[str, Any], **options: Any) -> Delivery:
        return await self.fake.deliver_interaction(self.url, payload, SECRET, **options)

    def command_form(self, text: str, *, user: str = ALICE, channel: str = GENERAL,
                     channel_name: str = "general") -> dict[str, Any]:
        form = load_fixture("command_community")
        form.update(text=text, user_id=user, channel_id=channel, channel_name=channel_name,
                    response_url=self.hooks.url(), trigger_id=f"trigger-{len(self.fake.calls)}")
        return form

    async def command(self, text: str, **options: Any) -> Delivery:
        return await self.fake.deliver_command(self.url, self.command_form(text, **options), SECRET)

    def team_join(self, user_id: str, name: str, at: datetime | None = None) -> dict[str, Any]:
        """A team_join envelope for a user the fake knows (it is added if not)."""
        if user_id not in self.fake.users:
            self.fake.add_user(user_id, name)
        event = load_fixture("event_team_join")["event"]
        event["user"].update(id=user_id, name=name, real_name=name)
        event["user"]["profile"].update(display_name=name, real_name=name)
        event["event_ts"] = slack_ts(at or self.clock.now())
        return self.envelope(event)

    def message(self, user: str, text: str, *, channel: str = INTROS, ts: str,
                **extra: Any) -> dict[str, Any]:
        return self.envelope({"type": "message", "user": user, "text": text, "ts": ts,
                              "channel": channel, "event_ts": ts, "channel_type": "channel",
                              **extra})

    async def settle(self) -> None:
        """Run due jobs and send everything queued, as the background sender would."""
        await settle(self.ctx)

    def count(self, model: Any, *where: Any) -> int:
        with self.ctx.store.session() as session:
            query = select(func.count()).select_from(model).where(*where)
            return session.execute(query).scalar_one()

    def texts_in(self, channel: str) -> list[str]:
        return [m.get("text", "") for m in self.fake.messages(channel)]


@asynccontextmanager
async def running_bot(
    store: Store, config: CommunityConfig, clock: ManualClock, fake: FakeSlack,
    hooks: ResponseUrls, *, socket_mode: bool = False,
) -> AsyncIterator[SlackBot]:
    settings = Settings(
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,  # type: ignore[call-arg]
        slack_app_token=APP_TOKEN if socket_mode else None,
        slack_api_base_url=fake.base_url, slack_http_port=0,
    )
    adapter = SlackAdapter(settings, host="127.0.0.1")
    ctx = build(config, store, {"slack": adapter.chat}, clock=clock)
    await adapter.start(ctx)
    try:
        yield SlackBot(ctx, adapter, fake, hooks, clock)
    finally:
        await adapter.stop()


@pytest.fixture
async def slack(
    sqlite_store: Store, config: CommunityConfig, clock: ManualClock, fake: FakeSlack,
    hooks: ResponseUrls,
) -> AsyncIterator[SlackBot]:
    """The bot in HTTP mode on SQLite (the engines are compared on the main path)."""
    async with running_bot(sqlite_store, config, clock, fake, hooks) as bot:
        yield bot
