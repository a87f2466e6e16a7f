"""The fake Slack answers the real slack_sdk / slack_bolt clients the way Slack does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from .slack_server import FIXTURES_DIR, FakeSlack, load_fixture

BOT_TOKEN = "xoxb-1-fake-bot-token"
APP_TOKEN = "xapp-1-A0APP00001-fake-app-token"
SECRET = "fake-signing-secret"
ALICE, BOB, INTROS = "U0ALICE001", "U0BOB00001", "C0INTROS01"
EVENT_FIXTURES = sorted(p.stem for p in FIXTURES_DIR.glob("event_*.json"))


def seed(fake: FakeSlack) -> FakeSlack:
    fake.add_user(ALICE, "alice", real_name="Alice Example", email="alice@example.org")
    fake.add_user(BOB, "bob", is_admin=True)
    fake.add_channel(INTROS, "introductions", members=[ALICE, BOB, fake.bot_user_id])
    return fake


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield seed(server)


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)


async def until(predicate: Callable[[], Any], timeout: float = 2.0) -> None:
    """Tiny poll for work that a bot finishes after acking."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


# ---- Web API ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_post_message_and_read_it_back(fake: FakeSlack, client: AsyncWebClient) -> None:
    assert fake.base_url.endswith("/api/")
    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == (
        fake.team_id,
        fake.bot_user_id,
        fake.bot_id,
    )
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Welcome*"}}]
    metadata = {"event_type": "welcome_sent", "event_payload": {"user": ALICE}}
    first = await client.chat_postMessage(
        channel=INTROS, text="Welcome!", blocks=blocks, metadata=metadata
    )
    second = await client.chat_postMessage(channel="#introductions", text="Second")
    reply = await client.chat_postMessage(channel=INTROS, text="In thread", thread_ts=first["ts"])

    assert first["channel"] == INTROS and first["message"]["bot_id"] == fake.bot_id
    assert first["ts"] < second["ts"] < reply["ts"]
    assert first["ts"].startswith("1700000000.")

    history = await client.conversations_history(channel=INTROS)
    assert [m["text"] for m in history["messages"]] == ["Second", "Welcome!"]
    assert "metadata" not in history["messages"][1]
    assert history["messages"][1]["reply_count"] == 1
    with_meta = await client.conversations_history(channel=INTROS, include_all_metadata=True)
    assert with_meta["messages"][1]["metadata"] == metadata
    page = await client.conversations_history(channel=INTROS, limit=1)
    assert page["has_more"] and page["response_metadata"]["next_cursor"]
    thread = await client.conversations_replies(channel=INTROS, ts=first["ts"])
    assert [m["text"] for m in thread["messages"]] == ["Welcome!", "In thread"]

    posted = fake.messages(INTROS)
    assert [m["text"] for m in posted] == ["Welcome!", "Second", "In thread"]
    assert posted[0]["blocks"] == blocks and posted[2]["thread_ts"] == first["ts"]
    call = fake.calls_to("chat.postMessage")[0]
    assert call["params"]["blocks"] == blocks
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.token == BOT_TOKEN and call.status == 200 and call.time > 0


@pytest.mark.asyncio
async def test_form_encoded_body_with_token_field(fake: FakeSlack) -> None:
    anonymous = AsyncWebClient(base_url=fake.base_url)
    blocks = [{"type": "divider"}]
    data = {"token": BOT_TOKEN, "channel": INTROS, "text": "form", "blocks": json.dumps(blocks)}
    response = await anonymous.api_call("chat.postMessage", data=data)
    assert response["ok"]
    call = fake.calls_to("chat.postMessage")[-1]
    assert call.token == BOT_TOKEN and "token" not in call.params
    assert call.params["blocks"] == blocks
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


@pytest.mark.asyncio
async def test_errors_look_like_slack(fake: FakeSlack, client: AsyncWebClient) -> None:
    async def error_of(coro: Any) -> str:
        with pytest.raises(SlackApiError) as info:
            await coro
        return str(info.value.response["error"])

    assert await error_of(client.chat_postMessage(channel="C0MISSING1", text="x")) == (
        "channel_not_found"
    )
    assert await error_of(client.api_call("nope.nothing")) == "unknown_method"
    bogus = AsyncWebClient(token="not-a-slack-token", base_url=fake.base_url)
    assert await error_of(bogus.auth_test()) == "invalid_auth"
    assert await error_of(AsyncWebClient(base_url=fake.base_url).auth_test()) == "not_authed"
    assert await error_of(client.users_info(user="U0NOBODY01")) == "user_not_found"
    assert (await client.users_info(user=ALICE))["user"]["profile"]["email"] == (
        "alice@example.org"
    )
    fake.fail_next("chat.postMessage", error="is_archived")
    assert await error_of(client.chat_postMessage(channel=INTROS, text="x")) == "is_archived"
    assert (await client.chat_postMessage(channel=INTROS, text="x"))["ok"]


@pytest.mark.asyncio
async def test_conversations_open_gives_a_stable_dm(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    opened = await client.conversations_open(users=ALICE)
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    again = await client.conversations_open(users=[ALICE], return_im=True)
    assert again["channel"]["id"] == dm and again["already_open"]
    assert again["channel"]["is_im"] and again["channel"]["user"] == ALICE
    assert (await client.conversations_open(users=BOB))["channel"]["id"] != dm
    posted = await client.chat_postMessage(channel=ALICE, text="Hi in DM")
    assert posted["channel"] == dm
    assert [m["text"] for m in fake.messages(dm)] == ["Hi in DM"]
    info = await client.conversations_info(channel=dm)
    assert info["channel"]["is_im"]


@pytest.mark.asyncio
async def test_message_updates_reactions_views_and_permalinks(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel=INTROS, text="v1")
    ts = posted["ts"]
    updated = await client.chat_update(channel=INTROS, ts=ts, text="v2")
    assert updated["message"]["text"] == "v2" and "edited" in fake.messages(INTROS)[0]
    await client.reactions_add(channel=INTROS, timestamp=ts, name="wave")
    with pytest.raises(SlackApiError, match="already_reacted"):
        await client.reactions_add(channel=INTROS, timestamp=ts, name="wave")
    assert fake.messages(INTROS)[0]["reactions"][0]["count"] == 1
    await client.reactions_remove(channel=INTROS, timestamp=ts, name="wave")
    link = await client.chat_getPermalink(channel=INTROS, message_ts=ts)
    assert link["permalink"].endswith(f"/archives/{INTROS}/p{ts.replace('.', '')}")
    ephemeral = await client.chat_postEphemeral(channel=INTROS, user=ALICE, text="psst")
    assert fake.ephemerals[0]["ts"] == ephemeral["message_ts"]
    await client.chat_delete(channel=INTROS, ts=ts)
    assert fake.messages(INTROS) == []
    fake.add_message(INTROS, "hello from alice", user=ALICE)
    with pytest.raises(SlackApiError, match="cant_delete_message"):
        await client.chat_delete(channel=INTROS, ts=fake.messages(INTROS)[0]["ts"])

    modal = {"type": "modal", "callback_id": "m", "title": {"type": "plain_text", "text": "T"}}
    opened = await client.views_open(trigger_id="123.456.abc", view=modal)
    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "m"
    updated_view = await client.views_update(view_id=opened["view"]["id"], view=modal)
    assert updated_view["view"]["id"] == opened["view"]["id"]
    home = await client.views_publish(user_id=ALICE, view={"type": "home", "blocks": []})
    assert fake.home_views[ALICE]["id"] == home["view"]["id"]
    info = await client.conversations_info(channel=INTROS, include_num_members=True)
    assert info["channel"]["name"] == "introductions" and info["channel"]["num_members"] == 3


@pytest.mark.asyncio
async def test_files_upload_v2_and_v1(
    fake: FakeSlack, client: AsyncWebClient, tmp_path: Path
) -> None:
    uploaded = await client.files_upload_v2(
        channel=INTROS,
        content="week,joins\n47,12\n",
        filename="stats.csv",
        title="Weekly stats",
        initial_comment="Here are the stats",
    )
    file_id = uploaded["file"]["id"]
    assert fake.files[file_id]["content"] == b"week,joins\n47,12\n"
    assert fake.files[file_id]["title"] == "Weekly stats"
    message = fake.messages(INTROS)[-1]
    assert message["text"] == "Here are the stats" and message["files"][0]["id"] == file_id
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    path = tmp_path / "a.txt"
    path.write_bytes(b"raw bytes")
    legacy = await client.api_call(
        "files.upload", data={"channels": INTROS, "filename": "a.txt"}, files={"file": str(path)}
    )
    assert legacy["file"]["name"] == "a.txt"
    assert fake.files[legacy["file"]["id"]]["content"] == b"raw bytes"


# ---- rate limits ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_scripted_429_is_retried_by_the_sdk(fake: FakeSlack) -> None:
    retrying = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    response = await retrying.chat_postMessage(channel=INTROS, text="once")
    assert response["ok"]
    assert [m["text"] for m in fake.messages(INTROS)] == ["once"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert fake.rate_limited_count == 1

    plain = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    fake.fail_next("users.info", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        await plain.users_info(user=ALICE)
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"
    assert info.value.response.headers["Retry-After"] == "7"


@pytest.mark.asyncio
async def test_enforced_limits_answer_429_with_retry_after() -> None:
    now = [1000.0]
    async with FakeSlack(clock=lambda: now[0]) as fake:
        seed(fake)
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        fake.enable_rate_limits({"users.info": 2}, tiers=False, channel_burst=2)
        for _ in range(2):
            await client.chat_postMessage(channel=INTROS, text="burst")
        with pytest.raises(SlackApiError) as info:
            await client.chat_postMessage(channel=INTROS, text="too fast")
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "1"
        assert (await client.chat_postMessage(channel=fake.general_id, text="other"))["ok"]
        now[0] += 1.0
        assert (await client.chat_postMessage(channel=INTROS, text="later"))["ok"]

        await client.users_info(user=ALICE)
        await client.users_info(user=BOB)
        with pytest.raises(SlackApiError, match="ratelimited") as tier:
            await client.users_info(user=ALICE)
        assert tier.value.response.headers["Retry-After"] == "30"
        assert fake.rate_limited_count == 2
        assert [m["text"] for m in fake.messages(INTROS)] == ["burst", "burst", "later"]

        fake.enable_rate_limits()  # Slack's tiers: apps.connections.open is Tier 1
        app_client = AsyncWebClient(token=APP_TOKEN, base_url=fake.base_url)
        await app_client.apps_connections_open(app_token=APP_TOKEN)
        with pytest.raises(SlackApiError, match="ratelimited"):
            await app_client.apps_connections_open(app_token=APP_TOKEN)


# ---- Socket Mode ------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def socket_app(fake: FakeSlack) -> AsyncIterator[tuple[AsyncApp, list[Any]]]:
    app = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url), signing_secret=SECRET
    )
    seen: list[Any] = []

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], say: Any, request: Any) -> None:
        seen.append((event["text"], request.headers.get("x-slack-retry-num")))
        await say(text="The code of conduct is pinned in #general", thread_ts=event["ts"])

    @app.command("/community")
    async def on_command(ack: Any, command: dict[str, Any]) -> None:
        await ack(f"stats for {command['text']}")

    @app.shortcut("flag_message")
    async def on_flag(ack: Any, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        view = {"type": "modal", "callback_id": "flag_message_modal", "blocks": []}
        await client.views_open(trigger_id=shortcut["trigger_id"], view=view)

    handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN)
    await handler.connect_async()
    try:
        yield app, seen
    finally:
        await handler.close_async()


@pytest.mark.asyncio
async def test_socket_mode_events_api_envelope_runs_handler_and_acks(
    fake: FakeSlack, socket_app: tuple[AsyncApp, list[Any]]
) -> None:
    _, seen = socket_app
    assert fake.calls_to("apps.connections.open")[0].token == APP_TOKEN
    await fake.wait_socket_connected()
    payload = load_fixture("event_app_mention")
    future = await fake.push_socket_envelope("events_api", payload, retry_attempt=1)
    ack = await asyncio.wait_for(future, 2)
    assert ack == {"envelope_id": fake.socket.sent[-1]["envelope_id"]}
    await until(lambda: fake.messages(fake.general_id))
    reply = fake.messages(fake.general_id)[0]
    assert reply["thread_ts"] == payload["event"]["ts"] and reply["bot_id"] == fake.bot_id
    assert seen == [(payload["event"]["text"], ["1"])]
    assert fake.socket_acks == [ack]


@pytest.mark.asyncio
async def test_socket_mode_command_ack_payload_and_shortcut(
    fake: FakeSlack, socket_app: tuple[AsyncApp, list[Any]]
) -> None:
    command = load_fixture("command_community")
    ack = await asyncio.wait_for(await fake.push_socket_envelope("slash_commands", command), 2)
    assert ack["payload"] == {"text": "stats for stats 7d"}
    shortcut = load_fixture("interaction_message_action")
    ack = await asyncio.wait_for(await fake.push_socket_envelope("interactive", shortcut), 2)
    assert "payload" not in ack
    await until(lambda: fake.calls_to("views.open"))
    assert fake.calls_to("views.open")[0].params["trigger_id"] == shortcut["trigger_id"]
    assert fake.socket.sent[0]["accepts_response_payload"] is True


@pytest.mark.asyncio
async def test_socket_mode_client_reconnects_when_asked(
    fake: FakeSlack, socket_app: tuple[AsyncApp, list[Any]]
) -> None:
    first = await fake.socket.wait_connected()
    await fake.socket.send_disconnect()
    await until(lambda: fake.socket.connections[-1:] not in ([], [first]))
    assert len(fake.calls_to("apps.connections.open")) == 2
    future = await fake.push_socket_envelope("events_api", load_fixture("event_app_mention"))
    assert (await asyncio.wait_for(future, 2))["envelope_id"] == fake.socket.sent[-1]["envelope_id"]


# ---- HTTP delivery with fixtures --------------------------------------------------------------


@pytest_asyncio.fixture
async def http_bot(fake: FakeSlack) -> AsyncIterator[tuple[str, list[Any]]]:
    app = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url), signing_secret=SECRET
    )
    seen: list[Any] = []
    for event_type in (
        "team_join",
        "member_joined_channel",
        "message",
        "reaction_added",
        "reaction_removed",
        "app_mention",
        "app_home_opened",
    ):

        @app.event(event_type)
        async def on_event(event: dict[str, Any], request: Any) -> None:
            retry = request.headers.get("x-slack-retry-num")
            seen.append((event["type"], event.get("subtype"), retry))

    @app.command("/community")
    async def on_command(ack: Any, command: dict[str, Any]) -> None:
        await ack(f"stats for {command['text']}")

    @app.action("onboarding_done")
    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        seen.append(("block_actions", body["actions"][0]["value"], None))

    @app.shortcut("flag_message")
    async def on_shortcut(ack: Any, shortcut: dict[str, Any]) -> None:
        await ack()
        seen.append(("message_action", shortcut["message"]["ts"], None))

    @app.view("flag_message_modal")
    async def on_view(ack: Any, view: dict[str, Any]) -> None:
        await ack()
        seen.append(("view_submission", view["state"]["values"]["reason"], None))

    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events", seen
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_event_fixtures_reach_bolt_listeners_over_http(
    fake: FakeSlack, http_bot: tuple[str, list[Any]]
) -> None:
    url, seen = http_bot
    for name in EVENT_FIXTURES:
        delivery = await fake.deliver_event(url, load_fixture(name), SECRET)
        assert delivery.status == 200, (name, delivery.body)
    await until(lambda: len(seen) == len(EVENT_FIXTURES))
    assert sorted((kind, sub or "") for kind, sub, _ in seen) == sorted(
        [
            ("app_home_opened", ""),
            ("app_mention", ""),
            ("member_joined_channel", ""),
            ("message", ""),
            ("message", ""),
            ("message", "bot_message"),
            ("message", "message_changed"),
            ("message", "message_deleted"),
            ("reaction_added", ""),
            ("reaction_removed", ""),
            ("team_join", ""),
        ]
    )
    retried = await fake.deliver_event(url, load_fixture("event_app_mention"), SECRET, retry_num=2)
    assert retried.request_headers["X-Slack-Retry-Reason"] == "http_timeout"
    await until(lambda: any(retry == ["2"] for *_, retry in seen))


@pytest.mark.asyncio
async def test_signatures_commands_and_interactions_over_http(
    fake: FakeSlack, http_bot: tuple[str, list[Any]]
) -> None:
    url, seen = http_bot
    payload = load_fixture("event_message")
    assert (await fake.deliver_event(url, payload, SECRET, bad_signature=True)).status == 401
    stale = int(time.time()) - 600
    assert (await fake.deliver_event(url, payload, SECRET, timestamp=stale)).status == 401

    command = await fake.deliver_command(url, load_fixture("command_community"), SECRET)
    assert command.status == 200 and command.body == "stats for stats 7d"
    for name in ("block_actions", "message_action", "view_submission"):
        delivery = await fake.deliver_interaction(url, load_fixture(f"interaction_{name}"), SECRET)
        assert delivery.status == 200, (name, delivery.body)
    await until(lambda: len(seen) == 3)
    assert [kind for kind, *_ in seen] == ["block_actions", "message_action", "view_submission"]
    assert len(fake.deliveries) == 6


def test_fixtures_are_shaped_like_slack_payloads() -> None:
    event_ids = set()
    for name in EVENT_FIXTURES:
        envelope = load_fixture(name)
        assert envelope["type"] == "event_callback"
        assert envelope["team_id"] == "T0FAKE0001" and envelope["api_app_id"] == "A0APP00001"
        assert envelope["authorizations"][0]["user_id"] == "U0BOT00001"
        assert isinstance(envelope["event_time"], int) and "type" in envelope["event"]
        event_ids.add(envelope["event_id"])
    assert len(event_ids) == len(EVENT_FIXTURES) == 11
    command = load_fixture("command_community")
    assert all(isinstance(value, str) for value in command.values())
    assert {"command", "text", "response_url", "trigger_id", "user_id"} <= set(command)
    for name in ("block_actions", "message_action", "view_submission"):
        payload = load_fixture(f"interaction_{name}")
        assert payload["type"] == name and payload["team"]["id"] == "T0FAKE0001"
    assert load_fixture("interaction_message_action")["callback_id"] == "flag_message"


@pytest.mark.asyncio
async def test_socket_close_and_stop_are_clean() -> None:
    fake = await FakeSlack().start()
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(fake.socket_url)
        hello = await ws.receive_json()
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == fake.app_id
        future = await fake.push_socket_envelope("events_api", {"type": "event_callback"})
        envelope = await ws.receive_json()
        assert envelope["retry_attempt"] == 0 and envelope["accepts_response_payload"] is False
        await ws.send_json({"envelope_id": envelope["envelope_id"]})
        assert (await asyncio.wait_for(future, 2))["envelope_id"] == envelope["envelope_id"]
        await fake.stop()
        assert (await ws.receive()).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
