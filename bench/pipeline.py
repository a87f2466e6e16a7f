"""Event pipeline: realistic message events through router → handlers → store → outbox,
against raw `sqlite3` (or `psycopg`) inserting the same message rows into the bot's own schema
(the same tables, indexes and foreign keys), one transaction each. The notes add the same
inserts into a bare one-index table, which shows what the schema itself costs.

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
    """Events per second for plain sqlite3 storing each message in the bot's own schema (its
    `messages` table with the indexes and foreign keys the bot needs; the channel and member
    rows they reference added on first sight), one commit per event, the bot's pragmas."""
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("INSERT INTO communities (id, platform, external_id, name, created_at)"
                 " VALUES (1, 'console', 'bench', 'Bench', ?)", (_stamp(START),))
    channels: dict[str, int] = {}
    members: dict[str, int] = {}
    with stopwatch() as elapsed:
        for event in events:
            conn.execute("BEGIN")
            if isinstance(event, MessagePosted):
                channel, author = event.message.channel.id, event.author.id
                if channel not in channels:
                    channels[channel] = conn.execute(
                        "INSERT INTO channels (community_id, external_id, name, is_private)"
                        " VALUES (1, ?, ?, 0) RETURNING id", (channel, channel)).fetchone()[0]
                if author not in members:
                    members[author] = conn.execute(
                        "INSERT INTO members (community_id, external_id, display_name, is_bot,"
                        " first_seen_at) VALUES (1, ?, ?, 0, ?) RETURNING id",
                        (author, author, _stamp(event.at))).fetchone()[0]
                conn.execute(
                    "INSERT INTO messages (community_id, channel_id, external_id,"
                    " thread_external_id, author_id, text, posted_at)"
                    " VALUES (1, ?, ?, ?, ?, ?, ?)",
                    (channels[channel], event.message.id, event.message.thread_id,
                     members[author], event.text, _stamp(event.at)),
                )
            conn.execute("COMMIT")
    conn.close()
    return len(events) / elapsed()


def raw_sqlite_minimal(events: list[Event], path: Path) -> float:
    """The same, into a bare table with one unique index: what the indexes cost, for the notes."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
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
                     event.author.id, event.text, _stamp(event.at)),
                )
            conn.execute("COMMIT")
    conn.close()
    return len(events) / elapsed()


SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000",
                  "foreign_keys=ON")  # the bot's own (storage.db)


def _stamp(at: datetime) -> str:
    """A datetime as the bot's store writes it on SQLite (naive UTC, microseconds)."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


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
        minimal = raw_sqlite_minimal(events, Path(tmp) / "minimal.db")
        baseline = raw_sqlite_baseline(events, Path(tmp) / "raw.db")
        ours = pipeline_events_per_second(events, f"sqlite:///{Path(tmp) / 'bot.db'}")
    rows = [Row(f"event pipeline, SQLite ({count:,} events)", ours, "events/s", baseline,
                "raw sqlite3 inserts into the bot's schema", target="≥ 0.25×",
                notes=_minimal_note(ours, minimal))]
    return rows + postgres_rows(events)


def _minimal_note(ours: float, minimal: float) -> str:
    return (f"{IN_FLIGHT} in flight; against a bare one-index table instead: {minimal:,.0f}/s,"
            f" {ours / minimal:.2f}×")


def postgres_rows(events: list[Event]) -> list[Row]:
    import psycopg

    from bench.pg import PG_URL, scratch_schema

    def raw_inserts(schema: str, *, bot_schema: bool) -> float:
        conn = psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True,
                               options=f"-csearch_path={schema}")
        if bot_schema:
            engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
            migrate.upgrade(engine)
            engine.dispose()
            conn.execute("INSERT INTO communities (id, platform, external_id, name, created_at)"
                         " VALUES (1, 'console', 'bench', 'Bench', %s)",
                         (START.replace(tzinfo=None),))
        else:
            conn.execute("CREATE TABLE messages (id serial PRIMARY KEY, channel text,"
                         " external_id text, thread text, author text, text text,"
                         " posted_at timestamp, UNIQUE (channel, external_id))")
        channels: dict[str, int] = {}
        members: dict[str, int] = {}
        with stopwatch() as elapsed:
            for event in events:
                with conn.transaction():
                    if not isinstance(event, MessagePosted):
                        continue
                    at = event.at.astimezone(UTC).replace(tzinfo=None)
                    channel, author = event.message.channel.id, event.author.id
                    if not bot_schema:
                        conn.execute(
                            "INSERT INTO messages (channel, external_id, thread, author, text,"
                            " posted_at) VALUES (%s, %s, %s, %s, %s, %s)",
                            (channel, event.message.id, event.message.thread_id, author,
                             event.text, at))
                        continue
                    if channel not in channels:
                        channels[channel] = conn.execute(
                            "INSERT INTO channels (community_id, external_id, name, is_private)"
                            " VALUES (1, %s, %s, false) RETURNING id", (channel, channel)
                        ).fetchone()[0]  # type: ignore[index]
                    if author not in members:
                        members[author] = conn.execute(
                            "INSERT INTO members (community_id, external_id, display_name,"
                            " is_bot, first_seen_at) VALUES (1, %s, %s, false, %s) RETURNING id",
                            (author, author, at)).fetchone()[0]  # type: ignore[index]
                    conn.execute(
                        "INSERT INTO messages (community_id, channel_id, external_id,"
                        " thread_external_id, author_id, text, posted_at)"
                        " VALUES (1, %s, %s, %s, %s, %s, %s)",
                        (channels[channel], event.message.id, event.message.thread_id,
                         members[author], event.text, at))
        conn.close()
        return len(events) / elapsed()

    with scratch_schema() as schema:
        minimal = raw_inserts(schema, bot_schema=False)
    with scratch_schema() as schema:
        baseline = raw_inserts(schema, bot_schema=True)
    with scratch_schema() as schema:
        ours = pipeline_events_per_second(
            events, PG_URL, connect_args={"options": f"-csearch_path={schema}"}
        )
    return [Row(f"event pipeline, PostgreSQL ({len(events):,} events)", ours, "events/s",
                baseline, "raw psycopg inserts into the bot's schema", target="≥ 0.25×",
                notes=_minimal_note(ours, minimal))]


if __name__ == "__main__":
    import sys

    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
