"""SQL building blocks the metrics share, portable between SQLite and PostgreSQL.

- `counted_posts`: a community's messages that count (no bots, nothing deleted), in a window.
- `people_only`: a member id that is not one of the community's bots, without a join.
- `which_period`: which of several periods a timestamp falls in, so one pass over a span
  serves the report's period and the one before it.
- `seconds_between`: elapsed seconds between two timestamps (each dialect spells it its way).
- `nearest_rank`: percentiles with window functions, so no rows travel to Python.
- `day_bucket`: which local day a timestamp falls on, as a CASE over precomputed boundaries
  (SQLite knows no time zones; the boundaries carry them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, false, func, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from bot.metrics.periods import Period
from storage.models import Member, Message, Reaction

# Reactions to posts older than this before a period are not counted as activity in it:
# people react to what is new.
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


class unindexed_on_sqlite(FunctionElement[Any]):  # lower case: it reads like SQL
    """`column` as a plain filter on SQLite (its no-op unary `+`, which no index serves), the
    column itself elsewhere: for a bound that PostgreSQL's planner uses well but SQLite's,
    without statistics, would rather use as a range inside a join (a scan per outer row)."""

    inherit_cache = True
    name = "unindexed_on_sqlite"

    @property
    def type(self) -> Any:  # the column's, so binds compared with it are processed alike
        return next(iter(self.clauses)).type


@compiles(unindexed_on_sqlite, "sqlite")
def _unindexed_sqlite(element: unindexed_on_sqlite, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(next(iter(element.clauses)), **kw)}"


@compiles(unindexed_on_sqlite)
def _unindexed_other(element: unindexed_on_sqlite, compiler: Any, **kw: Any) -> str:
    return compiler.process(next(iter(element.clauses)), **kw)


def counts(member: Any = Member) -> ColumnElement[bool]:
    """The member (a joined row) is a person, not a bot."""
    return member.is_bot == false()


def bots(community_id: int, column: Any = Member.id) -> Any:
    """The community's bots (`ix_members_community_bot`): a handful of rows."""
    return select(column).where(Member.community_id == community_id, Member.is_bot == true())


def people_only(member_id: Any, community_id: int) -> ColumnElement[bool]:
    """`member_id` is a person's, not a bot's. A NOT IN over the few bots costs far less per
    row than joining each of the period's posts to its author."""
    return member_id.not_in(bots(community_id))


def counted_posts(
    community_id: int, start: datetime | None, end: datetime | None, *, message: Any = Message
) -> ColumnElement[bool]:
    """This community's live human posts in `[start, end)`, either bound open (served by
    `ix_messages_community_posted`)."""
    clauses = [
        message.community_id == community_id, message.deleted_at.is_(None),
        people_only(message.author_id, community_id),
    ]
    if start is not None:
        clauses.append(message.posted_at >= start)
    if end is not None:
        clauses.append(message.posted_at < end)
    return and_(*clauses)


def reactions_in(community_id: int, start: datetime, end: datetime) -> Any:
    """`(member_id, message_id, reacted_at)` of people's reactions given in `[start, end)` to
    live posts of the community (a reaction to the bot's post is activity too), found by
    `ix_reactions_reacted`."""
    return (
        select(Reaction.member_id, Reaction.message_id, Reaction.reacted_at)
        .join(Message, Message.id == Reaction.message_id)
        .where(
            Reaction.reacted_at >= start, Reaction.reacted_at < end,
            Message.deleted_at.is_(None), people_only(Reaction.member_id, community_id),
            # Bounds for PostgreSQL's hash join; SQLite finds each post by its id.
            unindexed_on_sqlite(Message.community_id) == community_id,
            unindexed_on_sqlite(Message.posted_at) >= start - REACTION_LOOKBACK,
        )
    )


def starts_thread(message: Any = Message) -> ColumnElement[bool]:
    """A top-level post: no thread root (an empty one counts as none). Most rows match, so
    the period's range is scanned for it; `ix_messages_thread` holds replies only."""
    return func.coalesce(message.thread_external_id, "") == ""


def within(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def which_period(column: Any, periods: Sequence[Period]) -> ColumnElement[int]:
    """The index in `periods` of the period holding `column`; NULL when none does."""
    return case(*[(within(column, period), index) for index, period in enumerate(periods)])


def span(periods: Sequence[Period]) -> Period:
    """The smallest period covering all of `periods` (adjacent ones, in practice)."""
    return Period(min(p.start for p in periods), max(p.end for p in periods))


def present_members(community_id: int, at: datetime) -> ColumnElement[bool]:
    """People (not bots) who had arrived and not left at `at`."""
    return and_(Member.community_id == community_id, counts(), present_at(at))


def present_at(at: datetime, member: Any = Member) -> ColumnElement[bool]:
    """The member had arrived and not left at `at`."""
    arrived = func.coalesce(member.joined_at, member.first_seen_at)
    return and_(arrived < at, (member.left_at.is_(None)) | (member.left_at >= at))


def nearest_rank(rank: Any, size: Any, numerator: int, denominator: int) -> ColumnElement[bool]:
    """True on the row holding the `numerator/denominator` percentile (nearest-rank method):
    rank = ceil(p·n), written with integer arithmetic that both dialects share."""
    return rank == (size * numerator + (denominator - 1)) // denominator


def percentiles(values: Any, column: str, partition: str | None = None) -> Any:
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
