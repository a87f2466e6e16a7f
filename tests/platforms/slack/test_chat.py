"""SlackChat, the Chat port on the Web API, and its name directory, against the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.chat import (
    DirectMessagesBlocked,
    Form,
    FormField,
    PermanentError,
    RateLimited,
    TransientError,
    Unsupported,
)
from bot.events import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef
from bot.platforms.slack import render
from bot.platforms.slack.chat import SentTarget, SlackChat
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.web import MethodLimits, SlackWeb, api_base_url, make_client
from bot.text import Button, Link, Text
from tests.fakes.slack_server import FakeSlack
from tests.platforms.slack.conftest import (
    ALICE,
    BOB,
    BOT_TOKEN,
    HELP,
    INTROS,
    ResponseUrls,
)

COMMUNITY = CommunityRef("slack", "T0FAKE0001")
ALICE_REF = UserRef(ALICE, "alice")


def make_chat(fake: FakeSlack, limits: MethodLimits | None = None) -> SlackChat:
    web = SlackWeb(make_client(BOT_TOKEN, fake.base_url), limits)
    chat = SlackChat(web, SlackDirectory(web))
    chat.attach(fake.bot_user_id, None)
    return chat


@pytest.fixture
def chat(fake: FakeSlack) -> SlackChat:
    return make_chat(fake)


def channel(channel_id: str) -> ChannelRef:
    return ChannelRef(id=channel_id)


# --- rendering -------------------------------------------------------------------------------


async def test_mentions_links_and_escaping_are_rendered_as_slack_mrkdwn(
    fake: FakeSlack, chat: SlackChat,
) -> None:
    text = Text.of("Hi {user}, ask in {help} or {gone} & read {docs} <3",
                   user=ALICE_REF, help=ChannelRef(id="", name="help"),
                   gone=ChannelRef(id="", name="nope"), docs=Link("https://x.org/a|b", "the docs"))
    await chat.post(channel(INTROS), text, thread_id=None, key="k1")

    [message] = fake.messages(INTROS)
    assert message["text"] == (
        f"Hi <@{ALICE}>, ask in <#{HELP}> or #nope &amp; read "
        "<https://x.org/a%7Cb|the docs> &lt;3"
    )
    assert "blocks" not in message


async def test_buttons_become_an_actions_block_with_unique_action_ids(
    fake: FakeSlack, chat: SlackChat,
) -> None:
    text = Text(("Case #4: flagged twice",)).with_buttons(
        Button("case", "Dismiss", "dismiss:4"), Button("case", "Remove", "remove:4", "danger"),
    )
    await chat.post(channel(INTROS), text, thread_id=None, key="k1")

    section, actions = fake.messages(INTROS)[0]["blocks"]
    assert section["text"] == {"type": "mrkdwn", "text": "Case #4: flagged twice"}
    assert [e["action_id"] for e in actions["elements"]] == ["case", "case~2"]
    assert actions["elements"][1]["style"] == "danger"
    assert actions["elements"][1]["value"] == "remove:4"


def test_huge_text_is_cut_to_slacks_limits() -> None:
    body = render.mrkdwn(Text(("🦀 line\n" * 10_000,)))
    assert len(body) <= render.MAX_TEXT
    blocks = render.blocks(body, [Button("a", "x" * 200)] * 30)
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000
                                     for b in blocks if b["type"] == "section")
    assert [len(b["elements"]) for b in blocks if b["type"] == "actions"] == [25, 5]
    assert len(blocks[-1]["elements"][0]["text"]["text"]) <= 75


# --- posting, DMs, recovery ------------------------------------------------------------------


async def test_post_in_a_thread_and_dms_through_one_conversations_open(
    fake: FakeSlack, chat: SlackChat,
) -> None:
    root = await chat.post(channel(INTROS), Text(("root",)), thread_id=None, key="root")
    reply = await chat.post(channel(INTROS), Text(("reply",)), thread_id=root.id, key="reply")
    assert reply.thread_id == root.id
    assert fake.messages(INTROS)[1]["thread_ts"] == root.id

    first = await chat.dm(ALICE_REF, Text(("one",)), key="dm1")
    second = await chat.dm(ALICE_REF, Text(("two",)), key="dm2")
    assert first.channel.id == second.channel.id and first.channel.is_dm
    assert len(fake.calls_to("conversations.open")) == 1
    assert [m["text"] for m in fake.messages(first.channel.id)] == ["one", "two"]


async def test_find_sent_recovers_a_message_by_its_outbox_key(
    fake: FakeSlack, chat: SlackChat,
) -> None:
    sent = await chat.post(channel(INTROS), Text(("hello",)), thread_id=None, key="post:1")
    in_thread = await chat.post(channel(INTROS), Text(("re",)), thread_id=sent.id, key="post:2")
    dm = await chat.dm(ALICE_REF, Text(("psst",)), key="dm:1")
    assert (await chat.find_sent("post", "post:1")) == sent
    assert (await chat.find_sent("post", "post:2")) == in_thread
    assert (await chat.find_sent("post", "never-sent")) is None

    restarted = make_chat(fake)  # a new process knows nothing but what the store says

    async def recall(key: str) -> SentTarget | None:
        return {"post:1": SentTarget(channel=ChannelRef(id="", name="introductions")),
                "dm:1": SentTarget(user_id=ALICE)}.get(key)

    restarted.attach(fake.bot_user_id, recall)
    found = await restarted.find_sent("post", "post:1")
    assert found is not None and found.id == sent.id
    found_dm = await restarted.find_sent("dm", "dm:1")
    assert found_dm is not None and found_dm.id == dm.id


async def test_upload_shares_a_file_and_is_found_again_by_name(
    fake: FakeSlack, chat: SlackChat,
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    ref = await chat.upload(channel(INTROS), "digest-2026-01-05.png", png,
                            Text(("Weekly digest for {user}",)), key="up:1")
    [message] = fake.messages(INTROS)
    assert ref.id == message["ts"] and message["text"] == "Weekly digest for {user}"
    [file] = message["files"]
    assert fake.files[file["id"]]["content"] == png

    restarted = make_chat(fake)

    async def recall(key: str) -> SentTarget | None:
        return SentTarget(channel=channel(INTROS), filename="digest-2026-01-05.png")

    restarted.attach(fake.bot_user_id, recall)
    assert await restarted.find_sent("upload", "up:1") == ref


async def test_not_in_a_public_channel_joins_it_and_posts(fake: FakeSlack, chat: SlackChat) -> None:
    fake.add_channel("C0OUTSIDE1", "outside", is_member=False)
    await chat.post(channel("C0OUTSIDE1"), Text(("hi",)), thread_id=None, key="k")
    assert len(fake.calls_to("conversations.join")) == 1
    assert [m["text"] for m in fake.messages("C0OUTSIDE1")] == ["hi"]


# --- errors ----------------------------------------------------------------------------------


async def test_slack_errors_map_onto_the_chat_ports(fake: FakeSlack, chat: SlackChat) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(RateLimited) as limited:
        await chat.post(channel(INTROS), Text(("x",)), thread_id=None, key="a")
    assert limited.value.retry_after == 7 and not limited.value.is_global

    fake.fail_next("reactions.add", status=429, retry_after=2)
    with pytest.raises(RateLimited) as tiered:
        await chat.react(MessageRef(channel(INTROS), "1.0"), "✅")
    assert tiered.value.is_global  # a method tier is workspace-wide

    fake.fail_next("chat.postMessage", status=503)
    with pytest.raises(TransientError):
        await chat.post(channel(INTROS), Text(("x",)), thread_id=None, key="b")
    with pytest.raises(PermanentError, match="channel_not_found"):
        await chat.post(channel("C0MISSING1"), Text(("x",)), thread_id=None, key="c")

    fake.fail_next("chat.postMessage", error="messages_tab_disabled")
    with pytest.raises(DirectMessagesBlocked):
        await chat.dm(ALICE_REF, Text(("x",)), key="d")


async def test_inbound_lookups_never_wait_for_a_spent_method_budget(fake: FakeSlack) -> None:
    chat = make_chat(fake, MethodLimits({"users.info": 1}))
    first = await chat.directory.user(ALICE)
    assert first.name == "alice"
    second = await chat.directory.user(BOB)  # budget spent: the bare id, at once
    assert second == UserRef(BOB)
    assert len(fake.calls_to("users.info")) == 1
    assert await chat.directory.user(ALICE) == first  # cached


# --- ephemeral, reactions, edits ---------------------------------------------------------------


async def test_ephemeral_goes_to_the_response_url_then_falls_back(
    fake: FakeSlack, chat: SlackChat, hooks: ResponseUrls,
) -> None:
    interaction = InteractionRef(token=hooks.url(), trigger="t")
    await chat.ephemeral(channel(INTROS), ALICE_REF, Text(("only you",)),
                         interaction=interaction, key="e1")
    assert hooks.received[0]["text"] == "only you"
    assert hooks.received[0]["response_type"] == "ephemeral"

    hooks.status = 404  # the response_url expired (30 minutes, five uses)
    await chat.ephemeral(channel(INTROS), ALICE_REF, Text(("later",)),
                         interaction=interaction, key="e2")
    assert [e["text"] for e in fake.ephemerals] == ["later"]

    await chat.ephemeral(channel("C0MISSING1"), ALICE_REF, Text(("where?",)),
                         interaction=None, key="e3")
    dm = next(c["id"] for c in fake.channels.values() if c.get("user") == ALICE)
    assert [m["text"] for m in fake.messages(dm)] == ["where?"]


async def test_reactions_updates_and_deletions(fake: FakeSlack, chat: SlackChat) -> None:
    ref = await chat.post(channel(INTROS), Text(("v1",)), thread_id=None, key="k")
    await chat.react(ref, "✅")
    await chat.react(ref, "✅")  # already reacted: fine
    assert fake.messages(INTROS)[0]["reactions"][0]["name"] == "white_check_mark"
    await chat.unreact(ref, "white_check_mark", None)
    with pytest.raises(Unsupported):
        await chat.unreact(ref, "✅", ALICE_REF)
    with pytest.raises(PermanentError, match="no Slack reaction name"):
        await chat.react(ref, "🫠")

    await chat.update(ref, Text(("v2",)).with_buttons(Button("ok", "OK")))
    assert fake.messages(INTROS)[0]["text"] == "v2"
    await chat.delete(ref)
    await chat.delete(ref)  # already gone: fine
    members = fake.add_message(INTROS, "a member's message", user=ALICE)
    with pytest.raises(PermanentError, match="only its own messages"):
        await chat.delete(MessageRef(channel(INTROS), members["ts"]))


# --- forms, home, what Slack cannot do -------------------------------------------------------


async def test_forms_open_as_modals_and_home_is_published(fake: FakeSlack, chat: SlackChat) -> None:
    form = Form("flag", "Flag this message, please", (
        FormField("reason", "Why?", kind="select", options=(("spam", "Spam"), ("rude", "Rude"))),
        FormField("note", "Anything else?", kind="multiline", required=False),
    ), context="C1:1.0")
    with pytest.raises(PermanentError):
        await chat.open_form(InteractionRef(token=""), form)
    await chat.open_form(InteractionRef(token="", trigger="trig-1"), form)
    view = fake.calls_to("views.open")[0].params["view"]
    assert view["callback_id"] == "flag" and view["private_metadata"] == "C1:1.0"
    assert len(view["title"]["text"]) <= 24
    assert view["blocks"][0]["element"]["options"][1]["value"] == "rude"
    assert view["blocks"][1]["optional"] is True

    await chat.publish_home(ALICE_REF, Text(("Your checklist",)))
    assert fake.home_views[ALICE]["blocks"][0]["text"]["text"] == "Your checklist"

    with pytest.raises(Unsupported):
        await chat.timeout(COMMUNITY, ALICE_REF, datetime(2026, 1, 1, tzinfo=UTC))


async def test_channels_resolve_by_name_through_one_cached_list(
    fake: FakeSlack, chat: SlackChat,
) -> None:
    found = await chat.resolve_channel(COMMUNITY, "#Introductions")
    assert found is not None and found.id == INTROS
    moderators = await chat.resolve_channel(COMMUNITY, "moderators")
    assert moderators is not None and moderators.is_private
    assert await chat.resolve_channel(COMMUNITY, "nowhere") is None
    assert len(fake.calls_to("conversations.list")) == 1  # a miss lists again only later


def test_api_base_url_keeps_the_trailing_slash() -> None:
    assert api_base_url("http://127.0.0.1:1/api") == "http://127.0.0.1:1/api/"
    assert api_base_url(None) == "https://slack.com/api/"
