"""The features built on the console, end to end on Discord: the real discord.py client gets
messages and interactions over the fake gateway, and everything members see goes back through
its REST client — champions' DMs with buttons, case posts, ephemeral answers, the digest's chart.

Who is who: Maria is a manager, Mo a moderator (both from the config, by Discord user id); Bea
and Cy become champions by command; Alice, Carol, Dave and Eve are members; Sam posts spam.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.cadence import next_local_time
from bot.community_config import CommunityConfig
from storage.models import ProcessedEvent
from storage.moderation_tables import ModCase, ModDecision
from tests.fakes.discord_server import EPHEMERAL, FakeDiscord
from tests.platforms.discord.conftest import DiscordWorld

NAMES = ("maria", "mo", "bea", "cy", "carol", "dave", "eve", "sam")
IDS = {name: 910_000_000_000_000_000 + n for n, name in enumerate(NAMES, start=1)}
QUESTION = "How do I tune autovacuum on a busy postgres table?"
SPAM = "Buy followers at spam.example!!!"


@pytest.fixture
def config(config: CommunityConfig) -> CommunityConfig:
    roles = config.roles.model_copy(update={
        "managers": [f"discord:{IDS['maria']}"], "moderators": [f"discord:{IDS['mo']}"],
        "champions": [],
    })
    return config.model_copy(update={"roles": roles})


@dataclass
class Server:
    """The started bot in the fake guild, and its people by name."""

    world: DiscordWorld
    people: dict[str, dict[str, Any]]

    @property
    def fake(self) -> FakeDiscord:
        return self.world.fake

    def channel(self, name: str) -> int:
        return self.world.channels[name]

    def id(self, name: str) -> int:
        return int(self.people[name]["id"])


@pytest.fixture
async def server(world: DiscordWorld) -> AsyncIterator[Server]:
    people = {"alice": world.alice}
    for name in NAMES:
        user = world.fake.add_user(name, user_id=IDS[name])
        people[name] = world.fake.add_member(world.guild_id, user)["user"]
    await world.start()
    yield Server(world, people)


# --- steps, taken as people take them in Discord -------------------------------------------------


def processed(server: Server, event_id: str) -> bool:
    with server.world.store.session() as session:
        return session.execute(
            select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == event_id)
        ).first() is not None


async def handled(server: Server, event_id: str) -> None:
    """Wait until the event arrived over the websocket and every delivery in flight is done
    (including work a handler left for after its commit, like the digest's chart)."""
    stats = server.world.adapter.stats
    await server.fake.wait_for(lambda: processed(server, event_id), timeout=5)
    await server.fake.wait_for(
        lambda: stats.received == stats.dispatched + stats.duplicates + stats.ignored
        + stats.failed, timeout=5)


async def say(server: Server, name: str, text: str, channel: str | int = "help") -> int:
    """`name` posts in a channel (or a thread, by id); returns the message id."""
    where = server.channel(channel) if isinstance(channel, str) else channel
    message = await server.fake.message_create(where, server.people[name], text)
    await handled(server, message["id"])
    return int(message["id"])


def answers_to(server: Server, interaction: dict[str, Any]) -> list[Any]:
    return [r for r in server.fake.interaction_responses
            if r.interaction_id == int(interaction["id"])]


def private_answer(server: Server, interaction: dict[str, Any]) -> str:
    """The one ephemeral message that answered `interaction` (a reply or a follow-up)."""
    [answer] = [r.data for r in answers_to(server, interaction)
                if r.kind == "followup" or (r.kind == "callback" and r.type == 4)]
    assert answer["flags"] & EPHEMERAL, answer
    return str(answer["content"])


async def run(server: Server, name: str, command: str, arguments: str | None = None) -> str:
    """`/community command arguments` as `name` in #general; returns the private answer."""
    words = command.split()
    group, subcommand = (words[0], words[1]) if len(words) == 2 else (None, words[0])
    options = {"arguments": arguments} if arguments is not None else None
    interaction = await server.fake.slash_command(
        server.channel("general"), server.people[name], "community", options,
        subcommand=subcommand, group=group,
    )
    await handled(server, interaction["id"])
    await server.world.settle()
    return private_answer(server, interaction)


def dms_to(server: Server, name: str) -> list[dict[str, Any]]:
    """The bot's messages in its DM with `name`, as they read now (edits applied)."""
    return server.fake.messages(int(server.fake.dm_channel(server.id(name))["id"]))


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The buttons under a message, by label."""
    return {component["label"]: component
            for row in message["components"] for component in row["components"]}


async def press(server: Server, name: str, message: dict[str, Any], label: str) -> dict[str, Any]:
    """`name` clicks the button labelled `label` under `message`; returns the interaction."""
    custom_id = buttons(message)[label]["custom_id"]
    interaction = await server.fake.button_click(
        int(message["channel_id"]), server.people[name], int(message["id"]), custom_id)
    await handled(server, interaction["id"])
    await server.fake.wait_for(lambda: answers_to(server, interaction))  # acknowledged in time
    await server.world.settle()
    return interaction


# --- unanswered questions ----------------------------------------------------------------------


async def test_unanswered_question_reaches_a_champion_escalates_and_stops_when_answered(
    server: Server,
) -> None:
    fake, world = server.fake, server.world
    bea, cy, alice = server.id("bea"), server.id("cy"), server.world.alice["id"]
    reply = await run(server, "maria", "champion add", f"<@{bea}> postgres")
    assert reply.startswith(f"<@{bea}> is now a champion — topics: postgres.")
    await run(server, "maria", "champion add", f"<@{cy}> postgres databases")

    question = await say(server, "alice", QUESTION)
    world.clock.advance(timedelta(minutes=29))
    await world.settle()
    assert dms_to(server, "bea") == []

    world.clock.advance(timedelta(minutes=1))  # 30 minutes: past the SLA
    await world.settle()
    [ping] = dms_to(server, "bea")
    help_id = server.channel("help")
    assert f"<@{alice}> asked in <#{help_id}> 30m ago and nobody has answered yet" in (
        ping["content"])
    assert QUESTION in ping["content"]
    assert f"https://discord.com/channels/{world.guild_id}/{help_id}/{question}" in (
        ping["content"])
    assert list(buttons(ping)) == ["I'll take it", "Not mine"]
    [nudge] = [m["content"] for m in fake.messages(question)]  # the thread on the question
    assert nudge.startswith(f"<@{alice}>, no answer yet, so I've asked one of our champions")

    await press(server, "bea", ping, "Not mine")
    [passed] = dms_to(server, "bea")
    assert passed["content"] == "👍 No problem, I'll ask someone else."  # edited in place
    assert buttons(passed) == {}
    [second] = dms_to(server, "cy")
    assert QUESTION in second["content"]
    assert list(buttons(second)) == ["I'll take it", "Not mine"]

    await say(server, "eve", "Lower autovacuum_vacuum_scale_factor on that table.",
              channel=question)
    await world.settle()
    [closed] = dms_to(server, "cy")
    assert closed["content"].startswith("✅ Answered by @eve — nothing needed from you, thanks!")
    assert buttons(closed) == {}

    world.clock.advance(timedelta(hours=2))
    await world.settle()
    assert len(dms_to(server, "bea")) == len(dms_to(server, "cy")) == 1
    assert world.texts("community-managers") == []  # answered: never escalated
    listing = await run(server, "maria", "questions")
    assert listing.startswith("Questions: 0 open — 0 past their SLA, 0 at risk. "
                              "1 answered in the last 7 days.")
    assert "Nothing is waiting for an answer. 🎉" in listing
    assert fake.messages(server.channel("general")) == []  # every answer was private


# --- moderation --------------------------------------------------------------------------------


async def flag(server: Server, name: str, message_id: int) -> dict[str, Any]:
    """`name` runs the "Flag message" context menu and submits its form; returns the
    submission's interaction."""
    fake, general = server.fake, server.channel("general")
    menu = await fake.message_command(general, server.people[name], "Flag message", message_id)
    [modal] = await fake.wait_for(
        lambda: [r for r in answers_to(server, menu) if r.type == 9])
    assert modal.data["title"] == "Flag message"
    submitted = await fake.modal_submit(general, server.people[name], modal.data["custom_id"],
                                        {"reason": "spam", "note": ""})
    await handled(server, submitted["id"])
    await server.world.settle()
    return submitted


def case_posts(server: Server) -> list[dict[str, Any]]:
    return [m for m in server.fake.messages(server.channel("moderators"))
            if m["content"].startswith("🚩 Case #")]


async def test_flagged_message_reaches_the_moderators_and_every_decision_is_audited(
    server: Server,
) -> None:
    fake, world = server.fake, server.world
    general, sam, mo = server.channel("general"), server.id("sam"), server.id("mo")
    spam = await say(server, "sam", SPAM, channel="general")
    for flagger in ("alice", "carol"):
        submitted = await flag(server, flagger, spam)
        assert private_answer(server, submitted).startswith("Thanks, your flag is in.")
    assert case_posts(server) == []  # score 2, the review threshold is 3
    await flag(server, "dave", spam)

    [case] = case_posts(server)
    assert case["content"].startswith("🚩 Case #1: score 3 (review at 3)")
    assert f"Message by <@{sam}> in <#{general}>" in case["content"]
    assert f"> {SPAM}" in case["content"] and "Reasons: spam" in case["content"]
    for flagger in ("carol", "dave"):
        assert str(server.id(flagger)) not in case["content"]  # flaggers stay anonymous
    assert list(buttons(case)) == ["Dismiss", "Remove message", "Warn author", "Timeout",
                                   "Escalate"]
    assert world.texts(general) == [SPAM]  # nobody else saw any of it

    refused = await press(server, "alice", case, "Remove message")  # not a moderator
    assert private_answer(server, refused) == (
        "Only moderators can act on this case; nothing was changed.")
    assert fake.requests_to("DELETE", f"/channels/{general}/messages") == []
    assert fake.requests_to("PATCH", f"/channels/{case['channel_id']}/messages") == []
    assert fake.message(spam) is not None and dms_to(server, "sam") == []
    assert world.texts("moderators") == [case["content"]]

    world.clock.advance(timedelta(minutes=5))
    await press(server, "mo", case, "Remove message")
    [deletion] = fake.requests_to("DELETE", f"/channels/{general}/messages/{spam}")
    assert deletion.status == 204 and fake.message(spam) is None  # gone for everyone
    assert len(fake.requests_to("PATCH", f"/channels/{case['channel_id']}/messages/")) == 1
    [updated] = case_posts(server)
    assert updated["id"] == case["id"]  # the case post itself was edited
    assert f"• Removed the message by <@{mo}>, Mon 05 Jan 10:05" in updated["content"]
    assert "Closed: flags upheld." in updated["content"]
    assert list(buttons(updated)) == ["Warn author", "Timeout"]
    [notice] = dms_to(server, "sam")
    assert notice["content"].startswith(f"A moderator removed your message in <#{general}>:")
    assert "Members flagged it as spam." in notice["content"]
    with world.store.session() as session:
        decision = session.execute(select(ModDecision.action, ModDecision.moderator_id)).one()
        outcome = session.execute(select(ModCase.outcome)).scalar_one()
    assert decision.action == "remove" and decision.moderator_id is not None
    assert outcome == "upheld"


# --- the managers' view ------------------------------------------------------------------------


async def test_manager_sees_health_by_command_and_gets_the_digest_with_its_chart(
    server: Server,
) -> None:
    fake, world = server.fake, server.world
    await say(server, "alice", "How do I rotate my API token?")
    world.clock.advance(timedelta(minutes=15))
    await say(server, "eve", "Settings → Tokens → Rotate, in the web app.", channel="general")
    world.clock.advance(timedelta(hours=1))

    stats = await run(server, "maria", "stats")
    assert stats.startswith("Community health: ")
    assert "Questions: 1" in stats
    assert await run(server, "alice", "stats") == (
        "Sorry, `/community stats` is for moderators only.")

    managers = server.channel("community-managers")
    reply = await run(server, "maria", "digest now")
    assert reply == f"Preparing the digest; it will appear in <#{managers}> in a moment."
    [shared] = [m for m in fake.messages(managers) if m["attachments"]]
    assert shared["author"]["id"] == fake.bot_user["id"]
    assert "Example Community digest:" in shared["content"]
    [chart] = shared["attachments"]
    assert chart["filename"].startswith("digest-") and chart["filename"].endswith(".png")
    assert chart["size"] > 10_000  # the rendered PNG, uploaded with the message


# --- programming -------------------------------------------------------------------------------


async def test_a_managers_tip_is_posted_on_thursday_once(server: Server) -> None:
    world = server.world
    added = await run(server, "maria", "tip add", "Name your branches after the issue they fix.")
    assert added.startswith("Added tip #") and "number 6 in line" in added
    tip_id = added.split("#")[1].split(";")[0]
    assert await run(server, "maria", "tip move", f"{tip_id} 1") == (
        f"Tip #{tip_id} is now number 1 in line."
    )
    assert (await run(server, "alice", "tip add", "sneaky")).endswith("is for managers only.")

    timezone = world.ctx.config.community.timezone
    world.clock.set(next_local_time(world.clock.now(), timezone, "thu 10:00"))
    await world.settle()
    world.clock.advance(timedelta(minutes=1))
    await world.settle()

    assert world.texts("general") == ["💡 Thursday Tip: Name your branches after the issue "
                                      "they fix."]


async def test_a_programme_added_with_a_channel_mention_posts_there_on_its_cadence(
    server: Server,
) -> None:
    world, general = server.world, server.channel("general")
    # Discord turns `#general` typed in a command option into the mention `<#id>`.
    added = await run(server, "maria", "program add",
                      f'standup <#{general}> "30 9 * * mon-fri" Morning! What are you on?')
    assert added == (f"Added Standup (standup): posts in <#{general}>, first on Tuesday "
                     "6 January at 09:30 (Europe/Berlin).")
    listing = await run(server, "maria", "program list")
    assert f"• standup — Standup in <#{general}>, `30 9 * * mon-fri` (text)" in listing

    timezone = world.ctx.config.community.timezone
    world.clock.set(next_local_time(world.clock.now(), timezone, "tue 09:30"))
    await world.settle()
    world.clock.advance(timedelta(minutes=1))
    await world.settle()
    assert world.texts("general") == ["Morning! What are you on?"]
