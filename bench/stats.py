"""`/community stats` and the weekly digest over 1,000,000 messages and 100,000 members
(100,000 and 10,000 at the quick size) on SQLite and on PostgreSQL. Stats go through the same
path a manager's command takes (router, role check, every engagement and adoption figure for
the week and the week before, the reply in the outbox); the digest is built as the weekly
sweep builds it. The baseline is one `SELECT count(*)` over the same week's messages,
so the ratio is what the full statistics cost beyond touching the period at all.

Synthetic data, seeded: 90 days of posts in 20 channels (a third of them replies in threads,
some questions, a few bots and deleted messages), members posting on a long-tailed curve,
reactions on a quarter of the posts, and the `questions` rows the question handlers would have
kept for them (every top-level post in #help and those ending in "?", answered by the first
reply from someone else). `python -m bench.stats [--full]`.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from bench.harness import Row, stopwatch
from bench.pg import PG_URL, scratch_schema
from bot.app import build
from bot.clock import ManualClock
from bot.community_config import load_community_config
from bot.events import ChannelRef, CommandInvoked, CommunityRef, InteractionRef, UserRef
from bot.jobs.digest import deliver_digest
from bot.metrics.periods import Period, local_midnight
from bot.platforms.console.workspace import ConsoleWorkspace
from storage import migrate
from storage.db import Store, make_engine
from storage.models import Channel, Community, Member, Message, Reaction
from storage.questions_tables import Question

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=90)
WEEK = timedelta(days=7)
CHANNELS = ("help", "general", "introductions", "announcements", "random", "jobs", "events",
            *(f"team-{n}" for n in range(13)))
WORDS = ("deploy", "kafka", "postgres", "token", "rotate", "cluster", "error", "timeout",
         "upgrade", "release", "docs", "api", "webhook", "billing", "login", "metrics", "cache",
         "python", "react", "mobile", "search", "export", "thanks", "great", "issue", "config")
BATCH = 10_000
CONSOLE = CommunityRef(platform="console", id="workspace", name="Bench")


def seed(store: Store, messages: int, members: int, rng: random.Random) -> None:
    """Bulk Core inserts, in batches; deterministic for a given seed."""
    with store.session() as session:
        community_id = session.execute(insert(Community).values(
            platform="console", external_id="workspace", name="Bench",
            created_at=NOW - SPAN - WEEK,
        ).returning(Community.id)).scalar_one()
        session.execute(insert(Channel), [
            {"community_id": community_id, "external_id": name, "name": name,
             "is_private": name.startswith("team-")} for name in CHANNELS
        ])
        channel_ids = session.execute(select(Channel.id).order_by(Channel.id)).scalars().all()
        people = []
        for n in range(members):
            joined = NOW - SPAN * 2 * rng.random()
            people.append({
                "community_id": community_id, "external_id": f"U{n:06d}",
                "display_name": f"member{n}", "is_bot": n % 500 == 0, "joined_at": joined,
                "left_at": joined + timedelta(days=30) if n % 50 == 1 else None,
                "first_seen_at": joined,
            })
        for start in range(0, members, BATCH):
            session.execute(insert(Member), people[start:start + BATCH])
        member_ids = session.execute(select(Member.id).order_by(Member.id)).scalars().all()

        roots: dict[int, deque[str]] = {cid: deque(maxlen=40) for cid in channel_ids}
        step = SPAN / messages
        batch: list[dict[str, object]] = []
        questions: dict[str, dict[str, object]] = {}
        for n in range(messages):
            channel_index = min(int(rng.expovariate(0.25)), len(channel_ids) - 1)
            channel_id = channel_ids[channel_index]
            reply = rng.random() < 0.35 and roots[channel_id]
            thread = rng.choice(roots[channel_id]) if reply else None
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
            question = not reply and rng.random() < 0.25
            external_id = f"m{n}"
            if not reply:
                roots[channel_id].append(external_id)
            at = NOW - SPAN + step * n
            # A long tail: a few members write most of the posts.
            author = int(members * rng.random() ** 3)
            body = words + ("?" if question else ".")
            deleted_at = at + timedelta(hours=1) if n % 100 == 7 else None
            batch.append({
                "community_id": community_id, "channel_id": channel_id,
                "external_id": external_id, "thread_external_id": thread,
                "author_id": member_ids[author], "text": body, "posted_at": at,
                "deleted_at": deleted_at,
            })
            if author % 500:  # bots' posts are neither questions nor answers
                if thread is not None:
                    _respond(questions.get(thread), f"U{author:06d}", at)
                elif question or CHANNELS[channel_index] == "help":
                    questions[external_id] = _question(
                        community_id, CHANNELS[channel_index], external_id, f"U{author:06d}",
                        body, at, deleted_at)
            if len(batch) == BATCH:
                session.execute(insert(Message), batch)
                batch = []
        if batch:
            session.execute(insert(Message), batch)
        rows = [{k: v for k, v in q.items() if k != "deleted_at"} for q in questions.values()]
        for start in range(0, len(rows), BATCH):
            session.execute(insert(Question), rows[start:start + BATCH])

        first_message = session.execute(select(func.min(Message.id))).scalar_one()
        reactions = []
        for n in rng.sample(range(messages), messages // 4):
            at = NOW - SPAN + step * n + timedelta(minutes=rng.randint(1, 600))
            reactions.append({
                "message_id": first_message + n, "emoji": rng.choice(("👍", "✅", "🎉")),
                "member_id": member_ids[int(members * rng.random() ** 2)], "reacted_at": at,
            })
            if len(reactions) == BATCH:
                session.execute(insert(Reaction).prefix_with(_ignore(session)), reactions)
                reactions = []
        if reactions:
            session.execute(insert(Reaction).prefix_with(_ignore(session)), reactions)
    # What autovacuum keeps up to date on PostgreSQL (the planner's statistics, and the
    # visibility map that lets index-only scans skip the table), done now: the rows were
    # inserted seconds ago, not over the 90 days they cover.
    if store.engine.dialect.name == "postgresql":
        autocommit = store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as connection:  # VACUUM runs outside a transaction
            connection.execute(text("VACUUM ANALYZE"))
        return
    with store.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _question(community_id: int, channel: str, message: str, asker: str, text: str,
              at: datetime, deleted_at: datetime | None) -> dict[str, object]:
    """The row `record_question` writes; open until `_respond` answers it."""
    due = at + timedelta(hours=4)
    return {
        "community_id": community_id, "channel_external_id": channel, "channel_name": channel,
        "message_external_id": message, "asker_external_id": asker, "asker_name": asker,
        "text": text, "topics": [], "urgency": "normal",
        "source": "help-channel" if channel == "help" else "heuristic",
        "status": "open" if deleted_at is None else "deleted", "posted_at": at,
        "sla_due_at": due, "next_step_at": due if deleted_at is None else None, "step": 0,
        "first_response_at": None, "first_responder": None, "answered_at": None,
        "answered_how": None, "answered_by": None,
        "deleted_at": deleted_at,  # the message's, not a column: dropped before the insert
    }


def _respond(question: dict[str, object] | None, author: str, at: datetime) -> None:
    """A reply in a question's thread: the first from someone else answers it (unless the
    question was deleted before), as `track_reply` does."""
    if question is None or author == question["asker_external_id"]:
        return
    deleted_at = question["deleted_at"]
    if question["first_response_at"] is None and (deleted_at is None or at < deleted_at):
        question.update(status="answered", next_step_at=None, first_response_at=at,
                        first_responder=author, answered_at=at, answered_how="reply",
                        answered_by=author)


def _ignore(session: object) -> str:
    """Duplicate (message, member, emoji) draws are skipped (SQLite `OR IGNORE`)."""
    return "OR IGNORE" if session.get_bind().dialect.name == "sqlite" else ""  # type: ignore[attr-defined]


def count_week(store: Store) -> float:
    """The baseline: one count over the same week's messages of the community."""
    with stopwatch() as elapsed, store.session() as session:
        session.execute(select(func.count()).select_from(Message).where(
            Message.community_id == 1, Message.posted_at >= NOW - WEEK,
            Message.posted_at <= NOW)).scalar_one()
    return elapsed()


def time_stats_command(store: Store, repeats: int = 3) -> tuple[float, str]:
    """The best of `repeats` runs of `/community stats` by a manager, and its reply."""
    workspace = ConsoleWorkspace()
    ctx = build(load_community_config(None), store, {"console": workspace},
                clock=ManualClock(NOW))
    best = float("inf")
    for n in range(repeats):
        event = CommandInvoked(
            event_id=f"bench-stats-{n}", community=CONSOLE, at=NOW,
            user=UserRef(id="maria", name="maria"), channel=ChannelRef(id="general"),
            command="community", args="stats", interaction=InteractionRef(token=f"t{n}"),
        )
        with stopwatch() as elapsed:
            asyncio.run(ctx.router.dispatch(ctx, event))
        best = min(best, elapsed())
    assert ctx.sender is not None
    asyncio.run(ctx.sender.drain())
    return best, workspace.messages[-1].text if workspace.messages else ""


def time_weekly_digest(store: Store, repeats: int = 3) -> float:
    """The best of `repeats` builds of the weekly digest for the week ending at `NOW`'s
    midnight, as the Monday sweep makes it: every figure against the week before, the
    chart, and the upload queued for the managers' channel."""
    config = load_community_config(None)
    ctx = build(config, store, {"console": ConsoleWorkspace()}, clock=ManualClock(NOW))
    period = Period.ending(local_midnight(NOW, ZoneInfo(config.community.timezone)), WEEK)
    best = float("inf")
    for n in range(repeats):
        with stopwatch() as elapsed:
            queued = asyncio.run(deliver_digest(ctx, 1, CONSOLE.platform, period,
                                                f"bench-digest-{n}", monthly=False))
        assert queued
        best = min(best, elapsed())
    return best


def measure(store: Store, messages: int, members: int, engine_name: str) -> list[Row]:
    seed(store, messages, members, random.Random(8))
    baseline = min(count_week(store) for _ in range(3))
    figure, reply = time_stats_command(store)
    assert "Community health" in reply, reply
    digest = time_weekly_digest(store)
    size = f"{messages:,} messages, {members:,} members"
    return [
        Row(f"/community stats, {engine_name} ({size})", figure, "s", baseline,
            "SELECT count(*) of the week's messages", higher_is_better=False,
            target="< 1 s at 1,000,000 messages",
            notes="week vs week before: engagement, questions, adoption"),
        Row(f"weekly digest, {engine_name} ({size})", digest, "s", baseline,
            "SELECT count(*) of the week's messages", higher_is_better=False,
            notes="every figure against the week before, most helpful, at risk, silent "
                  "newcomers, trending channels and topics, the chart, queued"),
    ]


def run(full: bool = False) -> list[Row]:
    messages, members = (1_000_000, 100_000) if full else (100_000, 10_000)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'stats.db'}")
        migrate.upgrade(engine)
        store = Store(engine)
        try:
            rows.extend(measure(store, messages, members, "SQLite"))
        finally:
            store.dispose()
    with scratch_schema() as schema:
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        migrate.upgrade(engine)
        store = Store(engine)
        try:
            rows.extend(measure(store, messages, members, "PostgreSQL"))
        finally:
            store.dispose()
    return rows


if __name__ == "__main__":
    import sys

    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
