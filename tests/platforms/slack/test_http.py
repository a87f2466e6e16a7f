"""The bot on Slack in HTTP mode: the real slack-bolt app receives signed deliveries from the
fake Slack and answers through its Web API, with the same handlers as on the console."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import build
from bot.chat import Form, FormField
from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.context import Turn
from bot.events import (
    ActionClicked,
    ChannelJoined,
    Event,
    FormSubmitted,
    MessagePosted,
    MessageShortcut,
)
from bot.platforms.console.workspace import ConsoleWorkspace
from bot.platforms.slack.translate import plain_text
from bot.text import Text
from storage import outbox as ob
from storage.db import Store
from storage.models import Member, Message, ProcessedEvent, Reaction
from tests.events import command as console_command
from tests.fakes.slack_server import FakeSlack, load_fixture
from tests.platforms.slack.conftest import (
    ALICE,
    BOB,
    INTROS,
    WELCOME,
    ResponseUrls,
    SlackBot,
    running_bot,
)


def recorder(bot: SlackBot, event_type: type[Event]) -> list[Event]:
    """Events of one type that reached the handlers."""
    seen: list[Event] = []

    async def record(event: Event, turn: Turn) -> None:
        seen.append(event)

    bot.ctx.router.on(event_type)(record)
    return seen


def dm_channel(fake: FakeSlack, user: str) -> str:
    return next(c["id"] for c in fake.channels.values() if c.get("user") == user)


# --- welcome ---------------------------------------------------------------------------------


async def test_team_join_gets_a_dm_now_and_a_batched_welcome_post(
    store: Store, config: CommunityConfig, clock: ManualClock, fake: FakeSlack,
    hooks: ResponseUrls,
) -> None:
    async with running_bot(store, config, clock, fake, hooks) as slack:
        delivery = await slack.deliver(slack.team_join(ALICE, "alice"))
        assert delivery.status == 200
        await slack.settle()

        [dm] = fake.messages(dm_channel(fake, ALICE))
        assert dm["text"].startswith("Hi alice, welcome to Example Community!")
        assert "Channels to start with: <#C0INTROS01>, <#C0HELP0001>, <#C0ANNOUNC1>" in dm["text"]
        assert dm["metadata"]["event_type"] == "community_bot_outbox"
        assert slack.texts_in(WELCOME) == []  # the batch window is still open

        await slack.deliver(slack.team_join(BOB, "bob"))
        slack.clock.advance(timedelta(minutes=2))
        await slack.settle()
        assert slack.texts_in(WELCOME) == [
            f"Please give a warm welcome to <@{ALICE}> and <@{BOB}>! 👋 "
            "Say hi and tell us what you are working on."
        ]


async def test_a_deactivated_account_is_recorded_as_having_left(slack: SlackBot) -> None:
    await slack.deliver(slack.team_join(ALICE, "alice"))
    deactivated = slack.team_join(ALICE, "alice")
    deactivated["event"].update(type="user_change")
    deactivated["event"]["user"]["deleted"] = True
    assert (await slack.deliver(deactivated)).status == 200

    with slack.ctx.store.session() as session:
        left_at = session.execute(
            select(Member.left_at).where(Member.external_id == ALICE)
        ).scalar_one()
    assert left_at is not None


async def test_a_delivery_retried_three_times_greets_once(slack: SlackBot) -> None:
    payload = slack.team_join(ALICE, "alice")
    for retry in (None, 1, 2, 3):
        assert (await slack.deliver(payload, retry_num=retry)).status == 200
    slack.clock.advance(timedelta(minutes=3))
    await slack.settle()

    assert len(slack.fake.messages(dm_channel(slack.fake, ALICE))) == 1
    assert len(slack.texts_in(WELCOME)) == 1
    assert slack.ctx.router.stats.duplicates == 3


async def test_a_delivery_the_store_cannot_take_is_refused_and_its_retry_kept_once(
    slack: SlackBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A 500 makes Slack deliver again; a 200 would have lost the message. The log names the
    failure, never the member's text (not even inside the SQL error)."""
    payload = slack.message(ALICE, "my secret plan", ts="1700000992.000100")
    store = slack.ctx.store
    working = store.transaction

    @asynccontextmanager
    async def failing() -> AsyncIterator[None]:
        async with working() as session:
            session.connection().exec_driver_sql("SELECT * FROM no_such_table WHERE x = ?",
                                                 ("my secret plan",))
            yield

    monkeypatch.setattr(store, "transaction", failing)
    assert (await slack.deliver(payload)).status == 500
    assert slack.count(Message) == 0
    assert "could not be recorded" in caplog.text and "secret" not in caplog.text

    monkeypatch.setattr(store, "transaction", working)
    assert (await slack.deliver(payload, retry_num=1)).status == 200
    assert (await slack.deliver(payload, retry_num=2)).status == 200
    with store.session() as session:
        assert session.execute(select(Message.text)).scalars().all() == ["my secret plan"]


async def test_429_is_waited_out_and_the_message_sent_once(slack: SlackBot) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    await slack.deliver(slack.team_join(ALICE, "alice"))
    await slack.settle()

    calls = slack.fake.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 0.9
    assert len(slack.fake.messages(dm_channel(slack.fake, ALICE))) == 1
    assert slack.ctx.sender is not None and slack.ctx.sender.stats.rate_limited == 1


async def test_a_dm_slack_took_before_a_crash_is_recovered_not_sent_again(
    sqlite_store: Store, config: CommunityConfig, clock: ManualClock, fake: FakeSlack,
    hooks: ResponseUrls,
) -> None:
    async with running_bot(sqlite_store, config, clock, fake, hooks) as crashed:
        await crashed.deliver(crashed.team_join(ALICE, "alice"))
        async with sqlite_store.transaction() as session:  # claimed, posted, never recorded
            [row] = ob.claim_due(session, "slack", clock.now(), limit=10,
                                 lease=timedelta(minutes=2))
            key, payload = row.key, dict(row.payload)
        await crashed.adapter.chat.dm(ob.load_user(payload["user"]),
                                      Text.from_json(payload["text"]), key=key)

    async with running_bot(sqlite_store, config, clock, fake, hooks) as restarted:
        async with sqlite_store.transaction() as session:
            ob.release_all_leases(session, "slack", clock.now())
        await restarted.settle()
        assert restarted.ctx.sender is not None
        assert restarted.ctx.sender.stats.recovered == 1
    assert len(fake.messages(dm_channel(fake, ALICE))) == 1


# --- signatures ------------------------------------------------------------------------------


async def test_bad_or_stale_signature_is_401_and_has_no_effect(slack: SlackBot) -> None:
    calls_before = len(slack.fake.calls)
    payload = slack.team_join(ALICE, "alice")

    assert (await slack.deliver(payload, bad_signature=True)).status == 401
    stale = int(time.time()) - 301
    assert (await slack.deliver(payload, timestamp=stale)).status == 401
    await slack.settle()

    assert len(slack.fake.calls) == calls_before
    assert slack.count(ProcessedEvent) == 0


# --- commands and interactivity --------------------------------------------------------------


async def test_community_help_answers_privately_like_on_the_console(
    slack: SlackBot, sqlite_store: Store, config: CommunityConfig,
) -> None:
    delivery = await slack.command("help")
    assert (delivery.status, delivery.body) == (200, "")  # acked at once, empty
    await slack.settle()

    [reply] = slack.hooks.received
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False

    console = ConsoleWorkspace()
    console_ctx = build(config, sqlite_store, {"console": console}, clock=slack.clock)
    help_on_console = console_command("ana", "help", slack.clock.now())
    await console_ctx.router.dispatch(console_ctx, help_on_console)
    assert console_ctx.sender is not None
    await console_ctx.sender.drain()
    assert plain_text(reply["text"]) == console.messages[-1].text
    assert reply["text"].startswith("Commands you can run (you are a member):")


async def test_a_manager_configured_by_slack_id_sees_manager_help(slack: SlackBot) -> None:
    roles = slack.ctx.config.roles.model_copy(update={"managers": [f"slack:{BOB}"]})
    slack.ctx.config = slack.ctx.config.model_copy(update={"roles": roles})
    await slack.command("help", user=BOB)
    await slack.settle()
    assert "(you are a manager)" in slack.hooks.received[0]["text"]


async def test_a_slack_user_group_can_hold_a_role(
    sqlite_store: Store, config: CommunityConfig, clock: ManualClock, fake: FakeSlack,
    hooks: ResponseUrls,
) -> None:
    fake.handlers["usergroups.list"] = lambda params: {
        "usergroups": [{"id": "S0MANAGERS", "handle": "managers", "users": [BOB]}]
    }
    roles = config.roles.model_copy(update={"managers": ["slack:role:S0MANAGERS"]})
    config = config.model_copy(update={"roles": roles})
    async with running_bot(sqlite_store, config, clock, fake, hooks) as slack:
        await slack.command("help", user=BOB)
        await slack.command("help", user=ALICE)
        await slack.settle()
    assert "(you are a manager)" in hooks.received[0]["text"]
    assert "(you are a member)" in hooks.received[1]["text"]
    assert len(fake.calls_to("usergroups.list")) == 1


async def test_button_click_reaches_the_handlers(slack: SlackBot) -> None:
    clicks = recorder(slack, ActionClicked)
    payload = load_fixture("interaction_block_actions")
    assert (await slack.interact(payload)).status == 200
    assert (await slack.interact(payload)).status == 200  # a double delivery counts once

    [click] = clicks
    assert isinstance(click, ActionClicked)
    assert (click.action_id, click.value, click.user.id) == ("onboarding_done", "done", ALICE)
    assert click.user.name == "alice"  # from users.info
    assert click.channel is not None and click.channel.is_dm
    assert click.message is not None and click.message.id == "1700000800.001100"
    assert click.interaction is not None
    assert click.interaction.trigger == payload["trigger_id"]
    assert click.interaction.token == payload["response_url"]


async def test_a_message_shortcut_opens_a_form_whose_submission_comes_back(
    slack: SlackBot,
) -> None:
    submissions = recorder(slack, FormSubmitted)

    async def open_form(event: MessageShortcut, turn: Turn) -> None:
        if event.shortcut_id == "test_shortcut" and event.interaction is not None:
            reason = FormField("reason", "Why?", kind="multiline")
            context = f"{event.message.channel.id}:{event.message.id}"
            turn.open_form(event.interaction,
                           Form("test_form", "Tell us", (reason,), context=context))

    slack.ctx.router.on(MessageShortcut)(open_form)
    shortcut = load_fixture("interaction_message_action")
    shortcut["callback_id"] = "test_shortcut"
    assert (await slack.interact(shortcut)).status == 200

    [opened] = slack.fake.calls_to("views.open")
    assert opened.params["trigger_id"] == shortcut["trigger_id"]
    view = opened.params["view"]
    assert view["callback_id"] == "test_form"
    assert view["private_metadata"] == f"{INTROS}:1700000100.000200"
    assert view["blocks"][0]["element"]["multiline"] is True

    submission = load_fixture("interaction_view_submission")
    submission["view"]["callback_id"] = "test_form"
    assert (await slack.interact(submission)).status == 200
    [form] = submissions
    assert isinstance(form, FormSubmitted)
    assert form.form_id == "test_form" and form.values == {"reason": "Spam link"}
    assert form.context == submission["view"]["private_metadata"]


async def test_flag_message_shortcut_files_a_flag_through_its_form(slack: SlackBot) -> None:
    flagging = pytest.importorskip("bot.handlers.flagging")
    assert (await slack.deliver(load_fixture("event_message"))).status == 200
    shortcut = load_fixture("interaction_message_action")  # Bob flags Alice's message
    assert (await slack.interact(shortcut)).status == 200

    [opened] = slack.fake.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == flagging.FLAG_FORM_ID
    submission = load_fixture("interaction_view_submission")
    submission["user"] = shortcut["user"]
    submission["view"].update(callback_id=view["callback_id"],
                              private_metadata=view["private_metadata"])
    submission["view"]["state"]["values"] = {
        "reason": {"reason": {"type": "static_select", "selected_option": {"value": "spam"}}},
        "note": {"note": {"type": "plain_text_input", "value": "a link farm"}},
    }
    assert (await slack.interact(submission)).status == 200
    await slack.settle()

    [ack] = slack.fake.ephemerals  # the flagger is answered privately, nobody else is told
    assert ack["user"] == BOB and ack["channel"] == INTROS
    assert "flag" in ack["text"].lower()


async def test_app_home_shows_the_getting_started_checklist(slack: SlackBot) -> None:
    assert (await slack.deliver(load_fixture("event_app_home_opened"))).status == 200
    await slack.settle()

    [published] = slack.fake.calls_to("views.publish")
    assert published.params["user_id"] == ALICE
    home = slack.fake.home_views[ALICE]
    text = "\n".join(block["text"]["text"] for block in home["blocks"])
    assert text.startswith("Getting started in Example Community")
    assert "<#C0INTROS01>" in text and "☐ Read the code of conduct" in text
    assert "For managers" not in text


# --- messages, edits, reactions --------------------------------------------------------------


async def test_messages_threads_edits_deletions_and_reactions_are_recorded(
    slack: SlackBot,
) -> None:
    for name in ("event_message", "event_message_thread_reply", "event_reaction_added"):
        assert (await slack.deliver(load_fixture(name))).status == 200

    with slack.ctx.store.session() as session:
        rows = {m.external_id: m for m in session.execute(select(Message)).scalars()}
    assert rows["1700000160.000300"].thread_external_id == "1700000100.000200"
    assert rows["1700000100.000200"].thread_external_id is None
    assert slack.count(Reaction, Reaction.emoji == "👋") == 1

    for name in ("event_message_changed", "event_message_deleted", "event_reaction_removed"):
        assert (await slack.deliver(load_fixture(name))).status == 200
    with slack.ctx.store.session() as session:
        parent = session.execute(
            select(Message).where(Message.external_id == "1700000100.000200")
        ).scalar_one()
    assert "serde-ext" in parent.text and parent.edited_at is not None
    assert parent.deleted_at is not None
    assert slack.count(Reaction) == 0


async def test_own_and_other_bots_messages_are_ignored(slack: SlackBot) -> None:
    own = slack.message(slack.fake.bot_user_id, "Welcome!", ts="1700000900.000100",
                        bot_id=slack.fake.bot_id)
    for payload in (own, load_fixture("event_bot_message")):
        assert (await slack.deliver(payload)).status == 200
    assert slack.count(Message) == 0


async def test_a_mention_delivered_as_message_and_app_mention_counts_once(
    slack: SlackBot,
) -> None:
    posts = recorder(slack, MessagePosted)
    text = f"<@{slack.fake.bot_user_id}> where is the code of conduct?"
    message = slack.message(ALICE, text, ts="1700000950.000100")
    mention = slack.envelope({**message["event"], "type": "app_mention"})
    mention["event"].pop("channel_type")
    for payload in (message, mention):
        assert (await slack.deliver(payload)).status == 200

    [post] = posts
    assert isinstance(post, MessagePosted) and post.mentions_bot
    assert post.text == f"@{slack.fake.bot_user_id} where is the code of conduct?"
    assert post.message.channel.name == "introductions"
    assert slack.count(Message) == 1


async def test_channel_joins_reach_handlers_and_the_bots_own_join_refreshes_channels(
    slack: SlackBot,
) -> None:
    joins = recorder(slack, ChannelJoined)
    assert (await slack.deliver(load_fixture("event_member_joined_channel"))).status == 200
    [join] = joins
    assert isinstance(join, ChannelJoined) and join.user.id == ALICE
    assert join.channel.name == "introductions"

    await slack.adapter.chat.resolve_channel(join.community, "welcome")  # lists the channels
    slack.fake.add_channel("C0NEW00001", "new-channel")
    bot_join = slack.envelope({"type": "member_joined_channel", "user": slack.fake.bot_user_id,
                               "channel": "C0NEW00001", "channel_type": "C"})
    assert (await slack.deliver(bot_join)).status == 200
    found = await slack.adapter.chat.resolve_channel(join.community, "new-channel")
    assert found is not None and found.id == "C0NEW00001"
    assert len(joins) == 1


# --- bad input and health --------------------------------------------------------------------


async def test_malformed_payloads_are_acked_counted_and_have_no_effect(slack: SlackBot) -> None:
    no_type = slack.envelope({"user": ALICE})
    no_channel = slack.envelope({"type": "message", "user": ALICE, "text": "hi", "ts": "1.0"})
    odd = {"type": "something_new", "team_id": slack.fake.team_id}
    for payload in (no_type, no_channel, odd):
        assert (await slack.deliver(payload)).status == 200
    huge = slack.message(ALICE, "🦀 " * 30_000 + "\u202e\u0000", ts="1700000990.000100")
    assert (await slack.deliver(huge)).status == 200

    assert slack.ctx.router.stats.rejected == 3
    assert slack.count(Message) == 1


async def test_healthz(slack: SlackBot) -> None:
    async with aiohttp.ClientSession() as session, \
            session.get(f"http://127.0.0.1:{slack.adapter.port}/healthz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok" and body["mode"] == "http"


async def test_deliveries_leave_no_access_log_line(
    slack: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    """At the bot's usual INFO level, a line per delivery would bury its own log."""
    caplog.set_level(logging.INFO)
    assert (await slack.deliver(slack.message(ALICE, "hello", ts="1700000991.000100"))).status \
        == 200
    assert slack.count(Message) == 1
    assert not [r for r in caplog.records if r.name == "aiohttp.access"]
