"""Join → welcome through the real websocket: a member joins the fake guild, discord.py receives
GUILD_MEMBER_ADD, the core welcomes them, and the outbox sends through discord.py's REST."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from storage.db import Store
from tests.platforms.discord.conftest import DiscordWorld


@pytest.fixture
def discord_store(store: Store) -> Store:
    """The join → welcome path runs on SQLite and on PostgreSQL."""
    return store


async def test_member_join_gets_getting_started_dm_and_batched_public_welcome(
    world: DiscordWorld,
) -> None:
    await world.start()
    bob = world.fake.add_user("bob")
    bob_id = int(bob["id"])

    await world.fake.member_add(world.guild_id, bob)
    await world.handled(1)
    await world.settle()

    [dm] = world.dms_to(bob_id)
    assert dm.startswith("Hi bob, welcome to Example Community!")
    assert f"<#{world.channels['introductions']}>, <#{world.channels['help']}>" in dm
    assert "#announcements" in dm  # no such channel on this server: stays plain text
    assert world.texts("welcome") == []  # the batch window is still open
    dm_channel = world.fake.dm_channel(bob_id)["id"]
    [dm_request] = world.fake.requests_to("POST", f"/channels/{dm_channel}/messages")
    assert dm_request.json["enforce_nonce"] is True and len(dm_request.json["nonce"]) <= 25

    world.clock.advance(timedelta(minutes=2))
    await world.settle()
    assert world.texts("welcome") == [
        f"Please give a warm welcome to <@{bob_id}>! 👋 Say hi and tell us what you are working on."
    ]


async def test_member_who_blocks_dms_gets_the_kit_in_the_welcome_channel(
    world: DiscordWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await world.start()
    cara = world.fake.add_user("cara", dms_blocked=True)

    with caplog.at_level(logging.INFO):
        await world.fake.member_add(world.guild_id, cara)
        await world.handled(1)
        await world.settle()

    assert world.dms_to(int(cara["id"])) == []
    [fallback] = world.texts("welcome")
    assert fallback.startswith(f"<@{cara['id']}>, Hi cara, welcome to Example Community!")
    assert f"member {cara['id']} blocks DMs" in caplog.text

