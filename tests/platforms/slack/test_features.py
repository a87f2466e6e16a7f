"""The features built on the console, end to end on Slack: the real slack-bolt app receives
signed deliveries from the fake Slack and everything members see comes back through its Web
API — champions' DMs with buttons, case posts, ephemeral replies, the digest's chart.

Who is who: Maria is a manager, Mo a moderator (both from the config, by Slack user id); Bea
and Cy become champions by command; Alice, Carol, Dave and Eve are members; Sam posts spam.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.cadence import next_local_time
from bot.community_config import CommunityConfig
from storage.moderation_tables import ModCase, ModDecision
from tests.fakes.slack_server import FakeSlack, load_fixture
from tests.platforms.slack.conftest import (
    ALICE,
    CAROL,
    GENERAL,
    HELP,
    MODERATORS,
    SECRET,
    SlackBot,
    slack_ts,
)

MARIA, MO, BEA, CY = "U0MARIA001", "U0MO000001", "U0BEA00001", "U0CY000001"
DAVE, EVE, SAM = "U0DAVE0001", "U0EVE00001", "U0SAM00001"
MANAGERS = "G0MANAGERS"
QUESTION = "How do I tune autovacuum on a busy postgres table?"
SPAM = "Buy followers at spam.example!!!"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ids = itertools.count(1)


@pytest.fixture
def config(config: CommunityConfig) -> CommunityConfig:
    roles = config.roles.model_copy(update={
        "managers": [f"slack:{MARIA}"], "moderators": [f"slack:{MO}"], "champions": [],
    })
    return config.model_copy(update={"roles": roles})


@pytest.fixture
async def fake(fake: FakeSlack) -> AsyncIterator[FakeSlack]:
    for user_id, name in ((MARIA, "maria"), (MO, "mo"), (BEA, "bea"), (CY, "cy"),
                          (DAVE, "dave"), (EVE, "eve"), (SAM, "sam")):
        fake.add_user(user_id, name)
    fake.add_channel(MANAGERS, "community-managers", is_private=True)
    yield fake


# --- steps, taken as people take them in Slack ---------------------------------------------------


def unique() -> int:
    return next(_ids)


async def say(slack: SlackBot, user: str, text: str, *, channel: str = HELP,
              thread_ts: str | None = None) -> str:
    """`user` posts (in the thread of `thread_ts`): the message appears in the fake Slack and
    its event is delivered to the bot. Returns the message's ts."""
    ts = slack_ts(slack.clock.now(), unique())
    slack.fake.add_message(channel, text, user=user, thread_ts=thread_ts, ts=ts)
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    delivery = await slack.deliver(slack.message(user, text, channel=channel, ts=ts, **extra))
    assert delivery.status == 200
    return ts


async def run(slack: SlackBot, user: str, args: str, *, channel: str = GENERAL) -> str:
    """`/community args` as `user`; returns the private answer Slack shows only them."""
    name = next(c["name"] for c in slack.fake.channels.values() if c["id"] == channel)
    before = len(slack.hooks.received)
    form = slack.command_form(args, user=user, channel=channel, channel_name=name)
    form["trigger_id"] = f"trigger-command-{unique()}"  # unique per use, as Slack makes it
    delivery = await slack.fake.deliver_command(slack.url, form, SECRET)
    assert (delivery.status, delivery.body) == (200, "")  # acknowledged at once, empty
    await slack.settle()
    [reply] = slack.hooks.received[before:]
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def dms_to(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    """The bot's messages in its DM with `user`, as they read now (edits applied)."""
    channel = next((c["id"] for c in fake.channels.values() if c.get("user") == user), None)
    return fake.messages(channel) if channel else []


def dm_id(fake: FakeSlack, user: str) -> str:
    return next(c["id"] for c in fake.channels.values() if c.get("user") == user)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The buttons under a message, by label."""
    return {element["text"]["text"]: element
            for block in message.get("blocks") or [] if block["type"] == "actions"
            for element in block["elements"]}


async def press(slack: SlackBot, user: str, message: dict[str, Any], channel: str,
                label: str) -> None:
    """`user` clicks the button labelled `label` under `message`: a block_actions delivery."""
    button = buttons(message)[label]
    payload = load_fixture("interaction_block_actions")
    n = unique()
    payload.update(
        user={"id": user, "username": user.lower(), "name": user.lower(),
              "team_id": slack.fake.team_id},
        container={"type": "message", "message_ts": message["ts"], "channel_id": channel,
                   "is_ephemeral": False},
        channel={"id": channel, "name": slack.fake.channels[channel].get("name", "directmessage")},
        message=message, trigger_id=f"trigger-click-{n}", response_url=slack.hooks.url(f"c{n}"),
        actions=[{**button, "block_id": "actions", "type": "button",
                  "action_ts": slack_ts(slack.clock.now(), n)}],
    )
    assert (await slack.interact(payload)).status == 200
    await slack.settle()


def replies_in_thread(fake: FakeSlack, channel: str, root: str) -> list[str]:
    return [m["text"] for m in fake.messages(channel)
            if m.get("thread_ts") == root and m["ts"] != root and m.get("bot_id")]


# --- unanswered questions ----------------------------------------------------------------------


async def test_unanswered_question_reaches_a_champion_escalates_and_stops_when_answered(
    slack: SlackBot,
) -> None:
    fake = slack.fake
    reply = await run(slack, MARIA, f"champion add <@{BEA}|bea> postgres")
    assert reply.startswith(f"<@{BEA}> is now a champion — topics: postgres.")
    await run(slack, MARIA, f"champion add <@{CY}|cy> postgres databases")

    question = await say(slack, ALICE, QUESTION)
    slack.clock.advance(timedelta(minutes=29))
    await slack.settle()
    assert dms_to(fake, BEA) == []

    slack.clock.advance(timedelta(minutes=2))  # past the 30 minutes' SLA
    await slack.settle()
    assert fake.calls_to("conversations.open")[-1].params["users"] == BEA
    [ping] = dms_to(fake, BEA)
    assert f"<@{ALICE}> asked in <#{HELP}> 30m ago and nobody has answered yet" in ping["text"]
    assert QUESTION in ping["text"]
    assert f"/archives/{HELP}/p{question.replace('.', '')}" in ping["text"]  # a permalink
    assert list(buttons(ping)) == ["I'll take it", "Not mine"]
    [nudge] = replies_in_thread(fake, HELP, question)
    assert nudge.startswith(f"<@{ALICE}>, no answer yet, so I've asked one of our champions")

    await press(slack, BEA, ping, dm_id(fake, BEA), "Not mine")
    [passed] = dms_to(fake, BEA)
    assert passed["text"] == "👍 No problem, I'll ask someone else."  # edited in place
    assert buttons(passed) == {}
    [second] = dms_to(fake, CY)
    assert QUESTION in second["text"] and list(buttons(second)) == ["I'll take it", "Not mine"]

    await say(slack, EVE, "Lower autovacuum_vacuum_scale_factor on that table.",
              thread_ts=question)
    await slack.settle()
    [closed] = dms_to(fake, CY)
    assert closed["text"].startswith("✅ Answered by @eve — nothing needed from you, thanks!")
    assert buttons(closed) == {}

    slack.clock.advance(timedelta(hours=2))
    await slack.settle()
    assert len(dms_to(fake, BEA)) == len(dms_to(fake, CY)) == 1
    assert fake.messages(MANAGERS) == []  # answered: never escalated to the managers
    listing = await run(slack, MARIA, "questions")
    assert listing.startswith("Questions: 0 open — 0 past their SLA, 0 at risk. "
                              "1 answered in the last 7 days.")
    assert "Nothing is waiting for an answer. 🎉" in listing


# --- moderation --------------------------------------------------------------------------------


async def flag(slack: SlackBot, user: str, channel: str, message: dict[str, Any]) -> None:
    """`user` runs the "Flag message" shortcut on `message` and submits its form (spam)."""
    n = unique()
    shortcut = load_fixture("interaction_message_action")
    shortcut.update(
        user={"id": user, "username": user.lower(), "name": user.lower(),
              "team_id": slack.fake.team_id},
        channel={"id": channel, "name": "general"}, message_ts=message["ts"],
        message={k: v for k, v in message.items() if k in ("type", "text", "user", "ts")},
        trigger_id=f"trigger-flag-{n}", action_ts=slack_ts(slack.clock.now(), n),
    )
    assert (await slack.interact(shortcut)).status == 200
    opened = slack.fake.calls_to("views.open")[-1]
    assert opened.params["trigger_id"] == shortcut["trigger_id"]
    view = opened.params["view"]
    assert view["title"]["text"] == "Flag message"
    reasons = [o["value"] for o in view["blocks"][0]["element"]["options"]]
    assert "spam" in reasons

    submission = load_fixture("interaction_view_submission")
    submission.update(user=shortcut["user"], trigger_id=f"trigger-submit-{n}")
    submission["view"].update(callback_id=view["callback_id"],
                              private_metadata=view["private_metadata"])
    submission["view"]["state"]["values"] = {
        "reason": {"reason": {"type": "static_select", "selected_option": {"value": "spam"}}},
        "note": {"note": {"type": "plain_text_input", "value": None}},
    }
    assert (await slack.interact(submission)).status == 200
    await slack.settle()


def case_posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in fake.messages(MODERATORS) if m["text"].startswith("🚩 Case #")]


async def test_flagged_message_reaches_the_moderators_and_every_decision_is_audited(
    slack: SlackBot, caplog: pytest.LogCaptureFixture,
) -> None:
    fake = slack.fake
    await say(slack, SAM, SPAM, channel=GENERAL)
    [spam] = fake.messages(GENERAL)
    for flagger in (ALICE, CAROL):
        await flag(slack, flagger, GENERAL, spam)
    assert case_posts(fake) == []  # score 2, the review threshold is 3
    await flag(slack, DAVE, GENERAL, spam)

    acks = [e for e in fake.ephemerals if e["channel"] == GENERAL]
    assert [e["user"] for e in acks] == [ALICE, CAROL, DAVE]  # each flagger, privately
    assert all(e["text"].startswith("Thanks, your flag is in.") for e in acks)
    [case] = case_posts(fake)
    assert case["text"].startswith("🚩 Case #1: score 3 (review at 3)")
    assert f"Message by <@{SAM}> in <#{GENERAL}>" in case["text"]
    assert f"&gt; {SPAM}" in case["text"] and "Reasons: spam" in case["text"]
    for who in (ALICE, CAROL, DAVE):
        assert f"<@{who}>" not in case["text"]  # flaggers stay anonymous
    assert list(buttons(case)) == ["Dismiss", "Remove message", "Warn author", "Timeout",
                                   "Escalate"]
    assert "Slack cannot time members out" in case["text"]

    hooks_before = len(slack.hooks.received)
    await press(slack, ALICE, case, MODERATORS, "Remove message")  # a member, not a moderator
    [refusal] = slack.hooks.received[hooks_before:]
    assert refusal["response_type"] == "ephemeral"
    assert refusal["text"] == "Only moderators can act on this case; nothing was changed."
    assert fake.calls_to("chat.delete") == [] and fake.calls_to("chat.update") == []
    assert dms_to(fake, SAM) == []
    assert slack.count(ModDecision) == 0

    slack.clock.advance(timedelta(minutes=5))
    await press(slack, MO, case, MODERATORS, "Remove message")
    # A bot token may delete only the bot's own messages, so the bot does not try: the case
    # says so and the author is asked to delete it (a workspace admin can too).
    assert fake.calls_to("chat.delete") == []
    assert [m["ts"] for m in fake.messages(GENERAL)] == [spam["ts"]]
    [updated] = case_posts(fake)
    assert updated["ts"] == case["ts"]  # the case post itself was edited
    assert f"• Decided to remove the message by <@{MO}>, Mon 05 Jan 10:05" in updated["text"]
    assert "the author was asked to delete it" in updated["text"]
    assert "Closed: flags upheld." in updated["text"]
    assert list(buttons(updated)) == ["Warn author", "Timeout"]
    [notice] = dms_to(fake, SAM)
    assert notice["text"].startswith(
        f"Moderators decided that your message in <#{GENERAL}> should be removed")
    assert "Members flagged it as spam." in notice["text"]
    with slack.ctx.store.session() as session:
        decision = session.execute(select(ModDecision.action, ModDecision.moderator_id)).one()
        outcome = session.execute(select(ModCase.outcome)).scalar_one()
    assert decision.action == "remove" and decision.moderator_id is not None
    assert outcome == "upheld"


# --- the managers' view ------------------------------------------------------------------------


async def test_manager_sees_health_by_command_and_gets_the_digest_with_its_chart(
    slack: SlackBot,
) -> None:
    fake = slack.fake
    question = await say(slack, ALICE, "How do I rotate my API token?")
    slack.clock.advance(timedelta(minutes=15))
    await say(slack, EVE, "Settings → Tokens → Rotate", thread_ts=question)
    slack.clock.advance(timedelta(hours=1))

    stats = await run(slack, MARIA, "stats")
    assert stats.startswith("Community health: ")
    assert "Questions: 1" in stats
    assert await run(slack, ALICE, "stats") == "Sorry, `/community stats` is for moderators only."

    reply = await run(slack, MARIA, "digest now")
    assert reply == f"Preparing the digest; it will appear in <#{MANAGERS}> in a moment."
    assert len(fake.calls_to("files.getUploadURLExternal")) == 1
    [completed] = fake.calls_to("files.completeUploadExternal")
    assert completed.params["channel_id"] == MANAGERS
    [shared] = fake.messages(MANAGERS)
    assert shared["user"] == fake.bot_user_id
    assert "Example Community digest:" in shared["text"]
    [chart] = shared["files"]
    assert chart["name"].startswith("digest-") and chart["name"].endswith(".png")
    assert fake.files[chart["id"]]["content"].startswith(PNG_SIGNATURE)


# --- programming -------------------------------------------------------------------------------


async def test_a_managers_tip_is_posted_on_thursday_once(slack: SlackBot) -> None:
    fake = slack.fake
    added = await run(slack, MARIA, "tip add Name your branches after the issue they fix.")
    assert added.startswith("Added tip #") and "number 6 in line" in added
    tip_id = added.split("#")[1].split(";")[0]
    assert await run(slack, MARIA, f"tip move {tip_id} 1") == (
        f"Tip #{tip_id} is now number 1 in line."
    )
    assert (await run(slack, ALICE, "tip add sneaky")).endswith("is for managers only.")

    timezone = slack.ctx.config.community.timezone
    slack.clock.set(next_local_time(slack.clock.now(), timezone, "thu 10:00"))
    await slack.settle()
    slack.clock.advance(timedelta(minutes=1))
    await slack.settle()

    tips = [m["text"] for m in fake.messages(GENERAL) if m.get("bot_id")]
    assert tips == ["💡 Thursday Tip: Name your branches after the issue they fix."]


async def test_a_programme_added_with_a_channel_mention_posts_there_on_its_cadence(
    slack: SlackBot,
) -> None:
    # Slack sends `#general` typed in a command as `<#C…|general>`.
    added = await run(slack, MARIA,
                      f'program add standup <#{GENERAL}|general> "30 9 * * mon-fri" Morning!')
    assert added == (f"Added Standup (standup): posts in <#{GENERAL}>, first on Tuesday "
                     "6 January at 09:30 (Europe/Berlin).")
    listing = await run(slack, MARIA, "program list")
    assert f"• standup — Standup in <#{GENERAL}>, `30 9 * * mon-fri` (text)" in listing

    timezone = slack.ctx.config.community.timezone
    slack.clock.set(next_local_time(slack.clock.now(), timezone, "tue 09:30"))
    await slack.settle()
    slack.clock.advance(timedelta(minutes=1))
    await slack.settle()
    assert [m["text"] for m in slack.fake.messages(GENERAL) if m.get("bot_id")] == ["Morning!"]
