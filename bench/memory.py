"""Resident memory of a running bot that has seen traffic from every member of a large
community, against a bare interpreter that imported the same libraries."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Row

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def _bot_process(members: int, db: str) -> tuple[float, float]:
    """RSS of a started bot before and after traffic from `members` members."""
    from datetime import UTC, datetime, timedelta

    from bot.app import build, open_store
    from bot.clock import ManualClock
    from bot.community_config import load_community_config
    from bot.events import (
        ChannelRef,
        CommunityRef,
        MemberJoined,
        MessagePosted,
        MessageRef,
        UserRef,
    )
    from bot.platforms.console.workspace import ConsoleWorkspace
    from bot.scheduler import build_scheduler

    community = CommunityRef(platform="console", id="big", name="Big")
    clock = ManualClock(datetime(2026, 3, 2, tzinfo=UTC))
    store = open_store(f"sqlite:///{db}")
    ctx = build(load_community_config(None), store, {"console": ConsoleWorkspace()}, clock=clock)
    scheduler = build_scheduler(ctx)
    scheduler.start()
    assert ctx.sender is not None
    channel = ChannelRef(id="general", name="general")
    before = rss_mb()
    for n in range(members):
        user = UserRef(id=f"U{n:06d}", name=f"member {n}")
        at = clock.now()
        await ctx.router.dispatch(ctx, MemberJoined(event_id=f"j{n}", community=community,
                                                    at=at, user=user))
        await ctx.router.dispatch(ctx, MessagePosted(
            event_id=f"m{n}", community=community, at=at, author=user,
            message=MessageRef(channel=channel, id=f"m{n}"), text=f"hello from {n}"))
        clock.advance(timedelta(seconds=1))
    scheduler.shutdown(wait=False)
    return before, rss_mb()


def _child(members: int, db: str) -> None:
    import discord  # noqa: F401
    import slack_bolt  # noqa: F401  (the adapters' SDKs are part of a running bot)

    before, after = asyncio.run(_bot_process(members, db))
    print(json.dumps({"before": before, "after": after}))


def run(full: bool = False) -> list[Row]:
    members = 100_000 if full else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        code = f"from bench.memory import _child\n_child({members}, {str(Path(tmp) / 'b.db')!r})"
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                             text=True, check=True,
                             env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return [Row(f"resident memory, {members:,} members seen", figures["after"], "MB",
                figures["before"], "the same bot started, before any traffic",
                higher_is_better=False, target="< 200 MB at 100,000")]


if __name__ == "__main__":
    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
