"""Tests of the fake Discord, driven by the real discord.py client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
import yarl
from discord import app_commands

from .discord_server import FakeDiscord

INTENTS = discord.Intents.none()
INTENTS.guilds = INTENTS.members = INTENTS.messages = True
INTENTS.message_content = INTENTS.reactions = True


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake with one guild and a member "alice"; discord.py pointed at it."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord() as server:
        guild = server.add_guild("Test Guild")
        gid = int(guild["id"])
        server.add_thread(server.general_id(gid), "welcome-thread")
        server.add_member(gid, server.add_user("alice"))
        discord.http.Route.BASE = server.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
        try:
            yield server
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def _ids(fake: FakeDiscord) -> tuple[int, int, int]:
    """(guild id, #general id, alice's id) of the seeded world."""
    gid = next(iter(fake.guilds))
    alice = next(u for u in fake.users if fake.users[u]["username"] == "alice")
    return gid, fake.general_id(gid), alice


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, client: discord.Client) -> AsyncIterator[discord.Client]:
    """Log ``client`` in, connect, wait for on_ready; always close it."""
    task: asyncio.Task[None] | None = None
    try:
        await client.login(fake.token)
        task = asyncio.create_task(client.connect())
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=3, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # re-raise why connect() ended, e.g. PrivilegedIntentsRequired
            pytest.fail("client never became ready")
        yield client
    finally:
        await client.close()
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 2)


def new_client(**options: Any) -> discord.Client:
    return discord.Client(intents=INTENTS, guild_ready_timeout=0.05, **options)


def expect(
    client: discord.Client, event: str, check: Callable[..., bool] | None = None
) -> asyncio.Task[Any]:
    """Start waiting for an event before triggering it."""
    return asyncio.create_task(client.wait_for(event, check=check, timeout=2))


@pytest.mark.asyncio
async def test_login_ready_and_guild_cache(fake: FakeDiscord) -> None:
    gid, general, _ = _ids(fake)
    async with running(fake, new_client()) as client:
        guild = client.get_guild(gid)
        assert guild is not None and guild.name == "Test Guild"
        assert guild.default_role.id == gid
        assert guild.chunked and guild.member_count == len(guild.members) == 3
        assert isinstance(guild.get_channel(general), discord.TextChannel)
        assert any(isinstance(c, discord.ForumChannel) for c in guild.channels)
        assert [t.name for t in guild.threads] == ["welcome-thread"]
        assert client.user is not None and client.user.id == fake.app_id
        assert client.application_id == fake.app_id
    assert fake.identifies[0]["intents"] == INTENTS.value
    paths = [(r.method, r.path) for r in fake.requests]
    assert ("GET", "/users/@me") in paths and ("GET", "/oauth2/applications/@me") in paths
    assert all(r.headers["Authorization"] == f"Bot {fake.token}" for r in fake.requests)


@pytest.mark.asyncio
async def test_member_join_message_and_reaction_events(fake: FakeDiscord) -> None:
    gid, general, alice = _ids(fake)
    async with running(fake, new_client()) as client:
        joined = expect(client, "member_join")
        bob = await fake.member_add(gid, fake.add_user("bob"))
        member = await joined
        assert member.id == int(bob["user"]["id"]) and member.guild.id == gid

        got = expect(client, "message", lambda m: m.author.id == alice)
        sent = await fake.message_create(general, alice, f"hi <@{fake.app_id}>")
        message = await got
        assert message.content == sent["content"] and client.user in message.mentions
        assert isinstance(message.author, discord.Member)

        reacted = expect(client, "reaction_add")
        await fake.reaction_add(general, int(sent["id"]), alice, "🎉")
        reaction, user = await reacted
        assert str(reaction.emoji) == "🎉" and user.id == alice


@pytest.mark.asyncio
async def test_own_messages_are_echoed_and_nonce_deduplicates(fake: FakeDiscord) -> None:
    _, general, _ = _ids(fake)
    async with running(fake, new_client()) as client:
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        echoed = expect(client, "message")
        first = await channel.send("only once", nonce=424242)
        assert (await echoed).id == first.id  # Discord echoes the bot's own message
        second = await channel.send("only once", nonce=424242)
        assert second.id == first.id
    posts = fake.requests_to("POST", f"/channels/{general}/messages")
    assert len(posts) == 2 and posts[0].json["enforce_nonce"] is True
    assert [m["content"] for m in fake.messages(general)] == ["only once"]


@pytest.mark.asyncio
async def test_scripted_429_is_waited_out(fake: FakeDiscord) -> None:
    _, general, _ = _ids(fake)
    async with running(fake, new_client()) as client:
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        fake.fail_next("POST /channels/{channel_id}/messages", retry_after=0.2)
        started = time.monotonic()
        await channel.send("after the limit")
        assert time.monotonic() - started >= 0.2
    assert fake.rate_limited_count == 1
    assert [r.status for r in fake.requests_to("POST", f"/channels/{general}")] == [429, 200]
    assert [m["content"] for m in fake.messages(general)] == ["after the limit"]


@pytest.mark.asyncio
async def test_enforced_global_limit_delays_but_loses_nothing(fake: FakeDiscord) -> None:
    _, general, _ = _ids(fake)
    async with running(fake, new_client()) as client:
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        fake.global_rate_limit = 2
        await asyncio.gather(*(channel.send(f"burst {i}") for i in range(4)))
    assert fake.rate_limited_count >= 1
    assert sorted(m["content"] for m in fake.messages(general)) == [f"burst {i}" for i in range(4)]


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [4000, None], ids=["close-4000", "abort-1006"])
async def test_resume_replays_missed_events_once(fake: FakeDiscord, code: int | None) -> None:
    _, general, alice = _ids(fake)
    async with running(fake, new_client()) as client:
        seen: list[str] = []
        client.event(_collector(seen))
        resumed = expect(client, "resumed")
        await fake.drop_connection(code)
        await fake.message_create(general, alice, "while you were away")
        await resumed
        await fake.wait_for(lambda: seen)
        await fake.message_create(general, alice, "after resume")
        await fake.wait_for(lambda: len(seen) == 2)
    assert seen == ["while you were away", "after resume"]
    assert len(fake.identifies) == 1  # resumed, not re-identified
    assert fake.gateway.replayed_count >= 1


@pytest.mark.asyncio
async def test_op7_reconnect_resumes_and_op9_reidentifies(fake: FakeDiscord) -> None:
    class NoPause(discord.Client):
        async def before_identify_hook(
            self, shard_id: int | None, *, initial: bool = False
        ) -> None:
            return None  # skip the 5 s pause before a non-initial IDENTIFY

    client = NoPause(intents=INTENTS, guild_ready_timeout=0.05)
    async with running(fake, client):
        resumed = expect(client, "resumed")
        await fake.send_reconnect()
        await resumed
        assert len(fake.identifies) == 1
        ready_again = expect(client, "ready")
        await fake.invalidate_session(resumable=False)
        await ready_again
    assert len(fake.identifies) == 2 and fake.connected_sessions == 0


def _collector(seen: list[str]) -> Callable[[discord.Message], Any]:
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    return on_message


@pytest.mark.asyncio
async def test_slash_command_with_subcommand_via_command_tree(fake: FakeDiscord) -> None:
    gid, general, alice = _ids(fake)
    client = new_client()
    tree = app_commands.CommandTree(client)
    group = app_commands.Group(name="poll", description="Polls")
    calls: list[tuple[str, int]] = []

    @group.command(name="create", description="Create a poll")
    async def create(interaction: discord.Interaction, question: str, days: int) -> None:
        calls.append((question, days))
        await interaction.response.send_message(f"poll: {question}", ephemeral=True)

    tree.add_command(group, guild=discord.Object(gid))
    async with running(fake, client):
        await tree.sync(guild=discord.Object(gid))
        assert [c["name"] for c in fake.commands[gid]] == ["poll"]
        seen = expect(client, "interaction")
        await fake.slash_command(general, alice, "poll", {"question": "Lunch?", "days": 2},
                                 subcommand="create")  # fmt: skip
        interaction = await seen
        assert interaction.user.id == alice and interaction.guild_id == gid
        await fake.wait_for(lambda: fake.interaction_responses)
    assert calls == [("Lunch?", 2)]
    response = fake.interaction_responses[0]
    assert response.kind == "callback" and response.type == 4
    assert response.data["content"] == "poll: Lunch?" and response.data["flags"] == 64
    assert fake.messages(general) == []  # ephemeral: not visible in the channel
    put = fake.requests_to("PUT", f"/applications/{fake.app_id}/guilds/{gid}/commands")
    assert put[0].json[0]["options"][0]["name"] == "create"


@pytest.mark.asyncio
async def test_defer_followup_and_edit_original(fake: FakeDiscord) -> None:
    _, general, alice = _ids(fake)
    client = new_client()

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("follow-up")
        await interaction.edit_original_response(content="done")

    async with running(fake, client):
        await fake.slash_command(general, alice, "report")
        await fake.wait_for(lambda: len(fake.interaction_responses) == 3)
    kinds = [(r.kind, r.type) for r in fake.interaction_responses]
    assert kinds == [("callback", 5), ("followup", None), ("edit_original", None)]
    assert [m["content"] for m in fake.messages(general)] == ["done", "follow-up"]
    assert all(
        m["interaction_metadata"]["user"]["id"] == str(alice) for m in fake.messages(general)
    )


@pytest.mark.asyncio
async def test_context_menu_button_and_modal(fake: FakeDiscord) -> None:
    _, general, alice = _ids(fake)
    client = new_client()
    received: list[discord.Interaction] = []

    class Feedback(discord.ui.Modal, title="Feedback"):
        text = discord.ui.TextInput(label="Text", custom_id="text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"thanks: {self.text.value}")

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        received.append(interaction)
        if interaction.type is discord.InteractionType.component:
            await interaction.response.send_modal(Feedback(custom_id="feedback"))

    async with running(fake, client):
        target = await fake.message_create(general, alice, "quote me")
        await fake.message_command(general, alice, "Quote", int(target["id"]))
        await fake.wait_for(lambda: received)
        menu = received[0]
        assert menu.data is not None and menu.data["target_id"] == target["id"]
        assert menu.data["resolved"]["messages"][target["id"]]["content"] == "quote me"

        await fake.button_click(general, alice, int(target["id"]), "open-feedback")
        await fake.wait_for(lambda: fake.interaction_responses)
        assert fake.interaction_responses[0].type == 9
        assert fake.interaction_responses[0].data["custom_id"] == "feedback"
        assert received[1].message is not None and received[1].message.id == int(target["id"])

        await fake.modal_submit(general, alice, "feedback", {"text": "great bot"})
        await fake.wait_for(lambda: len(fake.interaction_responses) == 2)
    assert received[2].type is discord.InteractionType.modal_submit
    assert fake.interaction_responses[1].data["content"] == "thanks: great bot"


@pytest.mark.asyncio
async def test_reply_reaction_edit_delete_and_timeout(fake: FakeDiscord) -> None:
    gid, general, alice = _ids(fake)
    async with running(fake, new_client()) as client:
        got = expect(client, "message", lambda m: m.author.id == alice)
        await fake.message_create(general, alice, "question")
        message = await got
        reply = await message.reply("answer")
        await reply.add_reaction("✅")
        edited = await reply.edit(content="better answer")
        assert edited.content == "better answer"
        updated = expect(client, "member_update")
        member = client.get_guild(gid).get_member(alice)  # type: ignore[union-attr]
        await member.timeout(dt.timedelta(minutes=10), reason="spam")  # type: ignore[union-attr]
        before, after = await updated
        assert before.timed_out_until is None and after.is_timed_out()
        await message.delete()
    stored = fake.messages(general)
    assert [m["content"] for m in stored] == ["better answer"]
    assert stored[0]["message_reference"]["message_id"] == str(message.id)
    assert stored[0]["reactions"][0]["emoji"]["name"] == "✅" and stored[0]["reactions"][0]["me"]
    patch = fake.requests_to("PATCH", f"/guilds/{gid}/members/{alice}")[0]
    assert patch.json["communication_disabled_until"] and patch.headers["X-Audit-Log-Reason"]


@pytest.mark.asyncio
async def test_forum_post_thread_and_dm_messages(fake: FakeDiscord) -> None:
    gid, _, alice = _ids(fake)
    async with running(fake, new_client()) as client:
        guild = client.get_guild(gid)
        assert guild is not None
        forum = next(c for c in guild.channels if isinstance(c, discord.ForumChannel))
        created = expect(client, "thread_create")
        post = await forum.create_thread(name="Ideas", content="first post")
        assert (await created).id == post.thread.id == post.message.id
        in_thread = expect(client, "message", lambda m: m.author.id == alice)
        await fake.message_create(post.thread.id, alice, "reply in thread")
        assert isinstance((await in_thread).channel, discord.Thread)
        in_dm = expect(client, "message", lambda m: m.guild is None)
        await fake.message_create(int(fake.dm_channel(alice)["id"]), alice, "psst")
        dm = await in_dm
        assert isinstance(dm.channel, discord.DMChannel) and dm.content == "psst"
    assert [m["content"] for m in fake.messages(post.thread.id)] == [
        "first post",
        "reply in thread",
    ]
    assert fake.channels[post.thread.id]["parent_id"] == str(forum.id)


@pytest.mark.asyncio
async def test_roles_kick_and_ban(fake: FakeDiscord) -> None:
    gid, _, alice = _ids(fake)
    mods = fake.add_role(gid, "mods")
    bob = int(fake.add_user("bob")["id"])
    fake.add_member(gid, bob)
    async with running(fake, new_client()) as client:
        guild = client.get_guild(gid)
        assert guild is not None
        member = guild.get_member(alice)
        assert member is not None
        updated = expect(client, "member_update")
        await member.add_roles(discord.Object(int(mods["id"])))
        assert [r.name for r in (await updated)[1].roles] == ["@everyone", "mods"]
        removed = expect(client, "member_remove")
        await member.kick(reason="rule 3")
        assert (await removed).id == alice
        left = expect(client, "member_remove")  # GUILD_BAN_ADD needs the moderation intent
        await guild.ban(discord.Object(bob))
        assert (await left).id == bob
    assert fake.bans[gid] == {bob} and set(fake.members[gid]).isdisjoint({alice, bob})


@pytest.mark.asyncio
async def test_dm_to_user_blocking_dms_is_forbidden(fake: FakeDiscord) -> None:
    _, _, alice = _ids(fake)
    fake.block_dms(alice)
    async with running(fake, new_client()) as client:
        user = await client.fetch_user(alice)
        with pytest.raises(discord.Forbidden) as caught:
            await user.send("hello")
        assert caught.value.code == 50007
        fake.block_dms(alice, blocked=False)
        await user.send("hello again")
    dm = fake.dm_channel(alice)
    assert [m["content"] for m in fake.messages(int(dm["id"]))] == ["hello again"]


@pytest.mark.asyncio
async def test_disallowed_privileged_intents_close_4014(fake: FakeDiscord) -> None:
    fake.close_with(4014)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(fake, new_client()):
            pytest.fail("became ready despite close code 4014")


@pytest.mark.asyncio
async def test_portal_switch_off_closes_4014_and_blanks_content(fake: FakeDiscord) -> None:
    _, general, alice = _ids(fake)
    fake.privileged_intents = 0
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(fake, new_client()):
            pytest.fail("became ready with privileged intents switched off")
    no_content = discord.Intents(guilds=True, messages=True)
    async with running(fake, discord.Client(intents=no_content, guild_ready_timeout=0.05)) as c:
        got = expect(c, "message")
        await fake.message_create(general, alice, "secret")
        assert (await got).content == ""


@pytest.mark.asyncio
async def test_auto_sharded_client_uses_gateway_bot(fake: FakeDiscord) -> None:
    client = discord.AutoShardedClient(intents=INTENTS, guild_ready_timeout=0.05)
    async with running(fake, client):
        assert client.shard_count == 1 and len(client.guilds) == 1
    assert fake.requests_to("GET", "/gateway/bot")
    assert fake.identifies[0]["shard"] == [0, 1]


@pytest.mark.asyncio
async def test_two_shards_split_guilds(fake: FakeDiscord) -> None:
    fake.shards = 2
    other = fake.add_guild("Second", guild_id=(1 << 22) * 7)
    first = fake.add_guild("First", guild_id=(1 << 22) * 8)

    class Sharded(discord.AutoShardedClient):
        async def before_identify_hook(
            self, shard_id: int | None, *, initial: bool = False
        ) -> None:
            return None  # skip the 5 s pause between shard identifies

    client = Sharded(intents=INTENTS, guild_ready_timeout=0.05)
    async with running(fake, client):
        assert client.get_guild(int(first["id"])).shard_id == 0  # type: ignore[union-attr]
        assert client.get_guild(int(other["id"])).shard_id == 1  # type: ignore[union-attr]
    assert sorted(i["shard"][0] for i in fake.identifies) == [0, 1]


@pytest.mark.asyncio
async def test_rest_contract_without_a_client(fake: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{fake.api_base}/users/@me") as resp:
            assert resp.headers["Content-Type"] == "application/json"
        async with http.get(f"{fake.api_base}/nope") as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 0
        async with http.get(f"{fake.api_base}/channels/1") as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 10003
        async with http.get(f"{fake.api_base}/users/@me", headers={"Authorization": "x"}) as resp:
            assert resp.status == 401
        fake.global_rate_limit = 2
        statuses = []
        for _ in range(3):
            async with http.get(f"{fake.api_base}/users/@me") as resp:
                statuses.append(resp.status)
                body = await resp.json()
        assert statuses == [200, 200, 429] and body["global"] is True
        assert resp.headers["X-RateLimit-Global"] == "true" and "Retry-After" in resp.headers
        fake.global_rate_limit = None
        fake.fail_next("/gateway/bot", status=500, code=0, message="boom")
        async with http.get(f"{fake.api_base}/gateway/bot") as resp:
            assert resp.status == 500
    assert fake.rate_limited_count == 1
