"""Background work for the assist: bounded, and never lost silently."""

from __future__ import annotations

import asyncio

from bot.assist import BackgroundWork


async def test_background_work_runs_a_few_at_a_time_and_drops_past_the_queue() -> None:
    work = BackgroundWork(running=2, waiting=3)
    running = 0
    peak = 0
    release = asyncio.Event()

    async def job() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1

    for n in range(5):
        work.start(job(), name=f"job-{n}")
    await asyncio.sleep(0)
    release.set()
    await work.idle()
    assert peak == 2
    assert work.dropped == 2
