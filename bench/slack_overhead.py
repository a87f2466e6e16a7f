"""Slack adapter overhead: the same signed Events API deliveries (messages in a few channels,
thread replies, reactions; 10,000, or 1,000 at the quick size) POSTed by one aiohttp client with
16 in flight, first to a bare slack-bolt `AsyncApp` whose listeners only ack, then to our
`SlackAdapter` with the whole bot behind it (translation, names, router, handlers, store on a
SQLite file). Both are served the same way (aiohttp on 127.0.0.1, `POST /slack/events`, bolt's
signature check, `process_before_response`), both learn who they are from a fake Slack's
`auth.test`, and ours looks names up there too. `python -m bench.slack_overhead [--full]`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bench.harness import Row, stopwatch
from bot.app import build, open_store
from bot.clock import Clock, SystemClock
from bot.community_config import CommunityConfig, load_community_config
from bot.context import BotContext
from bot.platforms.slack.adapter import EVENTS_PATH, SlackAdapter
from bot.settings import Settings
from storage.models import Message, ProcessedEvent, Reaction
from tests.fakes.slack_delivery import sign_headers
from tests.fakes.slack_server import FakeSlack

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-1-bench-bot-token"
IN_FLIGHT = 16
START_TS = 1_772_442_000  # 2026-03-02 09:00 UTC
CHANNELS = ("general", "help", "introductions", "random", "releases", "ci", "docs", "events")
PHRASES = (
    "How do I configure the exporter for Kafka?", "thanks, that worked!",
    "Has anyone seen this error: Traceback (most recent call last)", "Good morning all",
    "We shipped the new release today, notes in the blog", "Anyone know why CI is red?",
    "I think the docs cover it in the deployment section", "lol same here",
)
EMOJI = ("white_check_mark", "tada", "eyes", "+1", "heart")


def channel_id(index: int) -> str:
    return f"C0BENCH{index:03d}"


def user_id(index: int) -> str:
    return f"U0BENCH{index:05d}"


def seed_workspace(fake: FakeSlack, users: int) -> None:
    """The channels and members the deliveries mention, so name lookups find them."""
    for index, name in enumerate(CHANNELS):
        fake.add_channel(channel_id(index), name)
    for index in range(users):
        fake.add_user(user_id(index), f"member{index}")


def _envelope(fake: FakeSlack, n: int, event: dict[str, Any]) -> dict[str, Any]:
    """Shaped like tests/fixtures/slack/event_*.json; event ids unique and deterministic."""
    return {
        "token": "fakeVerificationToken", "team_id": fake.team_id,
        "context_team_id": fake.team_id, "context_enterprise_id": None,
        "api_app_id": fake.app_id, "event": event, "type": "event_callback",
        "event_id": f"Ev0B{n:08d}", "event_time": int(float(event["event_ts"])),
        "authorizations": [{"enterprise_id": None, "team_id": fake.team_id,
                            "user_id": fake.bot_user_id, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": f"4-bench-{n}",
    }


@dataclass
class Deliveries:
    bodies: list[str]
    messages: int
    reactions: int


def synthetic_deliveries(fake: FakeSlack, count: int, *, users: int = 500,
                         seed: int = 11) -> Deliveries:
    """Messages in 8 channels from `users` members, a third of them thread replies, and a
    reaction (a distinct one) after every tenth; deterministic for a given seed. Reactions and
    replies point at messages at least 50 deliveries older, so with 16 in flight they never
    arrive before the message they refer to."""
    rng = random.Random(seed)
    roots: list[tuple[str, str]] = []  # (channel, ts)
    reacted: set[tuple[str, str, str, str]] = set()
    bodies: list[str] = []
    messages = 0
    for n in range(count):
        ts = f"{START_TS + n // 10}.{n % 10:06d}"
        author = user_id(rng.randrange(users))
        old = roots[:-50]
        if n % 10 == 9 and old:
            channel, root_ts = rng.choice(old)
            while True:
                who, emoji = user_id(rng.randrange(users)), rng.choice(EMOJI)
                if (channel, root_ts, who, emoji) not in reacted:
                    reacted.add((channel, root_ts, who, emoji))
                    break
            event: dict[str, Any] = {
                "type": "reaction_added", "user": who, "reaction": emoji,
                "item": {"type": "message", "channel": channel, "ts": root_ts},
                "item_user": author, "event_ts": ts,
            }
        else:
            text = rng.choice(PHRASES)
            event = {
                "client_msg_id": f"bench-{n}", "type": "message", "text": text, "user": author,
                "ts": ts, "team": fake.team_id, "event_ts": ts, "channel_type": "channel",
                "blocks": [{"type": "rich_text", "block_id": f"b{n}", "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]},
                ]}],
            }
            if old and rng.random() < 0.33:
                channel, root_ts = rng.choice(old[-200:])
                event.update(channel=channel, thread_ts=root_ts, parent_user_id=author)
            else:
                channel = channel_id(rng.randrange(len(CHANNELS)))
                event["channel"] = channel
                roots.append((channel, ts))
            messages += 1
        bodies.append(json.dumps(_envelope(fake, n, event)))
    return Deliveries(bodies, messages, count - messages)


# --- serving and sending --------------------------------------------------------------------


@asynccontextmanager
async def serve(app: AsyncApp) -> AsyncIterator[str]:
    """Serve a bolt app the way SlackAdapter serves its own; yields the events URL."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post(EVENTS_PATH, events)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}{EVENTS_PATH}"
    finally:
        await runner.cleanup()


async def post_all(url: str, bodies: list[str], *, in_flight: int = IN_FLIGHT) -> tuple[
    float, list[int]
]:
    """POST every body, signed now (not timed), `in_flight` at a time; (seconds, statuses)."""
    now = int(time.time())
    signed = [(body.encode(), {"Content-Type": "application/json",
                               **sign_headers(body, SECRET, now)}) for body in bodies]
    statuses = [0] * len(signed)
    queue = iter(enumerate(signed))
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for index, (data, headers) in queue:
                async with session.post(url, data=data, headers=headers) as response:
                    await response.read()
                    statuses[index] = response.status

        with stopwatch() as elapsed:
            await asyncio.gather(*(worker() for _ in range(in_flight)))
    return elapsed(), statuses


def bare_bolt(fake: FakeSlack) -> AsyncApp:
    """slack-bolt with listeners that only ack, checking signatures like ours."""
    app = AsyncApp(signing_secret=SECRET, process_before_response=True,
                   client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url))

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    app.event(re.compile(".*"))(only_ack)
    return app


# --- the whole bot on Slack -----------------------------------------------------------------


@asynccontextmanager
async def slack_bot(
    fake: FakeSlack, db: Path, *, config: CommunityConfig | None = None,
    clock: Clock | None = None, prepare: Callable[[SlackAdapter], None] | None = None,
) -> AsyncIterator[tuple[BotContext, SlackAdapter]]:
    """Our SlackAdapter in HTTP mode on port 0 with the whole bot and its sender running.
    `prepare` may adjust the adapter (its pace) before the sender is built from it."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,
        slack_api_base_url=fake.base_url, slack_http_port=0,
    )
    adapter = SlackAdapter(settings, host="127.0.0.1")
    if prepare is not None:
        prepare(adapter)
    store = open_store(f"sqlite:///{db}")
    ctx = build(config or load_community_config(None), store, {"slack": adapter.chat},
                clock=clock or SystemClock())
    assert ctx.sender is not None
    await adapter.start(ctx)
    await ctx.sender.start()
    try:
        yield ctx, adapter
    finally:
        await ctx.sender.stop()
        await adapter.stop()
        store.dispose()


def count(ctx: BotContext, model: Any) -> int:
    with ctx.store.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


async def measure(deliveries: int) -> Row:
    async with FakeSlack() as fake:
        seed_workspace(fake, users=500)
        data = synthetic_deliveries(fake, deliveries)
        async with serve(bare_bolt(fake)) as url:
            await post_all(url, data.bodies[:50])  # warm up: auth.test, connections
            bare_seconds, bare_statuses = await post_all(url, data.bodies)
        with tempfile.TemporaryDirectory() as tmp:
            async with slack_bot(fake, Path(tmp) / "bot.db") as (ctx, adapter):
                url = f"http://127.0.0.1:{adapter.port}{EVENTS_PATH}"
                ours_seconds, ours_statuses = await post_all(url, data.bodies)
                stored = {"events": count(ctx, ProcessedEvent), "messages": count(ctx, Message),
                          "reactions": count(ctx, Reaction)}
                duplicates, rejected = ctx.router.stats.duplicates, ctx.router.stats.rejected
    for name, statuses in (("bare bolt", bare_statuses), ("ours", ours_statuses)):
        refused = [s for s in statuses if s != 200]
        if refused:
            raise RuntimeError(f"{name}: {len(refused)} deliveries not answered 200: "
                               f"{sorted(set(refused))}")
    expected = {"events": deliveries, "messages": data.messages, "reactions": data.reactions}
    if stored != expected or duplicates or rejected:
        raise RuntimeError(f"ours stored {stored}, expected {expected} "
                           f"({duplicates} duplicates, {rejected} rejected)")
    return Row(
        f"Slack HTTP deliveries through the whole bot ({deliveries:,})", deliveries / ours_seconds,
        "deliveries/s", deliveries / bare_seconds, "bare slack-bolt app that only acks",
        target="≥ 0.5× (≤ 2× bare)",
        notes=f"{IN_FLIGHT} in flight; all 200; {data.messages:,} messages and "
              f"{data.reactions:,} reactions stored once",
    )


def run(full: bool = False) -> list[Row]:
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    return [asyncio.run(measure(10_000 if full else 1_000))]


if __name__ == "__main__":
    import sys

    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
