"""Scheduled jobs: plain coroutines taking the bot context; the scheduler and the console's
clock run them. Each is idempotent, so running one early, late or twice is harmless."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.context import BotContext
from bot.jobs import digest, drip, housekeeping, programming, sla_sweep, welcome_batch


@dataclass(frozen=True)
class Sweep:
    """A job that looks for due work every `every_seconds`."""

    name: str
    run: Callable[[BotContext], Awaitable[int]]
    every_seconds: int


SWEEPS = (
    Sweep("post_batched_welcomes", welcome_batch.post_batched_welcomes, every_seconds=10),
    Sweep("forget_old_deliveries", housekeeping.forget_old_deliveries, every_seconds=3600),
    Sweep("post_due_programmes", programming.post_due_programmes, every_seconds=30),
    Sweep("send_programme_heads_ups", programming.send_heads_ups, every_seconds=300),
    Sweep("send_due_drip_steps", drip.send_due_drip_steps, every_seconds=300),
    Sweep("route_unanswered_questions", sla_sweep.route_unanswered_questions,
          every_seconds=30),
    Sweep("send_weekly_digests", digest.send_weekly_digests, every_seconds=300),
)


async def run_sweeps(ctx: BotContext) -> int:
    """Run every sweep once now (the console after each step, tests); returns work done."""
    done = 0
    for sweep in SWEEPS:
        done += await sweep.run(ctx)
    return done


async def settle(ctx: BotContext) -> None:
    """Finish background work, run every sweep once and deliver all that is queued: what the
    console does after each line and tests do instead of waiting for timers."""
    await ctx.idle()
    await run_sweeps(ctx)
    await ctx.idle()
    assert ctx.sender is not None
    await ctx.sender.drain()
