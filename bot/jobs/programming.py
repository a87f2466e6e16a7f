"""Scheduled programming: each programme's due occurrences are posted exactly once, late ones
within the grace period, older ones skipped and logged; owners get a heads-up the day before.

Exactly once: an occurrence row (programme, scheduled time) has a unique key and is inserted in
the same transaction as its outbox post, so a restart, a repeated sweep, a clock set back or a
second process running the same sweep finds the row and posts nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlmodel import Session

from bot.cadence import DueOccurrences, due_occurrences
from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.events import ChannelRef
from bot.jobs.programme_content import compose, preview
from bot.programme_catalog import (
    cadence_of,
    channel_of,
    member_ref,
    running_programmes,
    sync_all_communities,
)
from bot.text import Text
from storage.outbox import Outbox
from storage.programme_tables import Programme, ProgrammeOccurrence
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    POSTED = "posted"
    EMPTY = "empty"  # nothing to say (no newcomers, an empty queue): recorded, not posted
    ALREADY = "already"  # another sweep, process or run-now recorded it first


def occurrence_key(programme_id: int, scheduled_for: datetime) -> str:
    return f"programme:{programme_id}:{scheduled_for:%Y%m%dT%H%M%S.%f}"


def post_occurrence(
    session: Session, config: CommunityConfig, outbox: Outbox, programme: Programme,
    platform: str, scheduled_for: datetime, *, now: datetime, manual: bool = False,
) -> tuple[Outcome, str]:
    """Record the occurrence and enqueue its post in the caller's transaction, once."""
    assert programme.id is not None
    fresh = insert_ignore(session, ProgrammeOccurrence, {
        "programme_id": programme.id, "scheduled_for": scheduled_for, "status": "posted",
        "manual": manual, "recorded_at": now, "detail": "",
    })
    if not fresh:
        return Outcome.ALREADY, ""
    composed = compose(session, config, programme, platform, scheduled_for, now)
    key = occurrence_key(programme.id, scheduled_for)
    for index, warning in enumerate(composed.warnings):
        outbox.post(managers_channel(config), warning, key=f"{key}:warning:{index}")
    status = Outcome.POSTED if composed.text is not None else Outcome.EMPTY
    session.execute(
        update(ProgrammeOccurrence).where(
            ProgrammeOccurrence.programme_id == programme.id,
            ProgrammeOccurrence.scheduled_for == scheduled_for,
        ).values(status=status.value, detail=composed.detail[:200])
    )
    if composed.text is None:
        log.info("%s at %s had nothing to post: %s", programme.name, scheduled_for,
                 composed.detail)
        return status, composed.detail
    outbox.post(channel_of(programme), composed.text, key=key)
    return status, composed.detail


def managers_channel(config: CommunityConfig) -> ChannelRef:
    return ChannelRef(id="", name=config.channels.managers.lstrip("#"))


def last_recorded(session: Session, programme_ids: list[int]) -> dict[int, datetime]:
    if not programme_ids:
        return {}
    return dict(session.execute(
        select(ProgrammeOccurrence.programme_id, func.max(ProgrammeOccurrence.scheduled_for))
        .where(ProgrammeOccurrence.programme_id.in_(programme_ids))
        .group_by(ProgrammeOccurrence.programme_id)
    ).all())


def plan(
    session: Session, config: CommunityConfig, now: datetime, only: set[int] | None = None
) -> list[tuple[Programme, str, DueOccurrences]]:
    """For each running programme: its occurrences between the last one recorded (or when it
    started running) and now, split into those to post and those too late."""
    running = [(p, platform) for p, platform in running_programmes(session, config)
               if only is None or p.id in only]
    last = last_recorded(session, [p.id for p, _ in running if p.id is not None])
    grace = config.programming.grace_period
    plans = []
    for programme, platform in running:
        cadence = cadence_of(programme)
        if cadence is None:
            continue
        since = max(programme.active_since, last.get(programme.id, programme.active_since))
        due = due_occurrences(cadence, since, now, grace)
        if due.to_post or due.skipped:
            plans.append((programme, platform, due))
    return plans


async def post_due_programmes(ctx: BotContext, only: set[int] | None = None) -> int:
    """The sweep: post every due occurrence of every running programme; returns posts made."""
    if not ctx.config.programming.enabled:
        return 0
    now = ctx.clock.now()
    async with ctx.store.transaction() as session:
        sync_all_communities(session, ctx.config, now)
        plans = plan(session, ctx.config, now, only)
    posted = 0
    for programme, platform, due in plans:
        if due.last_skipped is not None:
            await _record_skipped(ctx, programme, due, now)
        for scheduled_for in due.to_post:
            async with ctx.store.transaction() as session:
                outbox = Outbox(session, platform=platform,
                                community_id=programme.community_id, now=now)
                outcome, _ = post_occurrence(session, ctx.config, outbox, programme, platform,
                                             scheduled_for, now=now)
            if outcome is Outcome.POSTED:
                posted += 1
                late = now - scheduled_for
                log.info("posted %s for %s (%s late)", programme.name, scheduled_for, late)
    if posted:
        ctx.wake_sender()
    return posted


async def _record_skipped(
    ctx: BotContext, programme: Programme, due: DueOccurrences, now: datetime
) -> None:
    async with ctx.store.transaction() as session:
        fresh = insert_ignore(session, ProgrammeOccurrence, {
            "programme_id": programme.id, "scheduled_for": due.last_skipped,
            "status": "skipped", "manual": False, "recorded_at": now,
            "detail": f"{due.skipped} skipped, beyond the grace period",
        })
    if fresh:
        log.warning(
            "skipped %d occurrence(s) of %s up to %s: more than %s late (was the bot stopped?)",
            due.skipped, programme.name, due.last_skipped, ctx.config.programming.grace,
        )


def describe_time(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B at %H:%M} ({timezone})"


async def send_heads_ups(ctx: BotContext) -> int:
    """DM each programme's owner once before each occurrence (the config's `heads_up`)."""
    section = ctx.config.programming
    if not section.enabled:
        return 0
    now = ctx.clock.now()
    sent = 0
    async with ctx.store.transaction() as session:
        for programme, platform in running_programmes(session, ctx.config):
            cadence = cadence_of(programme)
            if not programme.owner_external_id or cadence is None:
                continue
            upcoming = cadence.next_after(max(now, programme.active_since))
            if upcoming is None or upcoming - now > section.heads_up_before:
                continue
            owner = member_ref(session, programme.community_id, programme.owner_external_id)
            text = Text.of(
                "Heads-up: {title} posts in {channel} on {when}. ",
                title=programme.title, channel=channel_of(programme),
                when=describe_time(upcoming, programme.timezone),
            ) + preview(session, programme, now)
            outbox = Outbox(session, platform=platform, community_id=programme.community_id,
                            now=now)
            if outbox.dm(owner, text, key=f"heads-up:{occurrence_key(programme.id, upcoming)}"):
                sent += 1
    if sent:
        ctx.wake_sender()
    return sent
