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

from sqlalchemy import case, func, select
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.questions import QuestionFigures, question_figures
from bot.metrics.sql import Participants, counted_posts, counts, participants, starts_thread
from storage.models import Member, Message, Reaction


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


def engagement(
    session: Session, community_id: int, period: Period, help_channels: Sequence[str],
    who: Participants | None = None,
) -> Engagement:
    """`who` took part in the period, when the caller has counted them already."""
    who = who or participants(session, community_id, period.start, period.end)
    in_period = counted_posts(community_id, period.start, period.end)
    posts, threads = session.execute(
        select(func.count(), func.coalesce(func.sum(case((starts_thread(), 1), else_=0)), 0))
        .join(Member, Member.id == Message.author_id).where(in_period)
    ).one()
    threads_with_replies, replies = _thread_replies(session, community_id, period)
    reactor = Member.__table__.alias("reactor")
    reactions = session.execute(
        select(func.count(Reaction.id))
        .join(Message, Message.id == Reaction.message_id)
        .join(Member, Member.id == Message.author_id)
        .join(reactor, reactor.c.id == Reaction.member_id)
        .where(in_period, counts(reactor.c))
    ).scalar_one()
    return Engagement(
        active_members=who.active, contributors=who.contributors, posts=int(posts),
        threads=int(threads), threads_with_replies=threads_with_replies, replies=replies,
        reactions=int(reactions),
        questions=question_figures(session, community_id, period, help_channels),
    )


def _thread_replies(session: Session, community_id: int, period: Period) -> tuple[int, int]:
    """(threads started in the period with a reply, replies in them): per thread, one EXISTS
    and one correlated count on `ix_messages_thread`, rather than a join the planner may turn
    into a scan."""
    root = Message.__table__.alias("root")
    author = Member.__table__.alias("root_author")
    reply = Message.__table__.alias("reply")
    replier = Member.__table__.alias("replier")
    in_thread = (
        (reply.c.channel_id == root.c.channel_id)
        & (reply.c.thread_external_id == root.c.external_id)
        & reply.c.deleted_at.is_(None) & counts(replier.c)
    )
    replies = (
        select(func.count()).select_from(reply)
        .join(replier, replier.c.id == reply.c.author_id).where(in_thread)
        .correlate(root).scalar_subquery()
    )
    # EXISTS for "has a reply", so no planner evaluates the count twice per thread.
    answered = select(reply.c.id).join(replier, replier.c.id == reply.c.author_id) \
        .where(in_thread).correlate(root).exists()
    per_thread = (
        select(case((answered, 1), else_=0).label("answered"), replies.label("replies"))
        .select_from(root).join(author, author.c.id == root.c.author_id)
        .where(counted_posts(community_id, period.start, period.end,
                             message=root.c, member=author.c),
               starts_thread(root.c))
        .subquery("per_thread")
    )
    with_replies, replies_total = session.execute(select(
        func.coalesce(func.sum(per_thread.c.answered), 0),
        func.coalesce(func.sum(per_thread.c.replies), 0),
    )).one()
    return int(with_replies), int(replies_total)
