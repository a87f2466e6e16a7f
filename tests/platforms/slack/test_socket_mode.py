"""The bot on Slack in Socket Mode: envelopes over the fake Slack's websocket, each acked once
the event is recorded; the same handlers and outbox as in HTTP mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from storage.db import Store
from storage.models import ProcessedEvent
from tests.fakes.slack_server import FakeSlack
from tests.platforms.slack.conftest import (
    ALICE,
    APP_TOKEN,
    WELCOME,
    ResponseUrls,
    SlackBot,
    running_bot,
)


@pytest.fixture
async def socket_bot(
    sqlite_store: Store, config: CommunityConfig, clock: ManualClock, fake: FakeSlack,
    hooks: ResponseUrls,
) -> AsyncIterator[SlackBot]:
    async with running_bot(sqlite_store, config, clock, fake, hooks, socket_mode=True) as bot:
        await fake.wait_socket_connected()
        yield bot


async def push(fake: FakeSlack, kind: str, payload: dict, **options: object) -> dict:
    """Send one envelope and wait for the bot's ack."""
    ack = await fake.push_socket_envelope(kind, payload, **options)  # type: ignore[arg-type]
    return await asyncio.wait_for(ack, 5)


async def test_join_over_socket_mode_is_acked_and_welcomed_once(socket_bot: SlackBot) -> None:
    fake = socket_bot.fake
    assert fake.calls_to("apps.connections.open")[0].token == APP_TOKEN
    assert socket_bot.adapter.port is None  # no HTTP server in Socket Mode

    join = socket_bot.team_join(ALICE, "alice")
    ack = await push(fake, "events_api", join)
    assert ack == {"envelope_id": fake.socket.sent[-1]["envelope_id"]}
    retried = await push(fake, "events_api", join, retry_attempt=1, retry_reason="timeout")
    assert retried["envelope_id"] == fake.socket.sent[-1]["envelope_id"]
    socket_bot.clock.advance(timedelta(minutes=2))
    await socket_bot.settle()

    dm = next(c["id"] for c in fake.channels.values() if c.get("user") == ALICE)
    assert len(fake.messages(dm)) == 1
    assert socket_bot.texts_in(WELCOME) == [
        f"Please give a warm welcome to <@{ALICE}>! 👋 Say hi and tell us what you are working on."
    ]
    assert socket_bot.count(ProcessedEvent) == 1
    assert socket_bot.ctx.router.stats.duplicates == 1


async def test_slash_command_over_socket_mode(socket_bot: SlackBot) -> None:
    ack = await push(socket_bot.fake, "slash_commands", socket_bot.command_form("help"))
    assert "payload" not in ack  # an empty ack; the reply follows via the response_url
    await socket_bot.settle()

    [reply] = socket_bot.hooks.received
    assert reply["text"].startswith("Commands you can run (you are a member):")
