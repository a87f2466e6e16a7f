"""Engagement: how deeply people take part (the playbook's "Engagement / Health" figures).

- active members: people who posted or reacted in the period;
- posts (thread starters and replies) and posts per active contributor (people who posted);
- threads started, the share of them with at least one reply, and replies per thread;
- reactions per post (reactions given to the period's posts);
- answered rate and median / p90 time to first response (see `bot.metrics.questions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.questions import QuestionFigures, question_figures
from bot.metrics.sql import (
    counted_posts,
    people_only,
    span,
    starts_thread,
    unindexed_on_sqlite,
    which_period,
)
from bot.metrics.tally import Tally, tallies
from storage.models import Message


@dataclass(frozen=True)
class Engagement:
    active_members: int
    contributors: int
    posts: int
    threads: int
    threads_with_replies: int
    replies: int  # replies in the threads started in the period, whenever they came
    reactions: int  # reactions given to the period's posts
    questions: QuestionFigures

    @property
    def posts_per_contributor(self) -> float | None:
        return self.posts / self.contributors if self.contributors else None

    @property
    def reply_share(self) -> float | None:
        return self.threads_with_replies / self.threads if self.threads else None

    @property
    def replies_per_thread(self) -> float | None:
        return self.replies / self.threads if self.threads else None

    @property
    def reactions_per_post(self) -> float | None:
        return self.reactions / self.posts if self.posts else None


def engagement_of(
    tally: Tally, threads: tuple[int, int], questions: QuestionFigures
) -> Engagement:
    """A period's engagement from its tally, `thread_replies` and `question_figures`."""
    with_replies, replies = threads
    return Engagement(
        active_members=tally.active, contributors=tally.contributors, posts=tally.posts,
        threads=tally.threads, threads_with_replies=with_replies, replies=replies,
        reactions=tally.reactions, questions=questions,
    )


def engagement(session: Session, community_id: int, period: Period) -> Engagement:
    """One period's engagement, in order on one session (`health` runs these at once)."""
    [tally] = tallies(session, community_id, [period])
    [threads] = thread_replies(session, community_id, [period])
    [questions] = question_figures(session, community_id, [period])
    return engagement_of(tally, threads, questions)


def thread_replies(
    session: Session, community_id: int, periods: Sequence[Period]
) -> list[tuple[int, int]]:
    """(threads started in the period with a reply, replies in them) per period, in one
    statement: the replies since the span began, each joined to its root by the root's
    unique key, on SQLite (fewer lookups than roots looking up their replies); PostgreSQL
    hash-joins the two ranges."""
    outer = span(periods)
    root = Message.__table__.alias("root")
    reply = Message.__table__.alias("reply")
    index = which_period(root.c.posted_at, periods)
    rows = session.execute(
        select(index, func.count(func.distinct(root.c.id)), func.count())
        .select_from(reply)
        .join(root, (root.c.channel_id == reply.c.channel_id)
              & (root.c.external_id == reply.c.thread_external_id))
        .where(
            # Replies come after their roots: from the span's start on.
            counted_posts(community_id, outer.start, None, message=reply.c),
            # The roots' bounds are filters on SQLite, which finds each root by its key.
            unindexed_on_sqlite(root.c.community_id) == community_id,
            unindexed_on_sqlite(root.c.posted_at) >= outer.start,
            unindexed_on_sqlite(root.c.posted_at) < outer.end,
            root.c.deleted_at.is_(None), people_only(root.c.author_id, community_id),
            starts_thread(root.c),
        )
        .group_by(index)
    ).all()
    found = {row[0]: (int(row[1]), int(row[2])) for row in rows}
    return [found.get(i, (0, 0)) for i in range(len(periods))]
