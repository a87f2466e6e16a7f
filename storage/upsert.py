"""INSERT … ON CONFLICT in the current engine's dialect (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def dialect_insert(session: Session, model: Any) -> Any:
    """An `Insert` that supports `on_conflict_do_nothing` / `on_conflict_do_update`."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"unsupported database dialect: {name}")


def insert_ignore(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """Insert a row unless it conflicts with a unique key; True when it was inserted."""
    # RETURNING rather than rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING.
    stmt = (dialect_insert(session, model).values(**values).on_conflict_do_nothing()
            .returning(literal_column("1")))
    return session.execute(stmt).first() is not None
