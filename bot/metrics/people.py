"""People and places to act on this week: members at risk, newcomers who never posted,
trending channels, channels going quiet, the most helpful members, a user of the month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.questions import accepted_answers, first_responses
from bot.metrics.sql import counted_posts, counts, present_members
from storage.models import Channel, Member, Message

# "Were active": the window before today in which at-risk members posted regularly.
ACTIVE_WINDOW = timedelta(days=90)
QUIET_MIN_POSTS = 3  # a channel must have had this many posts before it can "go quiet"


@dataclass(frozen=True)
class Person:
    member_id: int
    external_id: str
    name: str


@dataclass(frozen=True)
class AtRisk:
    person: Person
    posts: int  # in the active window
    last_post_at: datetime


@dataclass(frozen=True)
class Newcomer:
    person: Person
    joined_at: datetime


@dataclass(frozen=True)
class ChannelTrend:
    channel_id: int
    external_id: str
    name: str
    posts: int
    previous_posts: int
    posters: int


@dataclass(frozen=True)
class Helper:
    person: Person
    first_responses: int
    accepted: int

    @property
    def score(self) -> int:
        return 2 * self.accepted + self.first_responses


def _person(row: Any) -> Person:
    return Person(row.member_id, row.external_id, row.display_name or row.external_id)


def at_risk(
    session: Session, community_id: int, as_of: datetime, *, silent_days: int, min_posts: int,
    limit: int = 10,
) -> tuple[int, list[AtRisk]]:
    """Members who posted at least `min_posts` times in the 90 days before falling silent
    for `silent_days`: (how many in all, the most active of them first).

    Per member rather than per post (90 days are most of the posts): one index-only seek for
    each member's last live post (`ix_messages_author_live`), then, only for those whose last
    post falls in the window but before the silence, a count of their posts in it. Each step
    is MATERIALIZED, or the planners inline the subqueries and seek twice per member."""
    start, cutoff = as_of - ACTIVE_WINDOW, as_of - timedelta(days=silent_days)
    theirs = and_(Message.author_id == Member.id, Message.deleted_at.is_(None),
                  Message.posted_at < as_of)
    last_post = (select(func.max(Message.posted_at)).where(theirs)
                 .correlate(Member).scalar_subquery())
    quiet = (
        select(Member.id.label("member_id"), Member.external_id, Member.display_name,
               last_post.label("last_post_at"))
        .where(present_members(community_id, as_of))
        .cte("quiet").prefix_with("MATERIALIZED")
    )
    posts = (select(func.count()).select_from(Message)
             .where(Message.author_id == quiet.c.member_id, Message.deleted_at.is_(None),
                    Message.posted_at >= start, Message.posted_at < as_of)
             .correlate(quiet).scalar_subquery())
    counted = (
        select(quiet, posts.label("posts"))
        .where(quiet.c.last_post_at >= start, quiet.c.last_post_at < cutoff)
        .cte("counted").prefix_with("MATERIALIZED")
    )
    rows = session.execute(  # one pass: the total rides along with the first rows
        select(counted, func.count().over().label("total"))
        .where(counted.c.posts >= min_posts)
        .order_by(counted.c.posts.desc(), counted.c.member_id).limit(limit)
    ).all()
    total = rows[0].total if rows else 0
    return int(total), [AtRisk(_person(r), int(r.posts), r.last_post_at) for r in rows]


def silent_newcomers(
    session: Session, community_id: int, as_of: datetime, *, days: int = 30, limit: int = 10
) -> tuple[int, list[Newcomer]]:
    """Members who joined in the last `days` and have not posted yet (oldest first)."""
    posted = select(Message.id).where(
        Message.author_id == Member.id, Message.deleted_at.is_(None), Message.posted_at < as_of
    ).exists()
    base = (
        select(Member.id.label("member_id"), Member.external_id, Member.display_name,
               Member.joined_at)
        .where(present_members(community_id, as_of), Member.joined_at >= as_of - timedelta(
            days=days), ~posted)
    )
    total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = session.execute(base.order_by(Member.joined_at, Member.id).limit(limit)).all()
    return int(total), [Newcomer(_person(r), r.joined_at) for r in rows]


def channel_trends(session: Session, community_id: int, period: Period) -> list[ChannelTrend]:
    """Every public channel with posts in the period or the one before: one pass over their
    posts, counted per channel (a community has tens of channels, not thousands)."""
    now = Message.posted_at >= period.start
    per_channel = (
        select(
            Message.channel_id, func.sum(case((now, 1), else_=0)).label("posts"),
            func.sum(case((now, 0), else_=1)).label("previous_posts"),
            func.count(func.distinct(case((now, Message.author_id)))).label("posters"),
        )
        .where(counted_posts(community_id, period.previous.start, period.end))
        .group_by(Message.channel_id)
        .subquery("per_channel")
    )
    rows = session.execute(
        select(Channel.id, Channel.external_id, Channel.name, per_channel.c.posts,
               per_channel.c.previous_posts, per_channel.c.posters)
        .join(per_channel, per_channel.c.channel_id == Channel.id)
        .where(Channel.is_private.is_(False))
    ).all()
    return [ChannelTrend(row.id, row.external_id, row.name, int(row.posts),
                         int(row.previous_posts), int(row.posters)) for row in rows]


def trending_channels(trends: list[ChannelTrend], *, limit: int = 5) -> list[ChannelTrend]:
    """Channels with posts in the period, those that grew most since the previous period
    first, then the busiest."""
    active = [t for t in trends if t.posts > 0]
    return sorted(active, key=lambda t: (-(t.posts - t.previous_posts), -t.posts, t.name))[:limit]


def quiet_channels(trends: list[ChannelTrend], *, limit: int = 5) -> list[ChannelTrend]:
    """Channels at risk of going quiet: at least half their posts lost since the previous
    period (which had at least `QUIET_MIN_POSTS`)."""
    quiet = [t for t in trends
             if t.previous_posts >= QUIET_MIN_POSTS and t.posts * 2 <= t.previous_posts]
    return sorted(quiet, key=lambda t: (-(t.previous_posts - t.posts), t.name))[:limit]


def most_helpful(
    session: Session, community_id: int, period: Period, *, limit: int = 5,
    member_id: int | None = None,
) -> list[Helper]:
    """Members whose answers were accepted and who answered first, best first (or just
    `member_id`, when given)."""
    firsts = first_responses(community_id, period).subquery("firsts")
    accepted = accepted_answers(community_id, period)
    both = union_all(
        select(firsts.c.member_id, firsts.c.first_responses, literal(0).label("accepted")),
        select(accepted.c.answerer_id, literal(0), func.count())
        .group_by(accepted.c.answerer_id),
    ).subquery("helpful")
    first_total = func.sum(both.c.first_responses)
    accepted_total = func.sum(both.c.accepted)
    rows = session.execute(
        select(Member.id.label("member_id"), Member.external_id, Member.display_name,
               first_total.label("first_responses"), accepted_total.label("accepted"))
        .join(both, both.c.member_id == Member.id)
        .where(counts(), *([Member.id == member_id] if member_id is not None else []))
        .group_by(Member.id, Member.external_id, Member.display_name)
        .order_by((accepted_total * 2 + first_total).desc(), accepted_total.desc(), Member.id)
        .limit(limit)
    ).all()
    return [Helper(_person(r), int(r.first_responses), int(r.accepted)) for r in rows]


def user_of_the_month(session: Session, community_id: int, as_of: datetime) -> Helper | None:
    """The most helpful member of the last 30 days: a suggestion for the managers."""
    found = most_helpful(session, community_id, Period.ending(as_of, timedelta(days=30)),
                         limit=1)
    return found[0] if found else None
