"""The DB-API fast path stores exactly what SQLAlchemy would, and reads back what it wrote."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)

from storage import fastpath
from storage.db import Store
from storage.models import Community
from storage.questions_tables import Question
from storage.upsert import insert_ignore, insert_ignore_returning

QUESTIONS = Question.__table__
AT = datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)  # whole seconds: the formatting trap
_STATUS_OF = select(QUESTIONS.c.status).where(
    QUESTIONS.c.id == bindparam("question")
)
_REOPEN = update(QUESTIONS).where(
    QUESTIONS.c.id == bindparam("question"), QUESTIONS.c.status == "answered"
).values(status="open").returning(QUESTIONS.c.id)
_WHOLE_ROW = select(QUESTIONS, QUESTIONS.c.first_response_at.is_(None)).where(
    QUESTIONS.c.id == bindparam("question"))
_ADD = insert(QUESTIONS)


def _question(community_id: int, message: str) -> dict[str, object]:
    return {
        "community_id": community_id, "channel_external_id": "C1", "channel_name": "help",
        "message_external_id": message, "asker_external_id": "U1", "asker_name": "ada",
        "text": "How do I rotate a token?", "topics": ["auth", "tokens"], "urgency": "normal",
        "source": "heuristic", "status": "open", "posted_at": AT, "sla_due_at": AT,
        "next_step_at": AT, "step": 0,
    }


def _community(store: Store) -> int:
    with store.session() as session:
        return session.execute(insert(Community).values(
            platform="console", external_id="w", name="W", created_at=AT
        ).returning(Community.id)).scalar_one()


def test_rows_written_by_the_fast_path_match_sqlalchemys(store: Store) -> None:
    community_id = _community(store)
    with store.session() as session:
        fast_id = insert_ignore_returning(session, QUESTIONS, _question(community_id, "m1"))
        slow_id = session.execute(
            insert(QUESTIONS).values(**_question(community_id, "m2")).returning(QUESTIONS.c.id)
        ).scalar_one()
    with store.session() as session:
        raw = session.execute(text(
            "SELECT posted_at, topics FROM questions WHERE id IN (:a, :b) ORDER BY id"
        ), {"a": fast_id, "b": slow_id}).all()
        assert raw[0] == raw[1]  # same datetime format, same JSON
        loaded = session.get(Question, fast_id)
        assert loaded is not None
        assert loaded.posted_at == AT and loaded.topics == ["auth", "tokens"]
        # a range query written through SQLAlchemy finds the fast path's row
        found = session.execute(
            select(Question.id).where(Question.posted_at >= AT, Question.posted_at < AT.replace(
                minute=31))
        ).scalars().all()
        assert sorted(found) == sorted([fast_id, slow_id])


def test_a_conflicting_insert_is_ignored_and_reported(store: Store) -> None:
    community_id = _community(store)
    with store.session() as session:
        assert insert_ignore_returning(session, QUESTIONS, _question(community_id, "m1"))
        assert insert_ignore_returning(session, QUESTIONS, _question(community_id, "m1")) is None
        assert not insert_ignore(session, QUESTIONS, _question(community_id, "m1"))
        assert session.execute(select(Question.id)).scalars().all() != []


def test_values_written_into_a_statement_are_bound_too(store: Store) -> None:
    """`status == "answered"` is part of the statement, not of the caller's parameters."""
    community_id = _community(store)
    with store.session() as session:
        question_id = insert_ignore_returning(session, QUESTIONS, _question(community_id, "m1"))
        assert fastpath.run(session, _REOPEN, {"question": question_id}) == []  # still open
        session.execute(update(QUESTIONS).values(status="answered"))
        assert fastpath.run(session, _REOPEN, {"question": question_id}) == [(question_id,)]
        assert fastpath.scalar(session, _STATUS_OF, {"question": question_id}) == "open"


def test_the_fast_path_writes_inside_the_callers_transaction(store: Store) -> None:
    community_id = _community(store)
    with pytest.raises(RuntimeError), store.session() as session:
        insert_ignore(session, QUESTIONS, _question(community_id, "m1"))
        raise RuntimeError("the handler failed")
    with store.session() as session:
        assert session.execute(select(Question.id)).scalars().all() == []


def test_statements_needing_computed_defaults_take_sqlalchemys_path(store: Store) -> None:
    probe = Table("fastpath_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("label", String(20)), Column("made", String(20), default=lambda: "auto"))
    probe.create(store.engine)
    add = insert(probe).returning(probe.c.id, probe.c.made)
    with store.session() as session:
        assert fastpath.run(session, add, {"label": "x"}) == [(1, "auto")]
        assert fastpath.run(session, add, {"label": "y", "made": "given"}) == [(2, "given")]


def test_a_write_inside_a_rolled_back_savepoint_is_undone(store: Store) -> None:
    community_id = _community(store)
    with store.session() as session:
        insert_ignore(session, QUESTIONS, _question(community_id, "kept"))
        with pytest.raises(RuntimeError), session.begin_nested():
            insert_ignore(session, QUESTIONS, _question(community_id, "undone"))
            raise RuntimeError("one handler failed")
    with store.session() as session:
        kept = session.execute(select(Question.message_external_id)).scalars().all()
    assert kept == ["kept"]


def test_rows_read_through_the_fast_path_come_back_as_sqlalchemy_reads_them(
    store: Store,
) -> None:
    """Datetimes aware and in UTC, JSON decoded, booleans as booleans: the columns' own
    result processors run."""
    community_id = _community(store)
    with store.session() as session:
        question_id = insert_ignore_returning(session, QUESTIONS, _question(community_id, "m1"))
        (fast,) = fastpath.run(session, _WHOLE_ROW, {"question": question_id})
        slow = tuple(session.execute(_WHOLE_ROW, {"question": question_id}).one())
    assert fast == slow
    by_name = dict(zip([c.key for c in _WHOLE_ROW.selected_columns], fast, strict=True))
    assert by_name["posted_at"] == AT and by_name["posted_at"].tzinfo is not None
    assert by_name["topics"] == ["auth", "tokens"]
    assert fast[-1] is True


def test_many_parameter_sets_are_written_in_one_call(store: Store) -> None:
    community_id = _community(store)
    with store.session() as session:
        fastpath.run_many(session, _ADD, [_question(community_id, f"m{n}") for n in range(5)])
        fastpath.run_many(session, _ADD, [])  # nothing to write: no statement
    with store.session() as session:
        stored = session.execute(select(Question).order_by(Question.id)).scalars().all()
    assert [q.message_external_id for q in stored] == [f"m{n}" for n in range(5)]
    assert all(q.posted_at == AT and q.topics == ["auth", "tokens"] for q in stored)
