"""Where question figures come from: answered rate, time to first response, accepted answers.

Today they are read from thread replies in `messages`: a question is a top-level post in a
help channel or one ending in "?", answered once someone other than the asker replies in its
thread, and an answer is accepted when the asker reacts ✅ to it. When the questions table
lands, `question_threads` and `accepted_answers` select the same columns from it instead;
nothing else changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.sql import counted_posts, counts, percentiles, seconds_between, starts_thread
from storage.models import Channel, Member, Message, Reaction

ACCEPT_EMOJI = ("white_check_mark", "✅", "heavy_check_mark", "✔️", "✔")


@dataclass(frozen=True)
class QuestionFigures:
    asked: int
    answered: int
    median_seconds: float | None  # time to first response, over answered questions
    p90_seconds: float | None

    @property
    def answered_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def question_threads(
    community_id: int, period: Period, help_channels: Sequence[str], name: str = "q"
) -> Any:
    """One row per question asked in the period: (id, channel_id, asker_id, asked_at,
    first_response_at, first_responder_id); the response columns are NULL when unanswered."""
    root = Message.__table__.alias(f"{name}_root")
    asker = Member.__table__.alias(f"{name}_asker")
    in_help = select(Channel.id).where(
        Channel.community_id == community_id, Channel.name.in_(list(help_channels) or [""])
    )
    roots = (
        select(root.c.id, root.c.channel_id, root.c.external_id,
               root.c.author_id.label("asker_id"), root.c.posted_at.label("asked_at"))
        .join(asker, asker.c.id == root.c.author_id)
        .where(
            counted_posts(community_id, period.start, period.end, message=root.c, member=asker.c),
            starts_thread(root.c),
            or_(root.c.channel_id.in_(in_help), func.rtrim(root.c.text).like("%?")),
        )
        .subquery(f"{name}_roots")
    )
    reply = Message.__table__.alias(f"{name}_reply")
    replier = Member.__table__.alias(f"{name}_replier")
    responses = (
        select(
            roots.c.id.label("question_id"), reply.c.posted_at, reply.c.author_id,
            func.row_number().over(
                partition_by=roots.c.id, order_by=(reply.c.posted_at, reply.c.id)
            ).label("rn"),
        )
        .join(reply, (reply.c.channel_id == roots.c.channel_id)
              & (reply.c.thread_external_id == roots.c.external_id))
        .join(replier, replier.c.id == reply.c.author_id)
        .where(reply.c.author_id != roots.c.asker_id, reply.c.deleted_at.is_(None),
               counts(replier.c))
        .subquery(f"{name}_responses")
    )
    return (
        select(
            roots.c.id, roots.c.channel_id, roots.c.asker_id, roots.c.asked_at,
            responses.c.posted_at.label("first_response_at"),
            responses.c.author_id.label("first_responder_id"),
        )
        .outerjoin(responses, (responses.c.question_id == roots.c.id) & (responses.c.rn == 1))
        .subquery(name)
    )


def accepted_answers(
    community_id: int, period: Period, help_channels: Sequence[str], name: str = "acc"
) -> Any:
    """One row per accepted answer to a question asked in the period: (answerer_id,
    question_id). Accepting is the asker's ✅ on someone else's reply."""
    questions = question_threads(community_id, period, help_channels, name=f"{name}_q")
    root = Message.__table__.alias(f"{name}_root")
    answer = Message.__table__.alias(f"{name}_answer")
    answerer = Member.__table__.alias(f"{name}_answerer")
    return (
        select(answer.c.author_id.label("answerer_id"), questions.c.id.label("question_id"))
        .distinct()
        .join(root, root.c.id == questions.c.id)
        .join(answer, (answer.c.channel_id == root.c.channel_id)
              & (answer.c.thread_external_id == root.c.external_id))
        .join(answerer, answerer.c.id == answer.c.author_id)
        .join(Reaction, (Reaction.message_id == answer.c.id)
              & (Reaction.member_id == questions.c.asker_id))
        .where(Reaction.emoji.in_(ACCEPT_EMOJI), answer.c.author_id != questions.c.asker_id,
               answer.c.deleted_at.is_(None), counts(answerer.c))
        .subquery(name)
    )


def response_seconds(questions: Any) -> Any:
    return seconds_between(questions.c.first_response_at, questions.c.asked_at)


def question_figures(
    session: Session, community_id: int, period: Period, help_channels: Sequence[str]
) -> QuestionFigures:
    questions = question_threads(community_id, period, help_channels)
    asked, answered = session.execute(
        select(func.count(), func.count(questions.c.first_response_at))
    ).one()
    timed = select(response_seconds(questions).label("seconds")).subquery("timed")
    median, p90 = session.execute(percentiles(timed, "seconds")).one()
    return QuestionFigures(int(asked), int(answered), _seconds(median), _seconds(p90))


def first_responses(community_id: int, period: Period, help_channels: Sequence[str]) -> Any:
    """(member_id, first_responses) for the period."""
    questions = question_threads(community_id, period, help_channels, name="fr")
    return (
        select(questions.c.first_responder_id.label("member_id"),
               func.count().label("first_responses"))
        .where(questions.c.first_responder_id.is_not(None))
        .group_by(questions.c.first_responder_id)
    )


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)

