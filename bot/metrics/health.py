"""The community's health over a period next to the period before: what `/community stats`,
the weekly digest and the export read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, union
from sqlmodel import Session

from bot.metrics.adoption import Adoption, adoption_of, member_counts
from bot.metrics.engagement import Engagement, engagement_of, thread_replies
from bot.metrics.periods import Period
from bot.metrics.questions import asked_in, question_figures, response_seconds
from bot.metrics.reads import Reads
from bot.metrics.sql import counted_posts, day_bucket, percentiles, reactions_in
from bot.metrics.tally import tallies
from storage.models import Message


@dataclass(frozen=True)
class Snapshot:
    period: Period
    engagement: Engagement
    adoption: Adoption


@dataclass(frozen=True)
class Health:
    now: Snapshot
    before: Snapshot


def health(reads: Reads, community_id: int, period: Period) -> Health:
    """The period and the one before it. Each statement covers both, but the tallies, one per
    period: the heaviest statement, halved, so that `reads` can run them at once."""
    periods = [period, period.previous]
    (now, *_), (before, *_), threads, questions, members = reads(
        partial(tallies, community_id=community_id, periods=[period]),
        partial(tallies, community_id=community_id, periods=[period.previous]),
        partial(thread_replies, community_id=community_id, periods=periods),
        partial(question_figures, community_id=community_id, periods=periods),
        partial(member_counts, community_id=community_id, periods=periods),
    )
    return Health(*(
        Snapshot(p, engagement_of(tally, thread, asked), adoption_of(tally, counted))
        for p, tally, thread, asked, counted in zip(
            periods, (now, before), threads, questions, members, strict=True)
    ))


@dataclass(frozen=True)
class Day:
    start: datetime
    active_members: int
    posts: int
    answered: int
    unanswered: int
    median_response_seconds: float | None


def daily(session: Session, community_id: int, period: Period, zone: ZoneInfo) -> list[Day]:
    """The period day by day in the community's time zone: one GROUP BY per series."""
    bounds = period.local_days(zone)
    size = len(bounds) - 1
    in_period = counted_posts(community_id, period.start, period.end)
    posted = select(Message.author_id.label("member_id"),
                    day_bucket(Message.posted_at, bounds).label("day")).where(in_period)
    posts = _count_by_day(session, posted.subquery("posted"))
    reactors = reactions_in(community_id, period.start, period.end).subquery("reactors")
    acts = union(posted, select(reactors.c.member_id, day_bucket(reactors.c.reacted_at, bounds)))
    active = _count_by_day(session, acts.subquery("acts"))  # UNION: one per member and day

    questions = asked_in(community_id, period.start, period.end)
    asked_on = select(
        day_bucket(questions.c.asked_at, bounds).label("day"),
        questions.c.answered_at, response_seconds(questions).label("seconds"),
    ).subquery("asked_on")
    asked, answered = {}, {}
    for index, total, done in session.execute(
        select(asked_on.c.day, func.count(), func.count(asked_on.c.answered_at))
        .group_by(asked_on.c.day)
    ):
        asked[index], answered[index] = total, done
    medians = {index: median for index, median, _p90 in
               session.execute(percentiles(asked_on, "seconds", partition="day"))}
    return [
        Day(bounds[i], active.get(i, 0), posts.get(i, 0), answered.get(i, 0),
            asked.get(i, 0) - answered.get(i, 0),
            None if medians.get(i) is None else round(float(medians[i]), 1))
        for i in range(size)
    ]


def _count_by_day(session: Session, rows: Any) -> dict[int, int]:
    grouped = select(rows.c.day, func.count()).group_by(rows.c.day)
    return {int(day): int(count) for day, count in session.execute(grouped)}
