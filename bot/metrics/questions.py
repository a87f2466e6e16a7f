"""Question figures, read from the `questions` table the question handlers keep: asked,
answered rate, time to first response, first responders and accepted answers.

A question counts when it was asked in the period by a person (not a bot), has not been
dismissed as no question or deleted, and its message was not deleted since. It is answered
once it was marked answered (by someone else's reply, a ✅ or a command); its first response
is the first reply by someone other than the asker. An answer is accepted when the asker
reacts ✅ to someone else's reply in the question's thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from bot.metrics.periods import Period
from bot.metrics.sql import (
    bots,
    counts,
    percentiles,
    seconds_between,
    span,
    which_period,
)
from storage.models import Channel, Member, Message, Reaction
from storage.questions_tables import Question

ACCEPT_EMOJI = ("white_check_mark", "✅", "heavy_check_mark", "✔️", "✔")
COUNTED_STATUSES = ("open", "answered")  # not "dismissed" (no question) nor "deleted"


@dataclass(frozen=True)
class QuestionFigures:
    asked: int
    answered: int
    median_seconds: float | None  # time to first response, over questions that had one
    p90_seconds: float | None

    @property
    def answered_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def asked_in(community_id: int, start: datetime, end: datetime, name: str = "q") -> Any:
    """The questions that count, asked in `[start, end)` (`ix_questions_community_status`):
    (id, channel_external_id, message_external_id, asker_external_id, asked_at,
    first_response_at, first_responder, answered_at)."""
    q = Question.__table__.alias(name)
    return (
        select(q.c.id, q.c.channel_external_id, q.c.message_external_id,
               q.c.asker_external_id, q.c.posted_at.label("asked_at"), q.c.first_response_at,
               q.c.first_responder, q.c.answered_at)
        .where(
            q.c.community_id == community_id, q.c.status.in_(COUNTED_STATUSES),
            q.c.posted_at >= start, q.c.posted_at < end,
            q.c.asker_external_id.not_in(bots(community_id, Member.external_id)),
            q.c.id.not_in(_with_deleted_message(community_id, start, end)),
        )
        .subquery(name)
    )


def _with_deleted_message(community_id: int, start: datetime, end: datetime) -> Any:
    """Ids of the questions whose message, posted in `[start, end)` like the question, was
    deleted since: an open question whose message is deleted is marked so, an answered one
    keeps its status. Found from the few deleted posts (`ix_messages_deleted`)."""
    question = Question.__table__.alias("deleted_q")
    return (
        select(question.c.id)
        .select_from(Message)
        .join(Channel, Channel.id == Message.channel_id)
        .join(question, (question.c.community_id == community_id)
              & (question.c.channel_external_id == Channel.external_id)
              & (question.c.message_external_id == Message.external_id))
        .where(Message.community_id == community_id, Message.posted_at >= start,
               Message.posted_at < end, Message.deleted_at.is_not(None))
    )


def response_seconds(questions: Any) -> Any:
    return seconds_between(questions.c.first_response_at, questions.c.asked_at)


def question_figures(
    session: Session, community_id: int, periods: Sequence[Period]
) -> list[QuestionFigures]:
    """The figures of each period, in the order given: two statements for all of them."""
    outer = span(periods)
    questions = asked_in(community_id, outer.start, outer.end)
    timed = select(
        which_period(questions.c.asked_at, periods).label("period"), questions.c.answered_at,
        response_seconds(questions).label("seconds"),
    ).subquery("timed")
    counted = {period: (asked, answered) for period, asked, answered in session.execute(
        select(timed.c.period, func.count(), func.count(timed.c.answered_at))
        .group_by(timed.c.period))}
    times = {period: (median, p90) for period, median, p90 in session.execute(
        percentiles(timed, "seconds", partition="period"))}
    figures = []
    for index in range(len(periods)):
        asked, answered = counted.get(index, (0, 0))
        median, p90 = times.get(index, (None, None))
        figures.append(QuestionFigures(int(asked), int(answered), _seconds(median),
                                       _seconds(p90)))
    return figures


def first_responses(community_id: int, period: Period) -> Any:
    """(member_id, first_responses) for the questions asked in the period."""
    questions = asked_in(community_id, period.start, period.end, name="fr")
    responder = Member.__table__.alias("responder")
    return (
        select(responder.c.id.label("member_id"), func.count().label("first_responses"))
        .select_from(questions)
        .join(responder, (responder.c.community_id == community_id)
              & (responder.c.external_id == questions.c.first_responder))
        .where(counts(responder.c))
        .group_by(responder.c.id)
    )


def accepted_answers(community_id: int, period: Period, name: str = "acc") -> Any:
    """One row per accepted answer to a question asked in the period: (answerer_id,
    question_id). Accepting is the asker's ✅ on someone else's live reply in the thread."""
    questions = asked_in(community_id, period.start, period.end, name=f"{name}_q")
    channel = Channel.__table__.alias(f"{name}_channel")
    asker = Member.__table__.alias(f"{name}_asker")
    answer = Message.__table__.alias(f"{name}_answer")
    answerer = Member.__table__.alias(f"{name}_answerer")
    return (
        select(answer.c.author_id.label("answerer_id"), questions.c.id.label("question_id"))
        .distinct()
        .join(channel, (channel.c.community_id == community_id)
              & (channel.c.external_id == questions.c.channel_external_id))
        .join(asker, (asker.c.community_id == community_id)
              & (asker.c.external_id == questions.c.asker_external_id))
        .join(answer, (answer.c.channel_id == channel.c.id)
              & (answer.c.thread_external_id == questions.c.message_external_id))
        .join(answerer, answerer.c.id == answer.c.author_id)
        .join(Reaction, (Reaction.message_id == answer.c.id) & (Reaction.member_id == asker.c.id))
        .where(Reaction.emoji.in_(ACCEPT_EMOJI), answer.c.author_id != asker.c.id,
               answer.c.deleted_at.is_(None), counts(answerer.c),
               # A reply from someone else is a first response: only such questions have one.
               questions.c.first_response_at.is_not(None))
        .subquery(name)
    )


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)
