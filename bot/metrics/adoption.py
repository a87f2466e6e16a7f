"""Adoption: how widespread taking part is (the playbook's "Adoption" figures).

Counted over the members present at the end of the period (people, not bots, who had arrived
and not left): active % (posted or reacted in the period), contributors % (posted in it),
readers % (never posted at all, up to the period's end), and newcomers (joined in the
period) with how many of them have posted since.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.sql import Participants, counts, participants, present_members
from storage.models import Member, Message


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


def adoption(
    session: Session, community_id: int, period: Period, who: Participants | None = None
) -> Adoption:
    """`who` took part in the period, when the caller has counted them already."""
    who = who or participants(session, community_id, period.start, period.end)
    present = present_members(community_id, period.end)
    count = select(func.count()).select_from(Member)
    members = _count(session, count.where(present))
    readers = _count(session, count.where(present, ~_ever_posted(period)))
    joined_in_period = and_(
        Member.community_id == community_id, counts(),
        Member.joined_at >= period.start, Member.joined_at < period.end,
    )
    newcomers, newcomers_posted = session.execute(
        select(func.count(), func.count().filter(_ever_posted(period)))
        .select_from(Member).where(joined_in_period)
    ).one()
    return Adoption(members, who.active_present, who.contributors_present, readers,
                    int(newcomers), int(newcomers_posted))


def _ever_posted(period: Period) -> ColumnElement[bool]:
    """The member has a live post before the period's end (`ix_messages_author_posted`)."""
    return exists().where(
        Message.author_id == Member.id, Message.posted_at < period.end,
        Message.deleted_at.is_(None),
    )


def _count(session: Session, statement: Select[tuple[int]]) -> int:
    return int(session.execute(statement).scalar_one())
