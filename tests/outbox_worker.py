"""A bot process that only drains the outbox into a journaled console workspace.

Run by `tests/test_outbox_crash.py` as a real subprocess that gets killed mid-drain:
`python -m tests.outbox_worker DB_URL JOURNAL [--die-after N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path

from bot.clock import SystemClock
from bot.events import ChannelRef, MessageRef
from bot.pacing import Pace
from bot.platforms.console.workspace import ConsoleWorkspace
from bot.sender import OutboxSender
from bot.text import Text
from storage.db import Store
from storage.outbox import pending_count


class CrashingWorkspace(ConsoleWorkspace):
    """Dies like a killed process right after the platform accepted the Nth message."""

    def __init__(self, journal: Path, die_after: int | None) -> None:
        super().__init__(journal=journal)
        self.pace = Pace(global_rate=300, global_burst=1)
        self.die_after = die_after
        self.delivered = 0

    async def post(
        self, channel: ChannelRef, text: Text, *, thread_id: str | None, key: str
    ) -> MessageRef:
        ref = await super().post(channel, text, thread_id=thread_id, key=key)
        self.delivered += 1
        if self.die_after is not None and self.delivered >= self.die_after:
            os._exit(9)  # no cleanup, no commit: the outbox never hears it was sent
        return ref


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("journal", type=Path)
    parser.add_argument("--die-after", type=int)
    args = parser.parse_args()
    store = Store.from_url(args.database_url)
    workspace = CrashingWorkspace(args.journal, args.die_after)
    sender = OutboxSender(store, {"console": workspace}, SystemClock(), batch=20)
    await sender.start()  # recovers rows a killed predecessor left in flight
    await sender.stop()
    await sender.drain()
    with store.session() as session:
        left = pending_count(session)
    print(json.dumps({"sent": sender.stats.sent, "recovered": sender.stats.recovered,
                      "pending": left}))


if __name__ == "__main__":
    asyncio.run(main())
