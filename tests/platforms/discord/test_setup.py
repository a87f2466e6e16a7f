"""Connecting: where the gateway comes from, shards split over processes, the invite URL."""

from __future__ import annotations

import base64

import pytest

from bot.cli import main
from bot.platforms.discord.adapter import shard_plan
from bot.platforms.discord.invite import application_id_from_token
from bot.settings import ConfigError
from tests.platforms.discord.conftest import DiscordWorld, make_adapter


async def test_without_a_gateway_url_the_bot_connects_where_gateway_bot_says(
    world: DiscordWorld,
) -> None:
    world.use(make_adapter(world.fake, discord_gateway_url=None))
    await world.start()
    assert world.fake.requests_to("GET", "/gateway/bot")
    assert world.fake.identifies[0]["shard"] == [0, 1]  # automatic: the recommended count


async def test_a_process_runs_only_its_shards(world: DiscordWorld) -> None:
    fake = world.fake
    fake.add_guild("Odd", guild_id=(1 << 22) * 7)  # shard (id >> 22) % 2 == 1
    fake.add_guild("Even", guild_id=(1 << 22) * 8)  # shard 0
    mine = sorted(gid for gid in fake.guilds if (gid >> 22) % 2 == 1)
    world.use(make_adapter(fake, discord_shard_ids="1", discord_shard_count=2))
    await world.start()
    assert [i["shard"] for i in fake.identifies] == [[1, 2]]
    assert sorted(g.id for g in world.adapter.client.guilds) == mine
    assert sorted(fake.commands) == mine  # /community synced per server it serves


def test_shard_settings_are_checked() -> None:
    assert shard_plan(None, None) == (None, None)
    assert shard_plan("0, 2-3", 4) == ([0, 2, 3], 4)
    with pytest.raises(ConfigError, match="needs DISCORD_SHARD_COUNT"):
        shard_plan("0,1", None)
    with pytest.raises(ConfigError, match="shards 0 to 3"):
        shard_plan("4", 4)
    with pytest.raises(ConfigError, match="'x'"):
        shard_plan("x", 4)


def test_invite_url_has_exactly_the_scopes_and_permissions_used(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = base64.b64encode(b"123456789012345678").decode().rstrip("=") + ".x.y"
    monkeypatch.setenv("DISCORD_BOT_TOKEN", token)
    assert main(["--env-file", "/dev/null", "discord", "invite-url"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == (
        "https://discord.com/oauth2/authorize?client_id=123456789012345678"
        "&scope=bot+applications.commands&permissions=1408749399104"
    )
    assert "Timeout Members: time a member out" in err
    assert application_id_from_token(token) == "123456789012345678"


def test_invite_url_without_token_or_client_id_says_what_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    assert main(["--env-file", "/dev/null", "discord", "invite-url"]) == 2
    assert "set DISCORD_BOT_TOKEN or pass --client-id" in capsys.readouterr().err


async def test_bot_asks_for_exactly_the_intents_it_uses(world: DiscordWorld) -> None:
    await world.start()
    guilds, members, guild_messages, dm_messages = 1 << 0, 1 << 1, 1 << 9, 1 << 12
    reactions, content = 1 << 10, 1 << 15
    expected = guilds | members | guild_messages | dm_messages | reactions | content
    assert world.fake.identifies[0]["intents"] == expected


async def test_disallowed_privileged_intents_stop_start_up_naming_the_portal_switches(
    world: DiscordWorld,
) -> None:
    world.fake.privileged_intents = 0  # the portal switches are off
    with pytest.raises(ConfigError, match="4014") as refused:
        await world.start()
    message = str(refused.value)
    assert "Server Members Intent" in message and "Message Content Intent" in message
    assert "Developer Portal" in message
