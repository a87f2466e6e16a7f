"""SQL building blocks the metrics share, portable between SQLite and PostgreSQL.

- `counted_posts`: a community's messages that count (no bots, nothing deleted), in a window.
- `seconds_between`: elapsed seconds between two timestamps (each dialect spells it its way).
- `nearest_rank`: percentiles with window functions, so no rows travel to Python.
- `day_bucket`: which local day a timestamp falls on, as a CASE over precomputed boundaries
  (SQLite knows no time zones; the boundaries carry them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, false, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from storage.models import Member, Message, Reaction

# Reactions reach us through their message (indexed by community and time): reactions to
# posts older than this before a period are not counted as activity in it. People react to
# what is new, and reading a week more of posts than the period is what keeps it indexed.
REACTION_LOOKBACK = timedelta(days=7)


class seconds_between(FunctionElement[float]):  # lower case: it reads like SQL
    """`seconds_between(later, earlier)` as a float number of seconds."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"((julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)})) * 86400.0)")


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"CAST(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
            f"{compiler.process(earlier, **kw)})) AS DOUBLE PRECISION)")


def counts(member: Any = Member) -> ColumnElement[bool]:
    """The author is a person, not a bot."""
    return member.is_bot == false()


def counted_posts(
    community_id: int, start: datetime | None, end: datetime, *, message: Any = Message,
    member: Any = Member,
) -> ColumnElement[bool]:
    """Filter for `message` joined to its author `member`: this community's live human posts
    in `[start, end)` (served by `ix_messages_community_posted`)."""
    clauses = [
        message.community_id == community_id, message.posted_at < end,
        message.deleted_at.is_(None), counts(member),
    ]
    if start is not None:
        clauses.append(message.posted_at >= start)
    return and_(*clauses)


def reactions_in(community_id: int, start: datetime, end: datetime) -> Any:
    """`(member_id, message_id, reacted_at)` of people's reactions given in `[start, end)` to
    live posts of the community (a reaction to the bot's post is activity too)."""
    reactor = Member.__table__.alias("reactor")
    return (
        select(Reaction.member_id, Reaction.message_id, Reaction.reacted_at)
        .join(Message, Message.id == Reaction.message_id)
        .join(reactor, reactor.c.id == Reaction.member_id)
        .where(
            Message.community_id == community_id,
            Message.posted_at >= start - REACTION_LOOKBACK, Message.posted_at < end,
            Message.deleted_at.is_(None),
            Reaction.reacted_at >= start, Reaction.reacted_at < end, counts(reactor.c),
        )
    )


def starts_thread(message: Any = Message) -> ColumnElement[bool]:
    """A top-level post. Written so no index can serve it: `thread_external_id IS NULL`
    matches most rows, yet SQLite's statistics (averages per key) make `ix_messages_thread`
    look selective for it and it would scan that index instead of the period's range."""
    return func.coalesce(message.thread_external_id, "") == ""


@dataclass(frozen=True)
class Participants:
    """Who took part in a period: everyone, and those still present at its end."""

    active: int  # posted or reacted
    contributors: int  # posted
    active_present: int
    contributors_present: int


def participants(session: Session, community_id: int, start: datetime, end: datetime
                 ) -> Participants:
    """One pass over the period's posts and reactions, shared by engagement and adoption."""
    author = Member.__table__.alias("poster")
    posted = (
        select(Message.author_id.label("member_id"), literal(1).label("posted"))
        .join(author, author.c.id == Message.author_id)
        .where(counted_posts(community_id, start, end, member=author.c))
    )
    reactors = reactions_in(community_id, start, end).subquery("reactors")
    both = union_all(posted, select(reactors.c.member_id, literal(0))).subquery("took_part")
    per_member = select(both.c.member_id, func.max(both.c.posted).label("posted")) \
        .group_by(both.c.member_id).subquery("per_member")
    present = present_members(community_id, end)
    active, contributors, active_present, contributors_present = session.execute(
        select(func.count(), func.coalesce(func.sum(per_member.c.posted), 0),
               func.count().filter(present),
               func.count().filter(present & (per_member.c.posted == 1)))
        .select_from(per_member).join(Member, Member.id == per_member.c.member_id)
    ).one()
    return Participants(int(active), int(contributors), int(active_present),
                        int(contributors_present))


def present_members(community_id: int, at: datetime) -> ColumnElement[bool]:
    """People (not bots) who had arrived and not left at `at`."""
    arrived = func.coalesce(Member.joined_at, Member.first_seen_at)
    return and_(
        Member.community_id == community_id, counts(), arrived < at,
        (Member.left_at.is_(None)) | (Member.left_at >= at),
    )


def nearest_rank(rank: Any, size: Any, numerator: int, denominator: int) -> ColumnElement[bool]:
    """True on the row holding the `numerator/denominator` percentile (nearest-rank method):
    rank = ceil(p·n), written with integer arithmetic that both dialects share."""
    return rank == (size * numerator + (denominator - 1)) // denominator


def percentiles(values: Any, column: str, partition: Any | None = None) -> Any:
    """Median and p90 of `values.c[column]` (a subquery), per `partition` column if given:
    a select of (partition?, median, p90) computed entirely in SQL."""
    value = values.c[column]
    over: dict[str, Any] = {"order_by": value}
    count_over: dict[str, Any] = {}
    if partition is not None:
        over["partition_by"] = values.c[partition]
        count_over["partition_by"] = values.c[partition]
    ranked = select(
        *( [values.c[partition]] if partition is not None else [] ),
        value.label("v"),
        func.row_number().over(**over).label("rn"),
        func.count().over(**count_over).label("n"),
    ).where(value.is_not(None)).subquery("ranked")
    median = func.max(case((nearest_rank(ranked.c.rn, ranked.c.n, 1, 2), ranked.c.v)))
    p90 = func.max(case((nearest_rank(ranked.c.rn, ranked.c.n, 9, 10), ranked.c.v)))
    columns = [median.label("median"), p90.label("p90")]
    if partition is None:
        return select(*columns)
    key = ranked.c[partition]
    return select(key, *columns).group_by(key)


def day_bucket(column: Any, bounds: list[datetime]) -> ColumnElement[int]:
    """The index of the day `[bounds[i], bounds[i+1])` holding `column` (already filtered to
    `[bounds[0], bounds[-1])`)."""
    return case(*[(column < bound, index) for index, bound in enumerate(bounds[1:])],
                else_=len(bounds) - 2)
