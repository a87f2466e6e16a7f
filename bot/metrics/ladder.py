"""The participation ladder: where each member stands this period, and where they stood before.

reader (did nothing visible) → active reader (reacted, did not post) → commenter (replied
only) → creator (started a thread) → superuser (posts a lot and answers others) → champion
(holds the champion role and posted). Thresholds come from `[metrics.ladder]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, literal, or_, select, union_all
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.sql import counted_posts, present_members, reactions_in
from storage.models import Member, Message, RoleGrant

if TYPE_CHECKING:
    from bot.community_config import CommunityConfig


class Rung(IntEnum):
    READER = 0
    ACTIVE_READER = 1
    COMMENTER = 2
    CREATOR = 3
    SUPERUSER = 4
    CHAMPION = 5

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


@dataclass(frozen=True)
class LadderRules:
    creator_threads: int = 1
    superuser_posts: int = 10
    superuser_replies: int = 5  # replies in other people's threads
    champions: frozenset[str] = frozenset()  # external ids named champion in the config

    @classmethod
    def from_config(cls, config: CommunityConfig, platform: str) -> LadderRules:
        """The `[metrics.ladder]` thresholds and this platform's champions from `[roles]`."""
        section = config.metrics.ladder
        prefix = f"{platform}:"
        champions = frozenset(handle[len(prefix):] for handle in config.roles.champions
                              if handle.startswith(prefix)
                              and not handle.startswith(f"{prefix}role:"))
        return cls(section.creator_threads, section.superuser_posts, section.superuser_replies,
                   champions)


@dataclass(frozen=True)
class Climber:
    member_id: int
    external_id: str
    name: str
    before: Rung
    now: Rung


@dataclass(frozen=True)
class Ladder:
    now: dict[Rung, int]
    before: dict[Rung, int]  # where today's members stood in the previous period
    moved_up: int
    moved_down: int
    climbers: list[Climber] = field(default_factory=list)


def activity(community_id: int, period: Period, name: str) -> Any:
    """Per member: posts, threads started, replies in others' threads, reactions given."""
    root = Message.__table__.alias(f"{name}_root")
    replied_to_other = (root.c.author_id.is_not(None)) & (root.c.author_id != Message.author_id)
    posts = (
        select(
            Message.author_id.label("member_id"), func.count().label("posts"),
            func.sum(case((Message.thread_external_id.is_(None), 1), else_=0)).label("threads"),
            func.sum(case((replied_to_other, 1), else_=0)).label("replies"),
            literal(0).label("reactions"),
        )
        .outerjoin(root, (root.c.channel_id == Message.channel_id)
                   & (root.c.external_id == Message.thread_external_id))
        .where(counted_posts(community_id, period.start, period.end))
        .group_by(Message.author_id)
    )
    given = reactions_in(community_id, period.start, period.end).subquery(f"{name}_given")
    reactions = select(
        given.c.member_id, literal(0), literal(0), literal(0), func.count()
    ).group_by(given.c.member_id)
    both = union_all(posts, reactions).subquery(f"{name}_both")
    return (
        select(
            both.c.member_id, func.sum(both.c.posts).label("posts"),
            func.sum(both.c.threads).label("threads"), func.sum(both.c.replies).label("replies"),
            func.sum(both.c.reactions).label("reactions"),
        )
        .group_by(both.c.member_id)
        .subquery(name)
    )


def is_champion(community_id: int, rules: LadderRules) -> ColumnElement[bool]:
    granted = select(RoleGrant.member_external_id).where(
        RoleGrant.community_id == community_id, RoleGrant.role == "champion"
    )
    return or_(Member.external_id.in_(granted), Member.external_id.in_(sorted(rules.champions)))


def rung_of(acts: Any, champion: ColumnElement[bool], rules: LadderRules) -> ColumnElement[int]:
    posts = func.coalesce(acts.c.posts, 0)
    return case(
        (champion & (posts > 0), int(Rung.CHAMPION)),
        ((posts >= rules.superuser_posts)
         & (func.coalesce(acts.c.replies, 0) >= rules.superuser_replies), int(Rung.SUPERUSER)),
        (func.coalesce(acts.c.threads, 0) >= rules.creator_threads, int(Rung.CREATOR)),
        (posts > 0, int(Rung.COMMENTER)),
        (func.coalesce(acts.c.reactions, 0) > 0, int(Rung.ACTIVE_READER)),
        else_=int(Rung.READER),
    )


def member_rungs(community_id: int, period: Period, rules: LadderRules) -> Any:
    """Every member present at the period's end with their rung now and before."""
    now = activity(community_id, period, "now_acts")
    before = activity(community_id, period.previous, "before_acts")
    champion = is_champion(community_id, rules)
    return (
        select(
            Member.id.label("member_id"), Member.external_id, Member.display_name,
            rung_of(now, champion, rules).label("now"),
            rung_of(before, champion, rules).label("before"),
            func.coalesce(now.c.posts, 0).label("posts"),
        )
        .outerjoin(now, now.c.member_id == Member.id)
        .outerjoin(before, before.c.member_id == Member.id)
        .where(present_members(community_id, period.end))
        .subquery("rungs")
    )


def ladder(
    session: Session, community_id: int, period: Period, rules: LadderRules, *, climbers: int = 5
) -> Ladder:
    rungs = member_rungs(community_id, period, rules)
    moves = session.execute(
        select(rungs.c.before, rungs.c.now, func.count()).group_by(rungs.c.before, rungs.c.now)
    ).all()
    now = dict.fromkeys(Rung, 0)
    before = dict.fromkeys(Rung, 0)
    up = down = 0
    for was, is_, count in moves:  # at most 36 rows: rung pairs, not members
        now[Rung(is_)] += count
        before[Rung(was)] += count
        up += count if is_ > was else 0
        down += count if is_ < was else 0
    top = session.execute(
        select(rungs.c.member_id, rungs.c.external_id, rungs.c.display_name,
               rungs.c.before, rungs.c.now)
        .where(rungs.c.now > rungs.c.before)
        .order_by((rungs.c.now - rungs.c.before).desc(), rungs.c.posts.desc(),
                  rungs.c.member_id)
        .limit(climbers)
    ).all()
    return Ladder(now, before, up, down, [
        Climber(r.member_id, r.external_id, r.display_name or r.external_id, Rung(r.before),
                Rung(r.now)) for r in top
    ])


def rung_of_member(
    session: Session, community_id: int, period: Period, rules: LadderRules, member_id: int
) -> tuple[Rung, Rung]:
    """(now, before) for one member; a member who is not present counts as a reader."""
    rungs = member_rungs(community_id, period, rules)
    row = session.execute(
        select(rungs.c.now, rungs.c.before).where(rungs.c.member_id == member_id)
    ).first()
    return (Rung(row.now), Rung(row.before)) if row else (Rung.READER, Rung.READER)


def describe_counts(counts: dict[Rung, int], order: Iterable[Rung] = Rung) -> str:
    return ", ".join(f"{rung.label} {counts[rung]}" for rung in order)
