"""Slack payloads → neutral events, one pure function per payload type, on recorded fixtures
(`translate` for the Events API, `interactive` for commands, buttons, shortcuts and forms)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.events import (
    ActionClicked,
    ChannelJoined,
    CommandInvoked,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageShortcut,
    ReactionAdded,
    ReactionRemoved,
)
from bot.platforms.slack import interactive, translate
from bot.platforms.slack.translate import Installation, Malformed
from tests.fakes.slack_server import load_fixture

BOT = Installation(team_id="T0FAKE0001", team_name="Fake Community",
                   bot_user_id="U0BOT00001", bot_id="B0BOT00001")
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def event_of(name: str, **changes: Any) -> Any:
    body = load_fixture(name)
    body["event"].update(changes)
    return translate.event_callback(body, BOT, NOW)


def test_team_join_is_a_member_joining_with_a_readable_name() -> None:
    joined = event_of("event_team_join")
    assert isinstance(joined, MemberJoined)
    assert joined.event_id == "Ev0FIX00001"
    assert joined.community.id == "T0FAKE0001" and joined.community.name == "Fake Community"
    assert (joined.user.id, joined.user.name, joined.user.is_bot) == ("U0ALICE001", "alice", False)
    assert joined.at == datetime.fromtimestamp(1700000050.0001, UTC)


def test_a_deactivated_account_is_a_member_leaving_other_profile_changes_are_not_events(
) -> None:
    body = load_fixture("event_team_join")
    body["event"]["type"] = "user_change"
    assert translate.event_callback(body, BOT, NOW) is None  # a new display name, say
    body["event"]["user"]["deleted"] = True
    left = translate.event_callback(body, BOT, NOW)
    assert isinstance(left, MemberLeft)
    assert (left.user.id, left.user.name) == ("U0ALICE001", "alice")
    body["event"]["user"] = "U0ALICE001"
    with pytest.raises(Malformed):
        translate.event_callback(body, BOT, NOW)


def test_member_joined_channel_is_a_channel_join_except_the_bots_own() -> None:
    joined = event_of("event_member_joined_channel")
    assert isinstance(joined, ChannelJoined)
    assert (joined.user.id, joined.channel.id) == ("U0ALICE001", "C0INTROS01")
    assert event_of("event_member_joined_channel", user="U0BOT00001") is None


def test_top_level_message_and_thread_reply() -> None:
    posted = event_of("event_message")
    assert isinstance(posted, MessagePosted)
    assert posted.event_id == "msg:C0INTROS01:1700000100.000200"
    assert posted.message.id == "1700000100.000200" and posted.message.thread_id is None
    assert posted.author.id == "U0ALICE001" and not posted.mentions_bot
    assert posted.text.startswith("Hi everyone!")

    reply = event_of("event_message_thread_reply")
    assert isinstance(reply, MessagePosted)
    assert reply.message.thread_id == "1700000100.000200"
    broadcast = event_of("event_message_thread_reply", subtype="thread_broadcast")
    assert isinstance(broadcast, MessagePosted)


def test_app_mention_is_the_same_message_with_the_same_id() -> None:
    mention = event_of("event_app_mention")
    assert isinstance(mention, MessagePosted) and mention.mentions_bot
    assert mention.event_id == "msg:C0GENERAL1:1700000600.000900"
    assert mention.text == "@U0BOT00001 where do I find the code of conduct?"


def test_edit_and_deletion() -> None:
    edited = event_of("event_message_changed")
    assert isinstance(edited, MessageEdited)
    assert edited.message.id == "1700000100.000200" and "serde-ext" in edited.text
    assert edited.editor is not None and edited.editor.id == "U0ALICE001"

    body = load_fixture("event_message_changed")
    del body["event"]["message"]["edited"]  # an unfurl or a reply count, not an edit
    assert translate.event_callback(body, BOT, NOW) is None

    deleted = event_of("event_message_deleted")
    assert isinstance(deleted, MessageDeleted) and deleted.message.id == "1700000100.000200"


@pytest.mark.parametrize("changes", [
    {"subtype": "bot_message", "bot_id": "B0GITHUB01"},
    {"bot_id": "B0BOT00001"},
    {"user": "U0BOT00001"},
    {"subtype": "channel_join"},
    {"subtype": "channel_topic"},
])
def test_bots_and_notices_are_ignored(changes: dict[str, str]) -> None:
    assert event_of("event_message", **changes) is None


def test_file_share_and_me_message_are_posts() -> None:
    for subtype in ("file_share", "me_message"):
        assert isinstance(event_of("event_message", subtype=subtype), MessagePosted)


def test_reactions_use_unicode_for_known_names() -> None:
    added = event_of("event_reaction_added")
    assert isinstance(added, ReactionAdded) and added.emoji == "👋"
    assert added.message.id == "1700000100.000200" and added.user.id == "U0BOB00001"
    removed = event_of("event_reaction_removed", reaction="+1::skin-tone-3")
    assert isinstance(removed, ReactionRemoved) and removed.emoji == "👍"
    assert event_of("event_reaction_added", reaction="partyparrot").emoji == "partyparrot"
    on_file = event_of("event_reaction_added", item={"type": "file", "file": "F1"})
    assert on_file is None


def test_home_opened_only_for_the_home_tab() -> None:
    opened = event_of("event_app_home_opened")
    assert isinstance(opened, HomeOpened) and opened.user.id == "U0ALICE001"
    assert event_of("event_app_home_opened", tab="messages") is None


def test_slash_command_carries_its_response_url_and_trigger() -> None:
    form = load_fixture("command_community")
    command = interactive.slash_command(form, BOT, NOW)
    assert isinstance(command, CommandInvoked)
    assert (command.command, command.args) == ("community", "stats 7d")
    assert command.event_id == f"command:{form['trigger_id']}"
    assert command.channel.name == "general" and command.at == NOW
    assert command.interaction is not None
    assert command.interaction.token == form["response_url"]
    assert command.interaction.trigger == form["trigger_id"]
    dm = interactive.slash_command({**form, "channel_id": "D0X", "channel_name": "directmessage"},
                                 BOT, NOW)
    assert dm.channel.is_dm and dm.channel.name is None


def test_block_actions_shortcut_and_view_submission() -> None:
    [click] = interactive.block_actions(load_fixture("interaction_block_actions"), BOT, NOW)
    assert isinstance(click, ActionClicked)
    assert (click.action_id, click.value) == ("onboarding_done", "done")

    payload = load_fixture("interaction_block_actions")
    payload["actions"][0]["action_id"] = "flag_dismiss~2"  # a repeated id, made unique
    [repeated] = interactive.block_actions(payload, BOT, NOW)
    assert repeated.action_id == "flag_dismiss"

    shortcut = interactive.message_shortcut(load_fixture("interaction_message_action"), BOT, NOW)
    assert isinstance(shortcut, MessageShortcut)
    assert shortcut.shortcut_id == "flag_message" and shortcut.user.id == "U0BOB00001"
    assert shortcut.author is not None and shortcut.author.id == "U0ALICE001"
    assert shortcut.message.channel.id == "C0INTROS01"

    form = interactive.view_submission(load_fixture("interaction_view_submission"), BOT, NOW)
    assert isinstance(form, FormSubmitted)
    assert form.values == {"reason": "Spam link"} and form.form_id == "flag_message_modal"
    assert form.context.startswith('{"channel": "C0INTROS01"')


def test_form_values_of_every_input_kind() -> None:
    values = interactive.form_values({
        "reason": {"a": {"type": "static_select", "selected_option": {"value": "spam"}}},
        "who": {"b": {"type": "users_select", "selected_user": "U1"}},
        "tags": {"c": {"type": "multi_static_select",
                       "selected_options": [{"value": "x"}, {"value": "y"}]}},
        "empty": {"d": {"type": "plain_text_input", "value": None}},
    })
    assert values == {"reason": "spam", "who": "U1", "tags": "x,y", "empty": ""}


def test_slack_markup_becomes_readable_text() -> None:
    text = ("<@U1> see <#C1|help> or <https://example.org|the docs> &amp; <!here> "
            "<mailto:a@b.org|a@b.org> &lt;3 <!subteam^S1|@mods>")
    assert translate.plain_text(text) == (
        "@U1 see #help or the docs (https://example.org) & @here a@b.org <3 @mods"
    )


@pytest.mark.parametrize("body", [
    {"type": "event_callback", "event_id": "Ev1"},
    {"type": "event_callback", "event_id": "Ev1", "event": {"type": "message"}},
    {"type": "event_callback", "event": {"type": "team_join", "user": {"id": "U1"}}},
    {"type": "event_callback", "event_id": "Ev1", "event": {"type": "team_join", "user": "U1"}},
])
def test_malformed_events_raise(body: dict[str, Any]) -> None:
    with pytest.raises(Malformed):
        translate.event_callback(body, BOT, NOW)


def test_unroutable_payloads_are_named() -> None:
    assert translate.unroutable(load_fixture("event_message")) is None
    assert translate.unroutable(load_fixture("command_community")) is None
    for name in ("block_actions", "message_action", "view_submission"):
        assert translate.unroutable(load_fixture(f"interaction_{name}")) is None
    assert "app_rate_limited" in (translate.unroutable({"type": "app_rate_limited"}) or "")
    assert translate.unroutable({"type": "block_actions", "actions": []}) is not None
    assert translate.unroutable({"type": "view_submission", "view": {}}) is not None
