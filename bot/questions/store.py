"""Questions in the store: recording, finding, answering, taking, and the FAQ with its search.

Every state change is a guarded UPDATE (`WHERE status = 'open'`, `WHERE outcome = 'pending'`),
so whichever of a reply, a click or the sweep comes second finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, bindparam, case, cast, delete, func, insert, or_, select, update
from sqlmodel import Session

from bot.assist import Classification
from bot.assist.similarity import idf, term_counts, terms
from bot.community_config import CommunityConfig
from bot.events import ChannelRef, UserRef
from bot.questions.hours import add_working_time, zone
from storage import fastpath
from storage.questions_tables import ChampionTopic, FaqEntry, FaqTerm, Question, QuestionPing
from storage.types import UTCDateTime
from storage.upsert import insert_ignore_returning

MAX_QUESTION_TEXT = 4000
MAX_FAQ_TERMS = 300  # distinct terms indexed per FAQ entry
OPEN_PING = ("pending", "taken")  # outcomes that count against a champion's capacity
QUESTIONS = Question.__table__
FAQ = FaqEntry.__table__

# The event path's queries, built once: building a statement costs more than running it.
_ROOTS = select(QUESTIONS.c.id, QUESTIONS.c.channel_external_id).where(
    QUESTIONS.c.community_id == bindparam("community"),
    QUESTIONS.c.message_external_id == bindparam("message"),
)
_THREAD_STATE = (
    select(QUESTIONS.c.id, QUESTIONS.c.channel_external_id, QUESTIONS.c.status,
           QUESTIONS.c.asker_external_id, QUESTIONS.c.first_response_at.is_(None),
           FAQ.c.answer_rank)
    .outerjoin(FAQ, FAQ.c.question_id == QUESTIONS.c.id)
    .where(QUESTIONS.c.community_id == bindparam("community"),
           QUESTIONS.c.message_external_id == bindparam("message"))
)
_CHAMPION_TOPICS = select(ChampionTopic.__table__.c.topic).where(
    ChampionTopic.__table__.c.community_id == bindparam("community")
).distinct()
_ANSWER_RANK = select(FAQ.c.answer_rank).where(FAQ.c.question_id == bindparam("question"))
_FAQ_ID = select(FAQ.c.id).where(FAQ.c.question_id == bindparam("question"))
_LOAD = select(QUESTIONS).where(QUESTIONS.c.id == bindparam("question"))
_LOAD_KEYS = tuple(column.key for column in _LOAD.selected_columns)
_NEW_FAQ = insert(FAQ).returning(FAQ.c.id)
_UPDATE_FAQ = update(FAQ).where(FAQ.c.id == bindparam("faq"))
_DROP_TERMS = delete(FaqTerm.__table__).where(FaqTerm.__table__.c.faq_id == bindparam("faq"))
_ADD_TERMS = insert(FaqTerm.__table__)


def _closing(by_reply: bool) -> Any:
    """Close an open question; a reply is also its first response (unless one came before)."""
    at = bindparam("closed_at", type_=UTCDateTime())
    values: dict[str, Any] = {
        "status": bindparam("new_status"), "next_step_at": None,
        "answered_at": bindparam("answered_at_", type_=UTCDateTime()),
        "answered_how": bindparam("how"), "answered_by": bindparam("by"),
    }
    if by_reply:
        values.update(first_response_at=func.coalesce(QUESTIONS.c.first_response_at, at),
                      first_responder=func.coalesce(QUESTIONS.c.first_responder, bindparam("by")))
    return (update(QUESTIONS)
            .where(QUESTIONS.c.id == bindparam("question"), QUESTIONS.c.status == "open")
            .values(**values).returning(QUESTIONS.c.step, QUESTIONS.c.taken_by))


_CLOSE = {by_reply: _closing(by_reply) for by_reply in (False, True)}


@dataclass(frozen=True)
class Asked:
    """A top-level message that is (or may be) a question."""

    channel: ChannelRef
    message_id: str
    asker: UserRef
    text: str
    at: datetime


def vocabulary(session: Session, config: CommunityConfig, community_id: int) -> dict[str, str]:
    """Topics to tag with: the configured ones (with their keywords) and every champion's."""
    topics = dict(config.questions.topics)
    for (topic,) in fastpath.run(session, _CHAMPION_TOPICS, {"community": community_id}):
        topics.setdefault(topic, "")
    return topics


def sla_due(config: CommunityConfig, channel_name: str | None, at: datetime, urgency: str
            ) -> datetime:
    """When an unanswered question breaches: the channel's SLA (halved when urgent), counted
    within support hours if the community has them."""
    sla = config.questions.sla_for(channel_name)
    if urgency == "high":
        sla = sla / 2
    return add_working_time(at, sla, config.questions.hours, zone(config.community.timezone))


def record_question(
    session: Session, config: CommunityConfig, community_id: int, asked: Asked,
    verdict: Classification, source: str,
) -> int | None:
    """Insert the question once; None when it was recorded before (a redelivery)."""
    due = sla_due(config, asked.channel.name, asked.at, verdict.urgency)
    return insert_ignore_returning(session, QUESTIONS, {
        "community_id": community_id, "channel_external_id": asked.channel.id,
        "channel_name": asked.channel.name or "", "message_external_id": asked.message_id,
        "asker_external_id": asked.asker.id, "asker_name": asked.asker.name or "",
        "text": asked.text[:MAX_QUESTION_TEXT], "topics": list(verdict.topics),
        "urgency": verdict.urgency, "source": source, "status": "open", "posted_at": asked.at,
        "sla_due_at": due, "next_step_at": due, "step": 0,
    })


def find_by_message(
    session: Session, community_id: int, channel_id: str, message_id: str
) -> Question | None:
    """The question whose root is `message_id`. Platforms disagree on whether a thread reply's
    channel is the parent or the thread itself, so the channel only breaks ties."""
    rows = fastpath.run(  # most messages are not questions: one cheap lookup
        session, _ROOTS, {"community": community_id, "message": message_id}
    )
    chosen = next((row_id for row_id, channel in rows if channel == channel_id),
                  rows[0][0] if len(rows) == 1 else None)
    return None if chosen is None else load(session, chosen)


@dataclass(frozen=True)
class ThreadQuestion:
    """What a reply needs to know about its thread's question, without loading the row."""

    id: int
    status: str
    asker_external_id: str
    awaits_first_response: bool
    answer_rank: int | None  # the FAQ answer's rank so far; None: no answer recorded


def thread_question(
    session: Session, community_id: int, channel_id: str, message_id: str
) -> ThreadQuestion | None:
    """`find_by_message`'s choice, as a `ThreadQuestion`: replies are frequent, and most need
    nothing written once their question has been answered."""
    rows = fastpath.run(session, _THREAD_STATE,
                        {"community": community_id, "message": message_id})
    row = next((row for row in rows if row[1] == channel_id),
               rows[0] if len(rows) == 1 else None)
    if row is None:
        return None
    question_id, _, status, asker, awaits, rank = row
    return ThreadQuestion(question_id, status, asker, bool(awaits), rank)


def load(session: Session, question_id: int) -> Question:
    """The question as a read-only snapshot, not tracked by the session (cheaper than the ORM
    on the event path): its changes go through this module's guarded UPDATEs anyway."""
    (row,) = fastpath.run(session, _LOAD, {"question": question_id})
    return Question.model_construct(**dict(zip(_LOAD_KEYS, row, strict=True)))


def get_question(session: Session, community_id: int, question_id: int) -> Question | None:
    return session.execute(
        select(Question).where(Question.community_id == community_id, Question.id == question_id)
    ).scalar_one_or_none()


def latest_open_question_of(
    session: Session, community_id: int, asker_id: str, channel_id: str
) -> Question | None:
    return session.execute(
        select(Question).where(
            Question.community_id == community_id, Question.asker_external_id == asker_id,
            Question.status == "open", Question.channel_external_id == channel_id,
        ).order_by(Question.posted_at.desc()).limit(1)
    ).scalar_one_or_none()


def update_classification(
    session: Session, question: Question, config: CommunityConfig, verdict: Classification,
    extra_topics: list[str],
) -> None:
    topics = list(dict.fromkeys([*verdict.topics, *extra_topics, *question.topics]))[:6]
    values: dict[str, object] = {"topics": topics, "urgency": verdict.urgency}
    if verdict.source == "openai":
        values["source"] = question.source if question.source == "help-channel" else "openai"
    if question.step == 0 and verdict.urgency != question.urgency:
        due = sla_due(config, question.channel_name, question.posted_at, verdict.urgency)
        values.update(sla_due_at=due, next_step_at=due)
    session.execute(update(Question).where(
        Question.id == question.id, Question.status == "open").values(**values))


def update_text(session: Session, question: Question, text: str) -> None:
    session.execute(update(Question).where(Question.id == question.id)
                    .values(text=text[:MAX_QUESTION_TEXT]))
    session.execute(update(FaqEntry).where(FaqEntry.question_id == question.id)
                    .values(question_text=text[:MAX_QUESTION_TEXT]))


def close_question(
    session: Session, question: Question, *, status: str, at: datetime, by: str | None = None,
    how: str | None = None,
) -> list[QuestionPing]:
    """Answer (or dismiss) an open question and stop its chain; returns the pings that were
    still waiting for a champion, whose DMs should say so. A reply is also the first response."""
    chain = fastpath.run(session, _CLOSE[how == "reply"], {
        "question": question.id, "new_status": status, "closed_at": at,
        "answered_at_": at if status == "answered" else None, "how": how, "by": by,
    })
    if not chain or chain[0] == (0, None):
        return []  # not open, or nobody was ever asked: no pings to stop
    waiting = session.execute(
        select(QuestionPing).where(
            QuestionPing.question_id == question.id, QuestionPing.outcome == "pending"
        )
    ).scalars().all()
    for before, after in (("pending", "stopped"), ("taken", "done")):
        session.execute(update(QuestionPing).where(
            QuestionPing.question_id == question.id, QuestionPing.outcome == before
        ).values(outcome=after, responded_at=func.coalesce(QuestionPing.responded_at, at)))
    return list(waiting)


def record_first_response(session: Session, question: Question, at: datetime, by: str) -> None:
    session.execute(
        update(Question).where(Question.id == question.id, Question.first_response_at.is_(None))
        .values(first_response_at=at, first_responder=by)
    )


# --- pings ------------------------------------------------------------------------------------


def ping_key(question_id: int | None, step: int) -> str:
    """The outbox key of a champion's DM: one per question and step, ever."""
    return f"sla-ping:{question_id}:{step}"


def ping_of(session: Session, question_id: int, champion_id: str) -> QuestionPing | None:
    return session.execute(
        select(QuestionPing).where(
            QuestionPing.question_id == question_id,
            QuestionPing.champion_external_id == champion_id,
        ).order_by(QuestionPing.step.desc()).limit(1)
    ).scalar_one_or_none()


def take(session: Session, question: Question, ping: QuestionPing, at: datetime) -> bool:
    """The champion owns the question: the chain stops; other waiting pings are withdrawn."""
    done = session.execute(
        update(Question).where(
            Question.id == question.id, Question.status == "open", Question.taken_by.is_(None)
        ).values(taken_by=ping.champion_external_id, next_step_at=None)
    )
    if not done.rowcount:
        return False
    session.execute(update(QuestionPing).where(QuestionPing.id == ping.id)
                    .values(outcome="taken", responded_at=at))
    session.execute(update(QuestionPing).where(
        QuestionPing.question_id == question.id, QuestionPing.id != ping.id,
        QuestionPing.outcome == "pending",
    ).values(outcome="stopped", responded_at=at))
    return True


def pass_on(session: Session, question: Question, ping: QuestionPing, at: datetime) -> bool:
    """"Not mine": when this ping is the chain's current step, or the champion had taken the
    question and hands it back, the next step is due now."""
    done = session.execute(
        update(QuestionPing).where(QuestionPing.id == ping.id,
                                   QuestionPing.outcome.in_(OPEN_PING))
        .values(outcome="passed", responded_at=at)
    )
    if not done.rowcount:
        return False
    mine = ping.champion_external_id
    session.execute(update(Question).where(
        Question.id == question.id, Question.status == "open",
        or_(Question.taken_by == mine,
            Question.taken_by.is_(None) & (Question.step == ping.step)),
    ).values(next_step_at=at, taken_by=None))
    return True


def open_pings(session: Session, community_id: int) -> dict[str, int]:
    """Open pings per champion: their current load."""
    return dict(session.execute(
        select(QuestionPing.champion_external_id, func.count())
        .where(QuestionPing.community_id == community_id,
               QuestionPing.outcome.in_(OPEN_PING),
               QuestionPing.champion_external_id.is_not(None))
        .group_by(QuestionPing.champion_external_id)
    ).all())


# --- the FAQ ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaqHit:
    faq_id: int
    question_id: int
    question: str
    answer: str
    answer_author: str
    answer_author_name: str
    channel_id: str
    channel_name: str
    message_id: str
    score: float


def answer_rank(session: Session, question_id: int | None) -> int | None:
    """The rank of the question's FAQ answer so far (None: no answer recorded yet)."""
    return fastpath.scalar(session, _ANSWER_RANK, {"question": question_id})


def record_answer(
    session: Session, question: Question, *, text: str, author: UserRef, message_id: str,
    rank: int, at: datetime, current: int | None = -1,
) -> bool:
    """Keep the question's best answer (accepted 3 > a champion's 2 > a reply 1) as its FAQ
    entry, and index its terms; returns whether the entry changed. `current` is the rank
    already recorded, when the caller has read it (`answer_rank`)."""
    text = text.strip()[:MAX_QUESTION_TEXT]
    if not text:
        return False
    if current == -1:
        current = answer_rank(session, question.id)
    if current is not None and current >= rank:
        return False
    existing = None if current is None else fastpath.scalar(
        session, _FAQ_ID, {"question": question.id}
    )
    counts = term_counts(question.text, question.text, text)  # the question's words weigh double
    top = dict(counts.most_common(MAX_FAQ_TERMS))
    values = {
        "question_text": question.text, "answer_text": text, "answer_author": author.id,
        "answer_author_name": author.name or "", "answer_message_external_id": message_id,
        "answer_rank": rank, "doc_length": sum(top.values()), "updated_at": at,
    }
    if existing is None:
        faq_id = fastpath.scalar(session, _NEW_FAQ, {
            "community_id": question.community_id, "question_id": question.id, **values
        })
    else:
        faq_id = existing
        fastpath.run(session, _UPDATE_FAQ, {"faq": faq_id, **values})
        fastpath.run(session, _DROP_TERMS, {"faq": faq_id})
    fastpath.run_many(session, _ADD_TERMS, [
        {"faq_id": faq_id, "term": term, "community_id": question.community_id, "occurrences": n}
        for term, n in top.items()
    ])
    return True


def search_faq(
    session: Session, community_id: int, words: str, *, limit: int = 5,
    exclude_question: int | None = None,
) -> list[FaqHit]:
    """BM25 over the FAQ's term index, in SQL: one query for document frequencies, one that
    scores and ranks the entries containing any of the words."""
    wanted = list(dict.fromkeys(terms(words)))[:20]
    if not wanted:
        return []
    documents, average = session.execute(
        select(func.count(FaqEntry.id), func.avg(FaqEntry.doc_length))
        .where(FaqEntry.community_id == community_id)
    ).one()
    if not documents:
        return []
    frequencies = dict(session.execute(
        select(FaqTerm.term, func.count()).where(
            FaqTerm.community_id == community_id, FaqTerm.term.in_(wanted)
        ).group_by(FaqTerm.term)
    ).all())
    if not frequencies:
        return []
    weights = {t: idf(documents, n) for t, n in frequencies.items()}
    k1, b, avg = 1.2, 0.75, float(average or 1.0)
    count = cast(FaqTerm.occurrences, Float)
    length_norm = k1 * (1 - b + b * cast(FaqEntry.doc_length, Float) / avg)
    score = func.sum(case(weights, value=FaqTerm.term, else_=0.0)
                     * count * (k1 + 1) / (count + length_norm)).label("score")
    query = (
        select(FaqEntry.id, score).join(FaqEntry, FaqEntry.id == FaqTerm.faq_id)
        .where(FaqTerm.community_id == community_id, FaqTerm.term.in_(list(weights)))
        .group_by(FaqEntry.id).order_by(score.desc(), FaqEntry.id.desc()).limit(limit + 1)
    )
    ranked = session.execute(query).all()
    entries = {row.id: row for row in session.execute(
        select(FaqEntry.id, FaqEntry.question_id, FaqEntry.question_text, FaqEntry.answer_text,
               FaqEntry.answer_author, FaqEntry.answer_author_name,
               Question.channel_external_id, Question.channel_name,
               Question.message_external_id)
        .join(Question, Question.id == FaqEntry.question_id)
        .where(FaqEntry.id.in_([r.id for r in ranked]))
    )}
    hits = [FaqHit(r.id, e.question_id, e.question_text, e.answer_text, e.answer_author,
                   e.answer_author_name, e.channel_external_id, e.channel_name,
                   e.message_external_id, float(r.score))
            for r in ranked if (e := entries.get(r.id)) and e.question_id != exclude_question]
    return hits[:limit]
