"""INSERT … ON CONFLICT in the current engine's dialect (SQLite and PostgreSQL share the syntax).

Statements are built once per table and dialect and run through `storage.fastpath`: the hot
path skips the ORM and SQLAlchemy's per-call machinery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage import fastpath

_INSERT_IGNORE: dict[tuple[str, str, str | None], Any] = {}
_INSERT_MANY: dict[tuple[str, str, tuple[str, ...], tuple[str, ...], int], Any] = {}


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


def _insert_ignoring(session: Session, table: Table, returning: str | None) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING`, with `RETURNING id`, `RETURNING 1` or (None) nothing;
    built once per dialect and table."""
    key = (session.get_bind().dialect.name, table.name, returning)
    stmt = _INSERT_IGNORE.get(key)
    if stmt is None:
        stmt = dialect_insert(session, table).on_conflict_do_nothing()
        if returning is not None:
            stmt = stmt.returning(table.c.id if returning == "id" else literal_column("1"))
        _INSERT_IGNORE[key] = stmt
    return stmt


def _on_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def insert_ignore(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """Insert a row unless it conflicts with a unique key; True when it was inserted."""
    table = table_of(model)
    if _on_sqlite(session):  # the count of rows inserted, without RETURNING's cost
        return fastpath.execute(session, _insert_ignoring(session, table, None), values)[0] > 0
    # RETURNING rather than rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING.
    return bool(fastpath.run(session, _insert_ignoring(session, table, "1"), values))


def insert_ignore_returning(session: Session, model: Any, values: dict[str, Any]) -> Any:
    """Insert a row unless it conflicts with a unique key; the new row's id, or None."""
    table = table_of(model)
    if _on_sqlite(session):  # an INTEGER PRIMARY KEY `id` is the row id
        inserted, row_id = fastpath.execute(session, _insert_ignoring(session, table, None),
                                            values)
        return row_id if inserted else None
    return fastpath.scalar(session, _insert_ignoring(session, table, "id"), values)


def insert_new(
    session: Session, model: Any, rows: Sequence[Mapping[str, Any]], key: Sequence[str]
) -> set[tuple[Any, ...]]:
    """Insert every row unless it conflicts with a unique key, in one statement; the `key`
    values of the rows inserted. All rows have the same columns; a key repeated among them is
    inserted once."""
    first: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        first.setdefault(tuple(row[name] for name in key), row)
    if not first:
        return set()
    unique = list(first.values())
    columns = tuple(unique[0])
    stmt = _inserting_many(session, table_of(model), columns, tuple(key), len(unique))
    params = {f"{name}_{n}": row[name] for n, row in enumerate(unique) for name in columns}
    return set(fastpath.run(session, stmt, params))


def _inserting_many(
    session: Session, table: Table, columns: tuple[str, ...], key: tuple[str, ...], count: int
) -> Any:
    """`INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING key`, for `count` rows;
    built once per dialect, table and count, so each compiles once."""
    cache_key = (session.get_bind().dialect.name, table.name, columns, key, count)
    stmt = _INSERT_MANY.get(cache_key)
    if stmt is None:
        values = [{name: bindparam(f"{name}_{n}") for name in columns} for n in range(count)]
        stmt = _INSERT_MANY[cache_key] = (
            dialect_insert(session, table).values(values).on_conflict_do_nothing()
            .returning(*(table.c[name] for name in key))
        )
    return stmt
