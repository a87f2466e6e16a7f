"""The event path's hottest statements, run straight on the DB-API cursor.

Every inbound event costs a few small statements (de-duplication, the message row, a lookup or
two). Through `Connection.execute` each costs about 40 µs on SQLite, almost all of it
SQLAlchemy's per-call machinery; the driver itself takes under 10. So statements built once
(module constants) are compiled once per dialect and parameter set — SQL text, parameter order
and each parameter's bind processor (UTC datetimes, JSON) — and then run on the session's own
DB-API connection, inside its transaction.

Rows come back as plain tuples, their values converted the way SQLAlchemy would (UTC datetimes,
JSON, booleans) by the columns' own result processors. A statement that needs defaults
SQLAlchemy computes at execution time falls back to `Connection.execute`, with the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import ClauseElement
from sqlmodel import Session

from storage.db import DBAPI_CONNECTION


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # parameter order for positional drivers (SQLite); else named
    processors: dict[str, Callable[[Any], Any]]
    fixed: dict[str, Any]  # values written into the statement (`status == "open"`)
    results: tuple[Callable[[Any], Any] | None, ...] | None  # per returned column; None: none


# Keyed by the statement's identity: only statements that live for the process belong here.
_COMPILED: dict[tuple[int, str, tuple[str, ...]], _Compiled | None] = {}
_HELD: list[ClauseElement] = []  # keeps each keyed statement alive, so its id() stays its own


def _compile(session: Session, stmt: ClauseElement, keys: tuple[str, ...]) -> _Compiled | None:
    dialect = session.get_bind().dialect
    cache_key = (id(stmt), dialect.name, keys)
    if cache_key in _COMPILED:
        return _COMPILED[cache_key]
    compiled: Any = stmt.compile(dialect=dialect, column_keys=list(keys))
    fixed = {name: bind for name, bind in compiled.binds.items() if name not in keys}
    found: _Compiled | None = None
    if not (compiled.insert_prefetch or compiled.update_prefetch
            or compiled.literal_execute_params or any(b.required for b in fixed.values())):
        processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        names = tuple(compiled.positiontup or ()) if compiled.positional else None
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                        for column in getattr(stmt, "exported_columns", ()))
        found = _Compiled(compiled.string, names, processors,
                          {name: bind.effective_value for name, bind in fixed.items()},
                          results if any(results) else None)
    _COMPILED[cache_key] = found
    _HELD.append(stmt)
    return found


def run(session: Session, stmt: ClauseElement, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Execute `stmt` (built once, not per call) with `params`; the rows it returns."""
    compiled = _compile(session, stmt, tuple(params))
    if compiled is None:
        result = session.connection().execute(stmt, dict(params))
        return [tuple(row) for row in result] if result.returns_rows else []
    cursor = _cursor(session)
    try:
        cursor.execute(compiled.sql, _bound(compiled, params))
        rows = cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()
    if compiled.results and rows:
        results = compiled.results
        rows = [tuple(value if process is None or value is None else process(value)
                      for process, value in zip(results, row, strict=True)) for row in rows]
    return rows


def execute(session: Session, stmt: ClauseElement, params: Mapping[str, Any]) -> tuple[int, Any]:
    """Execute a statement that returns no rows: (rows it changed, the driver's last inserted
    row id). SQLite counts rows reliably even for `INSERT … ON CONFLICT DO NOTHING`, which
    spares it `RETURNING`: SQLite buffers a RETURNING statement's rows in a temporary table,
    ~7 µs a statement."""
    compiled = _compile(session, stmt, tuple(params))
    if compiled is None:
        result = session.connection().execute(stmt, dict(params))
        return result.rowcount, getattr(result, "lastrowid", None)
    cursor = _cursor(session)
    try:
        cursor.execute(compiled.sql, _bound(compiled, params))
        return cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def run_many(session: Session, stmt: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
    """Execute a statement that returns nothing once per parameter set (all with the same
    keys), in one driver call."""
    if not rows:
        return
    compiled = _compile(session, stmt, tuple(rows[0]))
    if compiled is None:
        session.connection().execute(stmt, [dict(row) for row in rows])
        return
    cursor = _cursor(session)
    try:
        cursor.executemany(compiled.sql, [_bound(compiled, row) for row in rows])
    finally:
        cursor.close()


def _bound(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    """The driver's parameters: fixed values added, bind processors applied, in order."""
    if compiled.fixed:
        params = {**compiled.fixed, **params}
    processors = compiled.processors
    if compiled.names is not None:
        return [processors[name](params[name]) if name in processors else params[name]
                for name in compiled.names]
    return {name: processors[name](value) if name in processors else value
            for name, value in params.items()}


def _cursor(session: Session) -> Any:
    dbapi = session.info.get(DBAPI_CONNECTION)
    if dbapi is None or session.in_nested_transaction():
        # Asking the session is what emits a pending SAVEPOINT: a savepoint must not be skipped.
        dbapi = session.connection().connection.dbapi_connection
    return dbapi.cursor()


def scalar(session: Session, stmt: ClauseElement, params: Mapping[str, Any]) -> Any:
    """The first column of the first row, or None when there is no row."""
    rows = run(session, stmt, params)
    return rows[0][0] if rows else None
