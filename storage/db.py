"""Engines and transactions for SQLite (WAL, the default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, **engine_args: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **engine_args
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (SAVEPOINTs need it);
        # straight on the driver, as through `exec_driver_sql` it costs a third of a transaction.
        event.listen(engine, "begin",
                     lambda conn: conn.connection.driver_connection.execute("BEGIN"))
        return engine
    return create_engine(url, pool_pre_ping=True, **engine_args)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


DBAPI_CONNECTION = "dbapi_connection"


class Store:
    """The database, shared by the router, the sender and the jobs of one process.

    SQLite has one writer: transactions in this process take an asyncio lock so that a
    coroutine holding a write transaction is never blocked by another on the same thread.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """One unit of work: committed when the block ends, rolled back on error."""
        if self._write_lock is None:
            with self.session() as session:
                yield session
            return
        async with self._write_lock:
            with self.session() as session:
                yield session

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A synchronous transaction, for code that owns the database (CLI, tests, bench)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            # The transaction's driver connection, for `storage.fastpath`: one session, one
            # transaction, one connection, so it is looked up once rather than per statement.
            session.info[DBAPI_CONNECTION] = session.connection().connection.dbapi_connection
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
