"""Crash safety: a sender process killed mid-drain loses nothing and, restarted, sends
nothing twice. The journal is the platform's view: what members actually saw."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.events import ChannelRef
from storage import migrate
from storage.db import Store, make_engine
from storage.directory import Directory
from storage.models import OutboxMessage
from storage.outbox import Outbox
from tests.events import CONSOLE

ROOT = Path(__file__).resolve().parents[1]
N = 300


def prepare(tmp_path: Path) -> tuple[str, Path]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine)
    now = SystemClock().now()
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, now)
        outbox = Outbox(session, platform="console", community_id=community_id, now=now)
        for i in range(N):
            outbox.post(ChannelRef(id="general"), f"message {i}", key=f"msg-{i}")
    store.dispose()
    return url, tmp_path / "journal.jsonl"


def worker(url: str, journal: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.outbox_worker", url, str(journal), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def journal_keys(journal: Path) -> Counter[str]:
    lines = journal.read_text().splitlines() if journal.exists() else []
    return Counter(json.loads(line)["key"] for line in lines)


def assert_each_message_seen_once(url: str, journal: Path) -> None:
    seen = journal_keys(journal)
    assert set(seen) == {f"msg-{i}" for i in range(N)}
    assert max(seen.values()) == 1
    store = Store.from_url(url)
    with store.session() as session:
        statuses = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    store.dispose()
    assert statuses == [("sent", N)]


def test_sender_killed_mid_drain_restarts_and_delivers_every_message_once(tmp_path: Path) -> None:
    url, journal = prepare(tmp_path)
    first = worker(url, journal)
    deadline = time.monotonic() + 20
    while len(journal_keys(journal)) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    delivered_before = len(journal_keys(journal))
    assert 40 <= delivered_before < N, "the kill must land mid-drain"

    second = worker(url, journal)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert json.loads(out)["pending"] == 0
    assert_each_message_seen_once(url, journal)


def test_crash_between_platform_accepting_and_outbox_marking_sent_is_not_resent(
    tmp_path: Path,
) -> None:
    url, journal = prepare(tmp_path)
    first = worker(url, journal, "--die-after", "25")
    first.wait(timeout=60)
    assert first.returncode == 9
    assert len(journal_keys(journal)) == 25

    second = worker(url, journal)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    report = json.loads(out)
    assert report["recovered"] >= 1  # the in-flight one was found on the platform, not re-posted
    assert report["sent"] == N - 25 + report["recovered"]
    assert_each_message_seen_once(url, journal)
