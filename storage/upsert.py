"""INSERT … ON CONFLICT in the current engine's dialect (SQLite and PostgreSQL share the syntax).

Statements are built once per table and dialect and run through `storage.fastpath`: the hot
path skips the ORM and SQLAlchemy's per-call machinery.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage import fastpath

_INSERT_IGNORE: dict[tuple[str, str, bool], Any] = {}


def table_of(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def dialect_insert(session: Session, model: Any) -> Any:
    """An `Insert` that supports `on_conflict_do_nothing` / `on_conflict_do_update`."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table_of(model))
    if name == "sqlite":
        return sqlite.insert(table_of(model))
    raise RuntimeError(f"unsupported database dialect: {name}")


def _insert_ignoring(session: Session, table: Table, *, returning_id: bool) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id` (or `RETURNING 1`), built once per
    dialect and table."""
    key = (session.get_bind().dialect.name, table.name, returning_id)
    stmt = _INSERT_IGNORE.get(key)
    if stmt is None:
        returning = table.c.id if returning_id else literal_column("1")
        stmt = _INSERT_IGNORE[key] = (
            dialect_insert(session, table).on_conflict_do_nothing().returning(returning)
        )
    return stmt


def insert_ignore(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """Insert a row unless it conflicts with a unique key; True when it was inserted."""
    # RETURNING rather than rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING.
    stmt = _insert_ignoring(session, table_of(model), returning_id=False)
    return bool(fastpath.run(session, stmt, values))


def insert_ignore_returning(session: Session, model: Any, values: dict[str, Any]) -> Any:
    """Insert a row unless it conflicts with a unique key; the new row's id, or None."""
    stmt = _insert_ignoring(session, table_of(model), returning_id=True)
    return fastpath.scalar(session, stmt, values)
