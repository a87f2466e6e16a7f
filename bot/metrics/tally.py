"""One pass over the posts and reactions of one or more periods: who took part, how much they
posted, what reactions their posts got. Engagement and adoption both read it. (The health
report runs one per period, at once: on SQLite two single-period passes cost less than one
over both, and each takes half the time.)

The pass reads each post and each reaction once, sums them per member, then joins each
member once (to know who was still present at a period's end): per member rather than per
post, and without joining every post to its author only to leave the bots out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.sql import (
    REACTION_LOOKBACK,
    counted_posts,
    people_only,
    present_at,
    span,
    starts_thread,
    unindexed_on_sqlite,
    within,
)
from storage.models import Member, Message, Reaction


@dataclass(frozen=True)
class Tally:
    """One period's share of the pass."""

    active: int  # people who posted or reacted
    contributors: int  # people who posted
    active_present: int  # ... of them, those still present at the period's end
    contributors_present: int
    posts: int  # thread starters and replies
    threads: int  # thread starters
    reactions: int  # people's reactions to the period's posts, whenever given


def tallies(session: Session, community_id: int, periods: Sequence[Period]) -> list[Tally]:
    """A `Tally` per period, in the order given, from one statement."""
    per_member = _per_member(community_id, periods)
    columns: list[Any] = []
    for index, period in enumerate(periods):
        posts, acted, got = (per_member.c[f"{name}{index}"] for name in ("posts", "acted", "got"))
        took_part = (posts > 0) | (acted > 0)
        present = present_at(period.end)
        columns += [
            func.count().filter(took_part), func.count().filter(posts > 0),
            func.count().filter(took_part & present), func.count().filter((posts > 0) & present),
            func.coalesce(func.sum(posts), 0),
            func.coalesce(func.sum(per_member.c[f"threads{index}"]), 0),
            func.coalesce(func.sum(got), 0),
        ]
    row = session.execute(
        select(*columns).select_from(per_member).join(Member, Member.id == per_member.c.member_id)
    ).one()
    size = len(columns) // len(periods)
    return [Tally(*(int(value) for value in row[i * size:(i + 1) * size]))
            for i in range(len(periods))]


def _per_member(community_id: int, periods: Sequence[Period]) -> Any:
    """Per member and period: posts, threads started, whether they reacted (`acted`), and
    the reactions they gave to the period's posts (`got`: only its total is read)."""
    outer = span(periods)
    numbered = list(enumerate(periods))
    zero = literal(0)

    def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return case((condition, 1), else_=0)

    posts = select(
        Message.author_id.label("member_id"),
        *[flag(within(Message.posted_at, p)).label(f"posts{i}") for i, p in numbered],
        *[flag(within(Message.posted_at, p) & starts_thread()).label(f"threads{i}")
          for i, p in numbered],
        *[zero.label(f"acted{i}") for i, _ in numbered],
        *[zero.label(f"got{i}") for i, _ in numbered],
    ).where(counted_posts(community_id, outer.start, outer.end))
    # Reactions from the span's start on: those given in a period are activity in it (to
    # posts at most REACTION_LOOKBACK older), those to a period's post count for the post.
    reactions = (
        select(  # the columns of `posts`, in its order: a UNION matches them by position
            Reaction.member_id,
            *[zero for _ in numbered], *[zero for _ in numbered],
            *[flag(within(Reaction.reacted_at, p)
                   & (Message.posted_at >= p.start - REACTION_LOOKBACK)) for _, p in numbered],
            *[flag(within(Message.posted_at, p) & people_only(Message.author_id, community_id))
              for _, p in numbered],
        )
        .join(Message, Message.id == Reaction.message_id)
        .where(
            Reaction.reacted_at >= outer.start, Message.deleted_at.is_(None),
            people_only(Reaction.member_id, community_id),
            # Bounds for PostgreSQL's hash join; SQLite finds each post by its id.
            unindexed_on_sqlite(Message.community_id) == community_id,
            unindexed_on_sqlite(Message.posted_at) >= outer.start - REACTION_LOOKBACK,
        )
    )
    both = union_all(posts, reactions).subquery("acts")
    sums = [
        (func.max if name == "acted" else func.sum)(both.c[f"{name}{i}"]).label(f"{name}{i}")
        for name in ("posts", "threads", "acted", "got") for i, _ in numbered
    ]
    return select(both.c.member_id, *sums).group_by(both.c.member_id).subquery("per_member")
