"""The Slack overhead and join burst benchmarks at a tiny size: they run end to end against the
fake platforms, and a join burst greets every newcomer exactly once. (Speed itself is shown
by `python -m bench`, not asserted here.)"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.event_cost import measure as measure_event_cost
from bench.join_burst import discord_burst, slack_burst
from bench.pipeline import (
    pipeline_events_per_second,
    raw_sqlite_baseline,
    raw_sqlite_minimal,
    synthetic_events,
)
from bench.slack_overhead import measure
from bench.stats import measure as measure_stats
from bot.cli import main
from storage.db import Store
from storage.models import OutboxMessage


async def test_slack_overhead_compares_the_whole_bot_with_bare_bolt() -> None:
    row = await measure(deliveries=120, rounds=1, chunks=3)

    assert row.unit == "deliveries/s" and row.higher_is_better
    assert row.figure > 0 and row.baseline and row.baseline > 0
    assert row.ratio is not None and row.target == "≥ 0.5× (≤ 2× bare)"
    assert "all answered 200" in row.notes  # measure() raises if any was refused or not stored


async def test_event_cost_replays_every_delivery_through_the_bot() -> None:
    result = await measure_event_cost(deliveries=120, rounds=1)  # raises if any went unhandled

    assert result["whole_cpu_us"] > result["adapter_cpu_us"] > 0
    assert result["writes_per_delivery"] > 0  # the commits wrote the log


async def test_slack_join_burst_greets_every_newcomer_once_within_the_limits() -> None:
    outcome = await slack_burst(members=80, scale=20)

    assert outcome.lost == 0 and outcome.duplicates == 0
    assert math.isfinite(outcome.seconds) and outcome.minimum > 0
    row = outcome.row("Slack", 20)
    assert not row.higher_is_better and "0 lost, 0 duplicates" in row.notes


async def test_discord_join_burst_greets_every_newcomer_once_within_the_limits() -> None:
    outcome = await discord_burst(members=60, scale=2)

    assert outcome.lost == 0 and outcome.duplicates == 0
    assert math.isfinite(outcome.seconds) and outcome.minimum > 0
    assert outcome.rate_limited == 0  # paced by requests, not messages: no 429 at all


def test_event_pipeline_and_its_baselines_run_on_sqlite(tmp_path: Path) -> None:
    events = synthetic_events(300)
    assert raw_sqlite_minimal(events, tmp_path / "minimal.db") > 0
    assert raw_sqlite_baseline(events, tmp_path / "raw.db") > 0  # the bot's schema takes them
    assert pipeline_events_per_second(events, f"sqlite:///{tmp_path / 'bot.db'}") > 0
    with sqlite3.connect(tmp_path / "raw.db") as raw, sqlite3.connect(tmp_path / "bot.db") as bot:
        query = "SELECT external_id, text, posted_at FROM messages ORDER BY external_id"
        assert raw.execute(query).fetchall() == bot.execute(query).fetchall()


def test_stats_and_the_weekly_digest_are_measured_over_seeded_data(
    sqlite_store: Store,
) -> None:
    stats, digest = measure_stats(sqlite_store, messages=3_000, members=300,
                                  engine_name="SQLite")

    assert stats.figure > 0 and digest.figure > 0 and not digest.higher_is_better
    assert digest.name == "weekly digest, SQLite (3,000 messages, 300 members)"
    with sqlite_store.session() as session:  # each run queued its digest, chart attached
        uploads = session.execute(select(OutboxMessage.key).where(
            OutboxMessage.kind == "upload")).scalars().all()
    assert sorted(uploads) == [f"bench-digest-{n}" for n in range(3)]


def test_community_bot_bench_runs_the_benchmarks_of_the_checkout(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "--help"]) == 0
    assert "--full" in capfd.readouterr().out  # bench's own options, not the CLI's
    assert main(["bench", "no_such_benchmark"]) == 2
    assert "no benchmark called no_such_benchmark" in capfd.readouterr().err
