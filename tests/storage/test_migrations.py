"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import storage.tables  # noqa: F401  (every table on the metadata)
from storage import migrate
from storage.db import make_engine
from storage.models import SQLModel
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
