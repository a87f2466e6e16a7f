"""Runs the jobs on APScheduler: every sweep with explicit misfire grace and coalescing."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.context import BotContext
from bot.jobs import SWEEPS

log = logging.getLogger(__name__)


def build_scheduler(ctx: BotContext) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for sweep in SWEEPS:
        scheduler.add_job(
            sweep.run, IntervalTrigger(seconds=sweep.every_seconds), args=[ctx],
            id=sweep.name, name=sweep.name,
            # A sweep finds all due work itself: late runs merge into one, none is needed twice.
            coalesce=True, max_instances=1, misfire_grace_time=sweep.every_seconds,
            replace_existing=True,
        )
    return scheduler
