"""Keeps the de-duplication table small: platforms stop retrying within minutes or hours."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from bot.context import BotContext
from storage.models import ProcessedEvent

KEEP_DELIVERIES = timedelta(days=7)


async def forget_old_deliveries(ctx: BotContext) -> int:
    cutoff = ctx.clock.now() - KEEP_DELIVERIES
    async with ctx.store.transaction() as session:
        result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.processed_at < cutoff))
    return result.rowcount or 0
