"""Who runs the schedule, and how. Two real bot processes on one PostgreSQL schema, both trying
to run it: each occurrence is posted once, and when the leader is killed (SIGKILL) the other
takes over and posts the next occurrences, once. The journal is the platform's view: what
members saw. Also: leadership in-process, and the APScheduler jobs built from the store."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import SystemClock
from bot.leader import Leadership
from bot.scheduler import JobScheduler
from bot.sender import OutboxSender
from storage import migrate
from storage.db import Store, make_engine
from storage.directory import Directory
from storage.outbox import pending_count
from storage.programme_tables import Programme, ProgrammeOccurrence
from tests.conftest import ConsoleBot, pg_engine_args
from tests.events import CONSOLE, command

ROOT = Path(__file__).resolve().parents[1]
WAIT = 20.0  # seconds any one step may take before the test gives up


def start_worker(url: str, schema: str, journal: Path, status: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler_worker", url, schema, str(journal), str(status)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def leaders(status: Path) -> list[int]:
    lines = status.read_text().splitlines() if status.exists() else []
    return [int(line.split()[0]) for line in lines if line.endswith(" leader")]


def posted_times(journal: Path) -> Counter[datetime]:
    """Occurrence times of the programme's posts members saw, with how often each was seen."""
    seen: Counter[datetime] = Counter()
    for line in journal.read_text().splitlines() if journal.exists() else []:
        try:
            key = json.loads(line)["key"]
        except json.JSONDecodeError:
            continue  # being written
        if key.startswith("programme:"):
            stamp = key.split(":")[2]
            seen[datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)] += 1
    return seen


def prepare(url: str, schema: str) -> Store:
    engine = make_engine(url, **pg_engine_args(schema))
    migrate.upgrade(engine)
    store = Store(engine)
    now = SystemClock().now()
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, now)
        session.add(Programme(
            community_id=community_id, name="every-second", title="Every Second",
            source="text", text="tick", channel_name="general", cron="* * * * * *",
            timezone="UTC", active_since=now, created_at=now,
        ))
    return store


async def drain_the_rest(store: Store, journal: Path) -> None:
    """What the stopped workers had queued but not sent goes out too (leases expire)."""
    from tests.scheduler_worker import SharedJournalWorkspace

    workspace = SharedJournalWorkspace(journal)
    sender = OutboxSender(store, {"console": workspace}, SystemClock(),
                          lease=timedelta(seconds=2))
    deadline = time.monotonic() + WAIT
    while True:
        await sender.drain()
        with store.session() as session:
            if pending_count(session) == 0:
                return
        assert time.monotonic() < deadline, "outbox never drained"
        time.sleep(0.2)


async def test_two_processes_post_each_occurrence_once_and_the_survivor_takes_over(
    pg_schema_url: tuple[str, str], tmp_path: Path,
) -> None:
    url, schema = pg_schema_url
    store = prepare(url, schema)
    journal, status = tmp_path / "journal.jsonl", tmp_path / "status.log"
    workers = [start_worker(url, schema, journal, status) for _ in range(2)]
    by_pid = {worker.pid: worker for worker in workers}
    try:
        wait_for(lambda: bool(leaders(status)), "a leader")
        leader = leaders(status)[0]
        wait_for(lambda: len(posted_times(journal)) >= 3, "three posts under the first leader")
        by_pid[leader].send_signal(signal.SIGKILL)
        by_pid[leader].wait()
        killed_at = SystemClock().now()
        [survivor] = [pid for pid in by_pid if pid != leader]
        wait_for(lambda: survivor in leaders(status), "the survivor to take over")
        wait_for(lambda: sum(t > killed_at for t in posted_times(journal)) >= 3,
                 "three posts under the new leader")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.communicate(timeout=WAIT)
            except subprocess.TimeoutExpired:
                worker.kill()
    assert by_pid[survivor].returncode == 0, by_pid[survivor].stderr
    assert leaders(status) == [leader, survivor]  # one leader at a time, never two

    await drain_the_rest(store, journal)
    with store.session() as session:
        recorded = session.execute(
            select(ProgrammeOccurrence.scheduled_for, ProgrammeOccurrence.status)
        ).all()
    store.dispose()
    seen = posted_times(journal)
    assert max(seen.values()) == 1, "an occurrence was posted twice"
    assert set(seen) == {at for at, _ in recorded}
    assert {status for _, status in recorded} == {"posted"}
    first, last = min(seen), max(seen)
    assert len(seen) == (last - first).total_seconds() + 1, "a second was missed at takeover"


async def test_leadership_is_held_by_one_and_passes_on_when_it_stops(
    pg_schema_url: tuple[str, str],
) -> None:
    url, schema = pg_schema_url
    stores = [Store(make_engine(url, **pg_engine_args(schema))) for _ in range(2)]
    events: list[str] = []
    first, second = (
        Leadership(store, on_elected=lambda n=n: events.append(f"{n} leads"),
                   on_deposed=lambda n=n: events.append(f"{n} stops"), retry_seconds=0.05)
        for n, store in enumerate(stores)
    )
    await first.start()
    await wait_async(lambda: first.is_leader)
    await second.start()
    await asyncio.sleep(0.3)  # several tries
    assert not second.is_leader

    await first.stop()
    await wait_async(lambda: second.is_leader)
    await second.stop()
    assert events == ["0 leads", "0 stops", "1 leads", "1 stops"]
    for store in stores:
        store.dispose()


async def test_on_sqlite_the_one_process_leads_at_once(sqlite_store: Store) -> None:
    leading: list[bool] = []
    leadership = Leadership(sqlite_store, on_elected=lambda: leading.append(True),
                            on_deposed=lambda: leading.append(False))
    await leadership.start()
    assert leadership.is_leader and leading == [True]
    await leadership.stop()
    assert leading == [True, False]


async def test_the_schedule_is_built_from_the_programmes_in_the_store(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, command("maria", "program pause friday-fun",
                                                   bot.clock.now()))
    scheduler = JobScheduler(bot.ctx)
    scheduler.start()
    try:
        assert await scheduler.sync_programme_jobs() == 2
        assert scheduler.scheduler is not None
        jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
        programme_jobs = sorted(job_id for job_id in jobs if job_id.startswith("programme:"))
        assert len(programme_jobs) == 2
        for job in jobs.values():
            assert job.coalesce and job.misfire_grace_time is not None
        assert jobs[programme_jobs[0]].misfire_grace_time == 2 * 3600
        assert str(jobs[programme_jobs[0]].trigger.timezone) == "Europe/Berlin"

        await bot.ctx.router.dispatch(bot.ctx, command("maria", "program resume friday-fun",
                                                       bot.clock.now()))
        await bot.ctx.router.dispatch(bot.ctx, command("maria", "program remove thursday-tips",
                                                       bot.clock.now()))
        assert await scheduler.sync_programme_jobs() == 2
        assert len([j for j in scheduler.scheduler.get_jobs()
                    if j.id.startswith("programme:")]) == 2
    finally:
        scheduler.stop()
    assert not scheduler.running


async def wait_async(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
