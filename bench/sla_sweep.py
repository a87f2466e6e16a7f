"""SLA sweep: one sweep over 100,000 open questions past their SLA and 1,000 champions (10,000
and 100 at the quick size) on SQLite, against a plain SQL count of the same open questions, so
the ratio says what choosing champions and writing pings, DMs and nudges costs beyond reading.

A second row times the steady state: the next sweep, when every chain is waiting on its step.
`python -m bench.sla_sweep [--full]`.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.harness import Row, stopwatch
from bot.app import build, open_store
from bot.clock import ManualClock
from bot.community_config import load_community_config
from bot.context import BotContext
from bot.jobs.sla_sweep import route_unanswered_questions
from bot.platforms.console.workspace import ConsoleWorkspace
from storage.db import Store
from storage.models import Community, OutboxMessage
from storage.questions_tables import Champion, ChampionTopic, Question, QuestionPing

NOW = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)  # a Wednesday afternoon
TOPICS = [f"{area} {part}" for area in ("postgres", "kubernetes", "python", "react", "billing",
                                        "auth", "search", "mobile", "exports", "webhooks")
          for part in ("setup", "errors", "performance", "upgrades", "security")]
VERBS = ("configure", "debug", "speed up", "upgrade", "secure", "migrate", "monitor")


def seed(store: Store, questions: int, champions: int, rng: random.Random) -> None:
    """Open questions that passed their SLA an hour ago, never pinged; champions with one to
    three topics, a fifth of them outside their hours or snoozed, with room for every ping."""
    capacity = questions // champions * 2
    with store.session() as session:
        community_id = session.execute(insert(Community).values(
            platform="console", external_id="bench", name="Bench", created_at=NOW,
        ).returning(Community.id)).scalar_one()
        rows = []
        for n in range(champions):
            away = n % 5 == 0
            rows.append({
                "community_id": community_id, "member_external_id": f"C{n:05d}",
                "display_name": f"champion{n}", "timezone": None,
                "work_start_minute": 6 * 60 if away else None,
                "work_end_minute": 7 * 60 if away else None, "work_days": 127,
                "snoozed_until": NOW + timedelta(days=1) if n % 10 == 5 else None,
                "capacity": capacity, "added_by": "bench", "added_at": NOW,
            })
        session.execute(insert(Champion), rows)
        ids = session.execute(select(Champion.id).order_by(Champion.id)).scalars().all()
        session.execute(insert(ChampionTopic), [
            {"champion_id": cid, "community_id": community_id, "topic": topic}
            for cid in ids for topic in rng.sample(TOPICS, rng.randint(1, 3))
        ])
        posted = NOW - timedelta(hours=1)
        batch = []
        for n in range(questions):
            topic = rng.choice(TOPICS)
            batch.append({
                "community_id": community_id, "channel_external_id": "help",
                "channel_name": "help", "message_external_id": f"m{n}",
                "asker_external_id": f"U{rng.randrange(20_000):05d}", "asker_name": "",
                "text": f"How do I {rng.choice(VERBS)} {topic} when the nightly job runs? "
                        f"It fails with a timeout since yesterday.",
                "topics": [topic] if n % 3 == 0 else [], "urgency": "normal",
                "source": "help-channel", "status": "open", "posted_at": posted,
                "sla_due_at": posted + timedelta(minutes=30),
                "next_step_at": posted + timedelta(minutes=30), "step": 0,
            })
            if len(batch) == 5_000:
                session.execute(insert(Question), batch)
                batch = []
        if batch:
            session.execute(insert(Question), batch)


def count_due(store: Store) -> float:
    """The baseline: read the same set the sweep works on, as a plain count."""
    with stopwatch() as elapsed, store.session() as session:
        session.execute(select(func.count()).select_from(Question).where(
            Question.status == "open", Question.next_step_at <= NOW)).scalar_one()
    return elapsed()


async def _sweep_twice(ctx: BotContext) -> tuple[float, float]:
    """Seconds for the sweep that finds every question due, then for the one after it."""
    with stopwatch() as first:
        await route_unanswered_questions(ctx)
        await ctx.store.checkpointed()
        ctx.store.checkpoint()  # copying back the log it wrote is part of its cost
    with stopwatch() as second:
        await route_unanswered_questions(ctx)
    return first(), second()


def run(full: bool = False) -> list[Row]:
    questions, champions = (100_000, 1_000) if full else (10_000, 100)
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'sla.db'}")
        try:
            seed(store, questions, champions, rng)
            baseline = min(count_due(store) for _ in range(3))
            ctx = build(load_community_config(None), store, {"console": ConsoleWorkspace()},
                        clock=ManualClock(NOW))
            sweep, idle = asyncio.run(_sweep_twice(ctx))
            with store.session() as session:
                pings = session.execute(select(func.count()).select_from(QuestionPing)
                                        ).scalar_one()
                messages = session.execute(select(func.count()).select_from(OutboxMessage)
                                           ).scalar_one()
        finally:
            store.dispose()
    size = f"{questions:,} due questions, {champions:,} champions"
    ms = 1000.0
    return [
        Row(f"SLA sweep, SQLite ({size})", sweep * ms, "ms", baseline * ms,
            "SQL count of the same questions", higher_is_better=False,
            notes=f"{sweep / questions * 1e6:,.0f} µs per question; {pings:,} steps, "
                  f"{messages:,} outbox rows"),
        Row(f"SLA sweep, nothing due ({questions:,} open, {champions:,} champions)",
            idle * ms, "ms", baseline * ms, "SQL count of the same questions",
            higher_is_better=False,
            notes="the steady state between steps"),
    ]


if __name__ == "__main__":
    import sys

    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
