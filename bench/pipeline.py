"""Event pipeline: realistic message events through router → handlers → store → outbox,
against raw `sqlite3` (or `psycopg`) inserting the same message rows, one transaction each.

Events are delivered 32 at a time, as a busy workspace's concurrent deliveries arrive; the
router commits those that arrive together in one transaction (group commit)."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import Row, stopwatch
from bot.app import build
from bot.clock import ManualClock
from bot.community_config import load_community_config
from bot.events import (
    ChannelRef,
    CommunityRef,
    Event,
    MessagePosted,
    MessageRef,
    ReactionAdded,
    UserRef,
)
from bot.platforms.console.workspace import ConsoleWorkspace
from storage import migrate
from storage.db import Store, make_engine

COMMUNITY = CommunityRef(platform="console", id="bench", name="Bench")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHRASES = (
    "How do I configure the exporter for Kafka?", "thanks, that worked!",
    "Has anyone seen this error: Traceback (most recent call last)", "Good morning all",
    "We shipped the new release today, notes in the blog", "Anyone know why CI is red?",
    "I think the docs cover it in the deployment section", "lol same here",
)


def synthetic_events(count: int, seed: int = 7) -> list[Event]:
    """Messages in 20 channels from 2,000 members, a third of them thread replies, with a
    reaction after every tenth message; deterministic for a given seed."""
    rng = random.Random(seed)
    channels = [ChannelRef(id=f"C{i:03d}", name=f"channel-{i}") for i in range(20)]
    users = [UserRef(id=f"U{i:05d}", name=f"user{i}") for i in range(2000)]
    roots: list[MessageRef] = []
    events: list[Event] = []
    at = START
    for n in range(count):
        at += timedelta(seconds=rng.randint(1, 30))
        if n % 10 == 9 and roots:
            events.append(ReactionAdded(event_id=f"r{n}", community=COMMUNITY, at=at,
                                        message=rng.choice(roots), user=rng.choice(users),
                                        emoji="white_check_mark"))
            continue
        if roots and rng.random() < 0.33:
            root = rng.choice(roots[-200:])
            ref = MessageRef(channel=root.channel, id=f"m{n}", thread_id=root.id)
        else:
            ref = MessageRef(channel=rng.choice(channels), id=f"m{n}")
            roots.append(ref)
        events.append(MessagePosted(event_id=f"e{n}", community=COMMUNITY, at=at, message=ref,
                                    author=rng.choice(users), text=rng.choice(PHRASES)))
    return events


def raw_sqlite_baseline(events: list[Event], path: Path) -> float:
    """Events per second for plain sqlite3 inserting the message rows, one commit each."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, channel TEXT, external_id TEXT,"
                 " thread TEXT, author TEXT, text TEXT, posted_at TEXT,"
                 " UNIQUE (channel, external_id))")
    with stopwatch() as elapsed:
        for event in events:
            conn.execute("BEGIN")
            if isinstance(event, MessagePosted):
                conn.execute(
                    "INSERT INTO messages (channel, external_id, thread, author, text, posted_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (event.message.channel.id, event.message.id, event.message.thread_id,
                     event.author.id, event.text, event.at.isoformat()),
                )
            conn.execute("COMMIT")
    conn.close()
    return len(events) / elapsed()


IN_FLIGHT = 32  # deliveries arriving concurrently, as Slack's HTTP pushes and gateway tasks do


async def _pipeline(events: list[Event], store: Store, in_flight: int = IN_FLIGHT) -> float:
    ctx = build(load_community_config(None), store, {"console": ConsoleWorkspace()},
                clock=ManualClock(START))
    dispatch = ctx.router.dispatch
    pending = iter(events)

    async def delivery_stream() -> None:
        for event in pending:
            await dispatch(ctx, event)

    with stopwatch() as elapsed:
        await asyncio.gather(*(delivery_stream() for _ in range(in_flight)))
    return len(events) / elapsed()


def pipeline_events_per_second(events: list[Event], url: str, **engine_args: object) -> float:
    engine = make_engine(url, **engine_args)
    migrate.upgrade(engine)
    store = Store(engine)
    try:
        return asyncio.run(_pipeline(events, store))
    finally:
        store.dispose()


def run(full: bool = False) -> list[Row]:
    count = 100_000 if full else 10_000
    events = synthetic_events(count)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = raw_sqlite_baseline(events, Path(tmp) / "raw.db")
        ours = pipeline_events_per_second(events, f"sqlite:///{Path(tmp) / 'bot.db'}")
    rows = [Row(f"event pipeline, SQLite ({count:,} events)", ours, "events/s", baseline,
                "raw sqlite3 inserts", target="≥ 0.25×")]
    pg = postgres_rows(events)
    return rows + pg


def postgres_rows(events: list[Event]) -> list[Row]:
    import psycopg

    from bench.pg import PG_URL, scratch_schema

    with scratch_schema() as schema:
        conn = psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True,
                               options=f"-csearch_path={schema}")
        conn.execute("CREATE TABLE raw_messages (id serial PRIMARY KEY, channel text,"
                     " external_id text, thread text, author text, text text,"
                     " posted_at timestamptz, UNIQUE (channel, external_id))")
        with stopwatch() as elapsed:
            for event in events:
                with conn.transaction():
                    if isinstance(event, MessagePosted):
                        conn.execute(
                            "INSERT INTO raw_messages (channel, external_id, thread, author,"
                            " text, posted_at) VALUES (%s, %s, %s, %s, %s, %s)",
                            (event.message.channel.id, event.message.id,
                             event.message.thread_id, event.author.id, event.text, event.at),
                        )
        baseline = len(events) / elapsed()
        conn.close()
        ours = pipeline_events_per_second(
            events, PG_URL, connect_args={"options": f"-csearch_path={schema}"}
        )
    return [Row(f"event pipeline, PostgreSQL ({len(events):,} events)", ours, "events/s",
                baseline, "raw psycopg inserts", target="≥ 0.25×")]


if __name__ == "__main__":
    import sys

    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
