"""Adoption: how widespread taking part is (the playbook's "Adoption" figures).

Counted over the members present at the end of the period (people, not bots, who had arrived
and not left): active % (posted or reacted in the period), contributors % (posted in it),
readers % (never posted at all, up to the period's end), and newcomers (joined in the
period) with how many of them have posted since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.sql import counts, present_at, within
from bot.metrics.tally import Tally, tallies
from storage.models import Member, Message


@dataclass(frozen=True)
class MemberCounts:
    """What a period's adoption needs from the members table."""

    members: int  # present at the period's end
    readers: int  # ... of them, those who had never posted by then
    newcomers: int  # joined in the period
    newcomers_posted: int  # ... of them, those who have posted since


@dataclass(frozen=True)
class Adoption:
    members: int
    active: int
    contributors: int
    readers: int
    newcomers: int
    newcomers_posted: int

    def share(self, count: int) -> float | None:
        return count / self.members if self.members else None

    @property
    def active_share(self) -> float | None:
        return self.share(self.active)

    @property
    def contributor_share(self) -> float | None:
        return self.share(self.contributors)

    @property
    def reader_share(self) -> float | None:
        return self.share(self.readers)


def adoption_of(tally: Tally, members: MemberCounts) -> Adoption:
    """A period's adoption from its tally and its `member_counts`."""
    return Adoption(members.members, tally.active_present, tally.contributors_present,
                    members.readers, members.newcomers, members.newcomers_posted)


def member_counts(
    session: Session, community_id: int, periods: Sequence[Period]
) -> list[MemberCounts]:
    """Each period's `MemberCounts`, in the order given: one pass over the members."""
    ends = sorted({period.end for period in periods})
    keys = _member_keys(community_id, periods, ends)
    columns: list[Any] = []
    for index, period in enumerate(periods):
        present, joined = keys.c[f"present{index}"] == 1, keys.c[f"joined{index}"] == 1
        posted = keys.c.posted_by <= ends.index(period.end)
        columns += [
            func.count().filter(present), func.count().filter(present & ~posted),
            func.count().filter(joined), func.count().filter(joined & posted),
        ]
    row = session.execute(select(*columns).select_from(keys)).one()
    return [MemberCounts(*(int(value or 0) for value in row[index * 4:index * 4 + 4]))
            for index in range(len(periods))]


def adoption(session: Session, community_id: int, period: Period) -> Adoption:
    """One period's adoption, in order on one session (`health` runs these at once)."""
    [tally] = tallies(session, community_id, [period])
    [members] = member_counts(session, community_id, [period])
    return adoption_of(tally, members)


def _member_keys(community_id: int, periods: Sequence[Period], ends: list[datetime]) -> Any:
    """Per person of the community: present at each period's end, joined in each period, and
    `posted_by`, the index in `ends` of the first end their first live post came before
    (`len(ends)` when none did), found by one index seek (`ix_messages_author_live`).
    MATERIALIZED: the counts read `posted_by` several times, and an inlined subquery would
    seek once per reading."""
    first_post = (
        select(case(*[(Message.posted_at < end, index) for index, end in enumerate(ends)],
                    else_=len(ends)))
        .where(Message.author_id == Member.id, Message.deleted_at.is_(None))
        .order_by(Message.posted_at).limit(1)
        .correlate(Member).scalar_subquery()
    )
    return (
        select(
            *[case((present_at(period.end), 1), else_=0).label(f"present{index}")
              for index, period in enumerate(periods)],
            *[case((within(Member.joined_at, period), 1), else_=0).label(f"joined{index}")
              for index, period in enumerate(periods)],
            func.coalesce(first_post, len(ends)).label("posted_by"),
        )
        .where(Member.community_id == community_id, counts())
        .cte("member_keys").prefix_with("MATERIALIZED")
    )
