"""Runs the jobs on APScheduler (3.x, asyncio) in the leading process (`bot.leader`).

Every job has an explicit misfire grace and coalescing. The sweeps in `bot.jobs.SWEEPS` run on
intervals. Each programme also gets a cron job from its row in the store, so it posts on the
second; the schedule is rebuilt from the store every `SYNC_SECONDS` (managers change programmes
by command, possibly in another process). A cron job only wakes the programme's sweep: the
sweep decides from the store what is due, so a job firing twice, late or in two processes still
posts each occurrence once. Nothing lives only in APScheduler's memory job store.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.context import BotContext
from bot.jobs import SWEEPS, Sweep
from bot.jobs.programming import post_due_programmes
from bot.programme_catalog import cadence_of, running_programmes

log = logging.getLogger(__name__)

SYNC_SECONDS = 30
SYNC_JOB = "sync_programme_jobs"
PROGRAMME_JOB = "programme:"


class JobScheduler:
    """Starts and stops with leadership; a fresh APScheduler each time it starts."""

    def __init__(self, ctx: BotContext, sweeps: Sequence[Sweep] = SWEEPS) -> None:
        self.ctx = ctx
        self.sweeps = tuple(sweeps)
        self.scheduler: AsyncIOScheduler | None = None
        self._cadences: dict[str, tuple[str, str]] = {}  # job id -> (cron, timezone)

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    def start(self) -> None:
        if self.scheduler is not None:
            return
        scheduler = AsyncIOScheduler(timezone="UTC")
        for sweep in self.sweeps:
            scheduler.add_job(
                sweep.run, IntervalTrigger(seconds=sweep.every_seconds), args=[self.ctx],
                id=sweep.name, name=sweep.name,
                # A sweep finds all due work itself: late runs merge into one.
                coalesce=True, max_instances=1, misfire_grace_time=sweep.every_seconds,
            )
        scheduler.add_job(
            self.sync_programme_jobs, IntervalTrigger(seconds=SYNC_SECONDS), id=SYNC_JOB,
            name=SYNC_JOB, coalesce=True, max_instances=1, misfire_grace_time=SYNC_SECONDS,
        )
        # No trigger: once, as soon as it starts. A new leader catches up on what its
        # predecessor left due (within grace) and builds the programme jobs at once.
        scheduler.add_job(self.catch_up, id="catch_up", name="catch_up", coalesce=True,
                          max_instances=1, misfire_grace_time=SYNC_SECONDS)
        self.scheduler = scheduler
        self._cadences = {}
        scheduler.start()
        log.info("scheduler started: %d sweeps", len(self.sweeps))

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            log.info("scheduler stopped")

    def shutdown(self, wait: bool = False) -> None:
        self.stop()

    async def catch_up(self) -> None:
        await self.sync_programme_jobs()
        for sweep in self.sweeps:
            try:
                await sweep.run(self.ctx)
            except Exception:
                log.exception("catch-up run of %s failed; its interval job retries", sweep.name)

    async def sync_programme_jobs(self) -> int:
        """Make the cron jobs match the running programmes in the store; returns job count."""
        scheduler = self.scheduler
        if scheduler is None:
            return 0
        async with self.ctx.store.transaction() as session:
            wanted = {}
            for programme, _platform in running_programmes(session, self.ctx.config):
                cadence = cadence_of(programme)
                if cadence is not None:
                    wanted[f"{PROGRAMME_JOB}{programme.id}"] = (programme.id, cadence)
        grace = int(self.ctx.config.programming.grace_period.total_seconds())
        for job_id in set(self._cadences) - set(wanted):
            scheduler.remove_job(job_id)
            del self._cadences[job_id]
        for job_id, (programme_id, cadence) in wanted.items():
            signature = (cadence.cron, cadence.timezone)
            if self._cadences.get(job_id) == signature:
                continue
            scheduler.add_job(
                run_programme, cadence.trigger, args=[self.ctx, programme_id], id=job_id,
                name=job_id, replace_existing=True, coalesce=True, max_instances=1,
                misfire_grace_time=grace,
            )
            self._cadences[job_id] = signature
        return len(wanted)


async def run_programme(ctx: BotContext, programme_id: int) -> int:
    return await post_due_programmes(ctx, only={programme_id})


def build_scheduler(ctx: BotContext) -> JobScheduler:
    return JobScheduler(ctx)
