"""A bot process that runs the schedule: it campaigns for leadership, runs the programming
jobs while it leads and drains the outbox into a platform shared with the other workers.

Run by `tests/test_scheduler_processes.py` as a real subprocess (one of two, one gets killed):
`python -m tests.scheduler_worker DB_URL SCHEMA JOURNAL STATUS`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from datetime import timedelta
from pathlib import Path

from bot.app import build
from bot.clock import SystemClock
from bot.community_config import CommunityConfig, load_community_config
from bot.events import ChannelRef, MessageRef
from bot.jobs import SWEEPS
from bot.leader import Leadership
from bot.platforms.console.workspace import ConsoleWorkspace
from bot.scheduler import JobScheduler
from bot.sender import OutboxSender
from bot.text import Text
from storage.db import Store, make_engine


class SharedJournalWorkspace(ConsoleWorkspace):
    """One platform for several processes: a post any of them made is known to all (as a
    platform knows its messages), so a recovered send is recognised, not repeated."""

    def __init__(self, journal: Path) -> None:
        super().__init__(journal=journal, run_id=str(os.getpid()))

    def _reload(self) -> None:
        if self._journal is None or not self._journal.exists():
            return
        for line in self._journal.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # another process is writing this line right now
            self._by_key[entry["key"]] = MessageRef(channel=ChannelRef(id=entry["channel"]),
                                                    id=entry["id"])

    async def find_sent(self, kind: str, key: str) -> MessageRef | None:
        self._reload()
        return await super().find_sent(kind, key)

    async def post(
        self, channel: ChannelRef, text: Text, *, thread_id: str | None, key: str
    ) -> MessageRef:
        self._reload()
        return await super().post(channel, text, thread_id=thread_id, key=key)


def programming_only(config_path: Path | None) -> CommunityConfig:
    """The example config with the built-in programmes off (the test adds its own) and a
    short grace, as a fast clock needs."""
    config = load_community_config(config_path)
    section = config.programming
    off = {key: getattr(section, key).model_copy(update={"enabled": False})
           for key in ("wednesday_welcomes", "thursday_tips", "friday_fun")}
    return config.model_copy(update={
        "programming": section.model_copy(update={**off, "grace": "30s"}),
    })


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("schema")
    parser.add_argument("journal", type=Path)
    parser.add_argument("status", type=Path)
    args = parser.parse_args()

    def report(what: str) -> None:
        with args.status.open("a", encoding="utf-8") as status:
            status.write(f"{os.getpid()} {what}\n")

    engine = make_engine(args.database_url,
                         connect_args={"options": f"-csearch_path={args.schema}"})
    store = Store(engine)
    clock = SystemClock()
    workspace = SharedJournalWorkspace(args.journal)
    ctx = build(programming_only(None), store, {"console": workspace}, clock=clock)
    ctx.sender = OutboxSender(store, {"console": workspace}, clock,
                              lease=timedelta(seconds=2), idle_poll=0.1)
    sweeps = [s for s in SWEEPS if s.name == "post_due_programmes"]
    scheduler = JobScheduler(ctx, sweeps)

    def elected() -> None:
        scheduler.start()
        report("leader")

    leadership = Leadership(store, on_elected=elected, on_deposed=scheduler.stop,
                            retry_seconds=0.2)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await ctx.sender.start()
    await leadership.start()
    report("started")
    await stop.wait()
    await leadership.stop()
    await ctx.sender.stop()
    store.dispose()


if __name__ == "__main__":
    asyncio.run(main())
