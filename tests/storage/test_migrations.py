"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

import storage.tables  # noqa: F401  (every table on the metadata)
from storage import migrate
from storage.db import make_engine
from storage.models import Community, SQLModel
from storage.questions_tables import FaqEntry, FaqTerm, Question
from tests.conftest import pg_engine_args

TABLES = set(SQLModel.metadata.tables)


def check_round_trip(engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revisions(engine) == migrate.head_revisions()
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    migrate.upgrade(engine)  # a second upgrade is a no-op
    migrate.downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())


def test_migration_history_is_one_line() -> None:
    assert len(migrate.head_revisions()) == 1


def test_migrations_round_trip_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    check_round_trip(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_migrations_round_trip_on_postgresql(pg_schema_url: tuple[str, str]) -> None:
    url, schema = pg_schema_url
    check_round_trip(make_engine(url, **pg_engine_args(schema)))


def test_db_upgrade_command_creates_the_default_sqlite_file(tmp_path: Path, monkeypatch) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "data" / "community-bot.db").is_file()
    assert main(["db", "current"]) == 0


def test_event_path_migration_keeps_questions_and_their_faq(blank_engine: Engine) -> None:
    """0008 rebuilds the questions' unique key and (on SQLite) the FAQ term table: what was
    there before is still there, still unique, both ways."""
    engine = blank_engine
    migrate.upgrade(engine, "0007")
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    question = {"community_id": 1, "channel_external_id": "C1", "channel_name": "help",
                "message_external_id": "1.0", "asker_external_id": "U1", "asker_name": "",
                "text": "how do I deploy?", "topics": [], "urgency": "normal",
                "source": "heuristic", "status": "answered", "posted_at": at,
                "sla_due_at": at, "step": 0}
    with engine.begin() as connection:
        connection.execute(sa.insert(Community.__table__).values(
            id=1, platform="console", external_id="w", name="W", created_at=at))
        connection.execute(sa.insert(Question.__table__).values(id=7, **question))
        connection.execute(sa.insert(FaqEntry.__table__).values(
            id=3, community_id=1, question_id=7, question_text="how do I deploy?",
            answer_text="helm install", answer_author="U2", answer_message_external_id="1.1",
            updated_at=at))
        connection.execute(sa.insert(FaqTerm.__table__), [
            {"faq_id": 3, "term": term, "community_id": 1} for term in ("deploy", "helm")])

    for step in ("heads", "0007", "heads"):  # up, down and up again, with the rows in place
        if step == "0007":
            migrate.downgrade(engine, step)
        else:
            migrate.upgrade(engine, step)
        with engine.connect() as connection:
            assert connection.execute(sa.select(Question.__table__.c.id)).scalars().all() == [7]
            terms = connection.execute(sa.select(FaqTerm.__table__.c.term)).scalars().all()
            assert sorted(terms) == ["deploy", "helm"]
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sa.insert(Question.__table__).values(**question))
