"""Slack adapter overhead: the same signed Events API deliveries (messages in a few channels,
thread replies, reactions; 10,000, or 1,000 at the quick size) POSTed by one aiohttp client with
16 in flight to a bare slack-bolt `AsyncApp` whose listeners only ack, and to our `SlackAdapter`
with the whole bot behind it (translation, names, router, handlers, store on a SQLite file).
Both are served the same way (aiohttp on 127.0.0.1, `POST /slack/events`, bolt's signature
check, `process_before_response`), both learn who they are from a fake Slack's `auth.test`,
and ours looks names up there too. The client runs in its own process, as Slack does not share
the bot's CPU; 50 deliveries warm each server up before timing.

All the servers run at once and the client takes them in turn, a chunk of deliveries each (the
order rotating every turn): a shared machine's speed moves within seconds, and this way it
moves under every server alike. A third server, our adapter with the router stubbed out,
splits the overhead into what bolt plus the adapter cost and what the bot behind them costs.
`python -m bench.slack_overhead [--full]`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import quantiles
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bench.harness import Row, stopwatch
from bot.app import build, freeze_startup_objects, open_store
from bot.clock import Clock, SystemClock
from bot.community_config import CommunityConfig, load_community_config
from bot.context import BotContext
from bot.events import Event
from bot.platforms.slack.adapter import EVENTS_PATH, SlackAdapter
from bot.router import DispatchResult
from bot.settings import Settings
from storage.models import Message, ProcessedEvent, Reaction
from tests.fakes.slack_delivery import sign_headers
from tests.fakes.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-1-bench-bot-token"
IN_FLIGHT = 16
WARM_UP = 50  # deliveries sent before timing: connections, auth.test, the first lookups
CHUNKS = 20  # turns per round: each server takes 1/CHUNKS of the deliveries per turn
ROUNDS = 3  # each with fresh stores
USERS = 500
TEAM_ID, APP_ID, BOT_USER_ID = "T0FAKE0001", "A0APP00001", "U0BOT00001"  # FakeSlack's defaults
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


def seed_workspace(fake: FakeSlack, users: int = USERS) -> None:
    """The channels and members the deliveries mention, so name lookups find them."""
    for index, name in enumerate(CHANNELS):
        fake.add_channel(channel_id(index), name)
    for index in range(users):
        fake.add_user(user_id(index), f"member{index}")


def _envelope(n: int, event: dict[str, Any]) -> dict[str, Any]:
    """Shaped like tests/fixtures/slack/event_*.json for FakeSlack's default workspace; event
    ids unique and deterministic."""
    return {
        "token": "fakeVerificationToken", "team_id": TEAM_ID, "context_team_id": TEAM_ID,
        "context_enterprise_id": None, "api_app_id": APP_ID, "event": event,
        "type": "event_callback", "event_id": f"Ev0B{n:08d}",
        "event_time": int(float(event["event_ts"])),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": f"4-bench-{n}",
    }


@dataclass
class Deliveries:
    bodies: list[str]
    messages: int
    reactions: int


def synthetic_deliveries(count: int, *, users: int = USERS, seed: int = 11) -> Deliveries:
    """Messages in 8 channels from `users` members, a third of them thread replies, and a
    reaction (each a distinct one) after every tenth; deterministic for a given seed.
    Reactions and replies point at messages at least 50 deliveries older, so with 16 in
    flight they never arrive before the message they refer to."""
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
                "ts": ts, "team": TEAM_ID, "event_ts": ts, "channel_type": "channel",
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
        bodies.append(json.dumps(_envelope(n, event)))
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


def client_session(in_flight: int) -> aiohttp.ClientSession:
    """One client's connection pool: `in_flight` connections to a server at most."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight))


async def post_all(
    url: str, bodies: list[str], *, in_flight: int = IN_FLIGHT,
    session: aiohttp.ClientSession | None = None,
) -> tuple[float, dict[int, int]]:
    """POST every body, signed just before (not timed), `in_flight` at a time, through one
    aiohttp session (`session`, or a new one); returns the seconds taken and how many got each
    HTTP status."""
    if session is None:
        async with client_session(in_flight) as session:
            return await post_all(url, bodies, in_flight=in_flight, session=session)
    now = int(time.time())
    signed = [(body.encode(), {"Content-Type": "application/json",
                               **sign_headers(body, SECRET, now)}) for body in bodies]
    statuses: Counter[int] = Counter()
    queue = iter(signed)

    async def worker() -> None:
        for data, headers in queue:
            async with session.post(url, data=data, headers=headers) as response:
                await response.read()
                statuses[response.status] += 1

    with stopwatch() as elapsed:
        await asyncio.gather(*(worker() for _ in range(in_flight)))
    return elapsed(), dict(statuses)


def client(urls: list[str], deliveries: int, chunks: int) -> None:
    """The client process: warm each server up, then send each the same `deliveries` in
    `chunks` turns, the servers taking turns in an order that rotates; prints JSON: every
    chunk's seconds per server, and the statuses answered."""
    bodies = synthetic_deliveries(WARM_UP + deliveries).bodies
    size = -(-deliveries // chunks)

    async def in_turns() -> tuple[list[list[float]], Counter[int]]:
        seconds: list[list[float]] = [[] for _ in urls]
        statuses: Counter[int] = Counter()
        sessions = [client_session(IN_FLIGHT) for _ in urls]
        try:
            for url, session in zip(urls, sessions, strict=True):
                await post_all(url, bodies[:WARM_UP], session=session)
            for turn, start in enumerate(range(WARM_UP, WARM_UP + deliveries, size)):
                for index in _rotated(range(len(urls)), turn):
                    took, answered = await post_all(urls[index], bodies[start:start + size],
                                                    session=sessions[index])
                    seconds[index].append(took)
                    statuses.update(answered)
        finally:
            for session in sessions:
                await session.close()
        return seconds, statuses

    seconds, statuses = asyncio.run(in_turns())
    print(json.dumps({"seconds": seconds, "statuses": statuses}))


def _rotated(indices: range, turn: int) -> list[int]:
    shift = turn % len(indices)
    return [*indices[shift:], *indices[:shift]]


async def deliver_in_turns(urls: list[str], deliveries: int, chunks: int
                           ) -> list[list[float]]:
    """Run `client` in its own process (Slack is not on the bot's CPU); each server's chunk
    seconds, in the order of `urls`."""
    code = f"from bench.slack_overhead import client\nclient({urls!r}, {deliveries}, {chunks})"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    out, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"the delivering client failed (exit {process.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    refused = {s: n for s, n in result["statuses"].items() if s != "200"}
    if refused:
        raise RuntimeError(f"deliveries not answered 200: {refused}")
    return [[float(x) for x in per_server] for per_server in result["seconds"]]


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
    freeze_startup_objects()  # as `community-bot run` does once started
    try:
        yield ctx, adapter
    finally:
        await ctx.sender.stop()
        await adapter.stop()
        store.dispose()
        gc.unfreeze()  # as before the bot started


def count(ctx: BotContext, model: Any) -> int:
    with ctx.store.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def check_stored(ctx: BotContext, data: Deliveries) -> None:
    """Every delivery recorded exactly once, none refused."""
    stored = {"events": count(ctx, ProcessedEvent), "messages": count(ctx, Message),
              "reactions": count(ctx, Reaction)}
    expected = {"events": len(data.bodies), "messages": data.messages,
                "reactions": data.reactions}
    duplicates, rejected = ctx.router.stats.duplicates, ctx.router.stats.rejected
    if stored != expected or duplicates or rejected:
        raise RuntimeError(f"ours stored {stored}, expected {expected} "
                           f"({duplicates} duplicates, {rejected} rejected)")


async def one_round(fake: FakeSlack, deliveries: int, data: Deliveries,
                    chunks: int) -> list[list[float]]:
    """Bare bolt, the whole bot and the adapter alone (router stubbed), each on its own port
    and the bots on fresh stores, served at once; their chunk seconds, in that order."""
    with tempfile.TemporaryDirectory() as tmp:
        async with serve(bare_bolt(fake)) as bare_url, \
                slack_bot(fake, Path(tmp) / "ours.db") as (ctx, ours), \
                slack_bot(fake, Path(tmp) / "alone.db") as (alone_ctx, alone):
            alone_ctx.router.dispatch = discard_dispatch  # type: ignore[method-assign]
            seconds = await deliver_in_turns(
                [bare_url, *(f"http://127.0.0.1:{a.port}{EVENTS_PATH}" for a in (ours, alone))],
                deliveries, chunks)
            check_stored(ctx, data)
    return seconds


async def measure(deliveries: int, rounds: int = ROUNDS, chunks: int = CHUNKS) -> Row:
    """Deliveries per second over every chunk of every round; the notes give the middle half
    of the chunks' own ratios (a chunk's bare seconds over ours, taken in the same turn)."""
    data = synthetic_deliveries(WARM_UP + deliveries)
    bare: list[float] = []
    ours: list[float] = []
    alone: list[float] = []
    async with FakeSlack() as fake:
        seed_workspace(fake)
        for _ in range(rounds):
            for total, chunk_seconds in zip((bare, ours, alone),
                                            await one_round(fake, deliveries, data, chunks),
                                            strict=True):
                total.extend(chunk_seconds)
    count_all = deliveries * rounds
    ratios = [b / o for b, o in zip(bare, ours, strict=True)]
    per_chunk = quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return Row(
        f"Slack HTTP deliveries through the whole bot ({deliveries:,})",
        count_all / sum(ours), "deliveries/s", count_all / sum(bare),
        "bare slack-bolt app that only acks", target="≥ 0.5× (≤ 2× bare)",
        notes=f"{rounds} rounds of {chunks} turns, the servers taking chunks in turn; the "
              f"chunks' own ratios {per_chunk[0]:.2f}–{per_chunk[2]:.2f}× (middle half); "
              f"client in its own process, {IN_FLIGHT} in flight; all answered 200; "
              f"{data.messages:,} messages and {data.reactions:,} reactions stored once a "
              f"round; the adapter alone (router stubbed) {sum(bare) / sum(alone):.2f}× bare",
    )


async def discard_dispatch(ctx: BotContext, event: Event) -> DispatchResult:
    """A router that does nothing: what bolt plus our adapter cost on their own."""
    return DispatchResult()


def run(full: bool = False) -> list[Row]:
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    return [asyncio.run(measure(10_000 if full else 1_000))]


if __name__ == "__main__":
    import sys

    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
