"""What one Slack delivery costs the bot behind bolt, without HTTP or bolt: a diagnostic for
changes to the event path, steadier on a shared machine than `slack_overhead`'s throughput.

The Slack bench's deliveries are handed straight to `SlackAdapter._on_event`, `BATCH` at a
time concurrently (so the router commits them together, as under load), on a fresh SQLite
file with the whole bot built and the outbox sender stopped. Each round times the same
deliveries twice: through the whole bot and with the router stubbed out (translation and
name lookups only); the difference is what the router, handlers and store cost. Reported:
medians over the rounds of CPU µs per delivery, and write syscalls per delivery (the commits'
WAL pages: two `pwrite`s each). Not part of `python -m bench`: it has no baseline.
`python -m bench.event_cost [--full] [--rounds N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from bench.slack_overhead import (
    WARM_UP,
    discard_dispatch,
    seed_workspace,
    slack_bot,
    synthetic_deliveries,
)
from bot.platforms.slack.adapter import SlackAdapter
from tests.fakes.slack_server import FakeSlack

BATCH = 9  # about what the HTTP bench's 16 in flight gather per commit


@dataclass(frozen=True)
class Cost:
    cpu_us: float  # CPU per delivery, the event loop's thread (not the checkpoint's)
    all_cpu_us: float  # CPU per delivery, every thread of this process
    writes: float  # write syscalls per delivery


def _write_calls() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("syscw:"):
            return int(line.split()[1])
    return 0


async def _replay(adapter: SlackAdapter, bodies: list[dict[str, Any]]) -> Cost:
    gc.collect()
    writes, cpu, all_cpu = _write_calls(), time.thread_time(), time.process_time()
    for start in range(0, len(bodies), BATCH):
        await asyncio.gather(*(adapter._on_event(body) for body in bodies[start:start + BATCH]))
    cpu, all_cpu = time.thread_time() - cpu, time.process_time() - all_cpu
    per = 1e6 / len(bodies)
    return Cost(cpu * per, all_cpu * per, (_write_calls() - writes) / len(bodies))


async def _one_round(fake: FakeSlack, bodies: list[dict[str, Any]], *, stub: bool) -> Cost:
    with tempfile.TemporaryDirectory() as tmp:
        async with slack_bot(fake, Path(tmp) / "bot.db") as (ctx, adapter):
            await ctx.sender.stop()  # type: ignore[union-attr]  # no outbox traffic timed
            if stub:
                ctx.router.dispatch = discard_dispatch  # type: ignore[method-assign]
            await _replay(adapter, bodies[:WARM_UP])
            cost = await _replay(adapter, bodies[WARM_UP:])
            stats = ctx.router.stats
            if not stub and (stats.events, stats.duplicates, stats.rejected) != (
                    len(bodies), 0, 0):
                raise RuntimeError(f"the bot handled {stats.events} of {len(bodies)} "
                                   f"deliveries ({stats.duplicates} duplicates, "
                                   f"{stats.rejected} rejected)")
            return cost


async def measure(deliveries: int, rounds: int) -> dict[str, float]:
    bodies = [json.loads(b) for b in synthetic_deliveries(WARM_UP + deliveries).bodies]
    whole: list[Cost] = []
    alone: list[Cost] = []
    async with FakeSlack() as fake:
        seed_workspace(fake)
        for _ in range(rounds):
            whole.append(await _one_round(fake, bodies, stub=False))
            alone.append(await _one_round(fake, bodies, stub=True))
    bot = sorted(w.cpu_us - a.cpu_us for w, a in zip(whole, alone, strict=True))
    return {
        "deliveries": deliveries, "rounds": rounds,
        "whole_cpu_us": median(c.cpu_us for c in whole),
        "adapter_cpu_us": median(c.cpu_us for c in alone),
        "bot_cpu_us": median(bot), "bot_cpu_us_min": bot[0],
        "all_threads_cpu_us": median(c.all_cpu_us for c in whole),
        "writes_per_delivery": median(c.writes for c in whole),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.event_cost", description=__doc__)
    parser.add_argument("--full", action="store_true", help="10,000 deliveries (else 2,000)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    result = asyncio.run(measure(10_000 if args.full else 2_000, args.rounds))
    print(json.dumps({k: round(v, 1) for k, v in result.items()}))


if __name__ == "__main__":
    main()
