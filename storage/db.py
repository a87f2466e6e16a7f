"""Engines and transactions for SQLite (WAL, the default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


IN_MEMORY = ("an in-memory SQLite database is not supported: every connection to one is a "
             "new, empty database, and the bot reads and writes on several; give a file, e.g. "
             "sqlite:///data/community-bot.db")


def in_memory_sqlite(url: str) -> bool:
    parsed = make_url(normalise_url(url))
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def make_engine(url: str, **engine_args: Any) -> Engine:
    if in_memory_sqlite(url):
        raise ValueError(IN_MEMORY)
    # Errors name the statement but not its values: those are members' messages and tokens.
    engine_args.setdefault("hide_parameters", True)
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        # LIFO: the connection returned last is lent next. A SQLite connection drops its whole
        # page cache whenever another connection has written since its last transaction, and
        # a first-in-first-out pool would alternate two connections forever once a checkpoint
        # or a worker thread had opened a second one: every event transaction started cold.
        engine = create_engine(
            url, pool_use_lifo=True, **engine_args,
            # Prepared statements the driver keeps (default 128): the router's de-duplication
            # alone has one per batch size, up to 64, beside the event path's other statements.
            connect_args={"check_same_thread": False, "timeout": 30, "cached_statements": 256},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (SAVEPOINTs need it);
        # straight on the driver, as through `exec_driver_sql` it costs a third of a transaction.
        event.listen(engine, "begin",
                     lambda conn: conn.connection.driver_connection.execute("BEGIN"))
        return engine
    return create_engine(url, pool_pre_ping=True, **engine_args)


# SQLite copies its write-ahead log back into the database (a checkpoint, with two fsyncs)
# inside whichever commit grows the log past a threshold: every ~10 commits of a busy bot,
# stalling the event loop for 5–10 ms each time. A running bot checkpoints on a worker thread
# instead (`Store.transaction`), and SQLite's own threshold stays as a safety net.
WAL_SAFETY_NET_PAGES = 10_000  # 40 MB of log
CHECKPOINT_EVERY = 1.0  # seconds, at most once, after a write
# PASSIVE: copies what no reader still needs, never waits for a lock, never blocks a writer;
# the next write after a complete one starts the log from its beginning.
CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_SAFETY_NET_PAGES}")
    cursor.close()


DBAPI_CONNECTION = "dbapi_connection"
# A report's statements run at once on this many connections (`Store.read_at_once`): more
# than the 2 cores a small install has, so that the longest statement is not left alone.
READERS = 4
# Set in the readers' own threads: a read that itself reads at once runs its batch in order
# rather than wait on the pool it occupies.
_reader = threading.local()


class Store:
    """The database, shared by the router, the sender and the jobs of one process.

    SQLite has one writer: transactions in this process take an asyncio lock so that a
    coroutine holding a write transaction is never blocked by another on the same thread.
    """

    def __init__(self, engine: Engine, *, checkpoint_every: float = CHECKPOINT_EVERY) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        on_disk = self.is_sqlite and engine.url.database not in (None, "", ":memory:")
        self._checkpoint_every = checkpoint_every if on_disk else None
        self._checkpoint_at = float("-inf")
        self._checkpointing: asyncio.Future[None] | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._readers_lock = threading.Lock()

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
        self._checkpoint_soon()

    def _checkpoint_soon(self) -> None:
        """Start a background checkpoint unless one ran within `checkpoint_every` seconds or
        is still running. The driver lets go of the GIL while it copies and syncs, so the
        event loop goes on meanwhile."""
        loop = asyncio.get_running_loop()
        if self._checkpoint_every is None or self._checkpoint_running(loop):
            return
        now = time.monotonic()
        if now - self._checkpoint_at < self._checkpoint_every:
            return
        self._checkpoint_at = now
        self._checkpointing = loop.run_in_executor(None, self.checkpoint)

    def _checkpoint_running(self, loop: asyncio.AbstractEventLoop) -> bool:
        """One at a time; a checkpoint started on an event loop since closed is forgotten."""
        running = self._checkpointing
        return running is not None and not running.done() and running.get_loop() is loop

    async def checkpointed(self) -> None:
        """Wait for the background checkpoint in progress, if any (tests, shutdown)."""
        if self._checkpoint_running(asyncio.get_running_loop()):
            await self._checkpointing  # type: ignore[misc]

    def checkpoint(self) -> None:
        """Copy the log back into the database now, as far as readers allow (SQLite)."""
        if not self.is_sqlite:
            return
        try:
            raw = self.engine.raw_connection()
            try:
                raw.driver_connection.execute(CHECKPOINT).fetchall()
            finally:
                raw.close()
        except Exception:
            log.warning("background WAL checkpoint failed; SQLite will checkpoint itself "
                        "past %d pages", WAL_SAFETY_NET_PAGES, exc_info=True)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A synchronous transaction, for code that owns the database (CLI, tests, bench)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            # The transaction's driver connection, for `storage.fastpath`: one session, one
            # transaction, one connection, so it is looked up once rather than per statement.
            session.info[DBAPI_CONNECTION] = session.connection().connection.dbapi_connection
            yield session

    def read_at_once(self, *reads: Callable[[Session], Any]) -> list[Any]:
        """Each read's result, in order: every read in a transaction of its own, on its own
        connection, in a worker thread, all at once. Each sees what was committed when it
        began (never an open transaction's writes)."""
        if len(reads) < 2 or getattr(_reader, "active", False):
            with self.session() as session:
                return [read(session) for read in reads]
        with self._readers_lock:  # the event loop's report and the digest's thread may race
            if self._readers is None:
                self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="store-read",
                                                   initializer=_mark_reader)
            readers = self._readers
        futures = [readers.submit(self._read, read) for read in reads]
        return [future.result() for future in futures]

    def _read(self, read: Callable[[Session], Any]) -> Any:
        with self.session() as session:
            if not self.is_sqlite:
                # The batch keeps the cores busy, a statement each: PostgreSQL's parallel
                # workers would only compete with it (`/community stats` on 2 cores: 0.43 s
                # with them, 0.30 s without). For this transaction only.
                session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            return read(session)

    def dispose(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, None
        if readers is not None:
            readers.shutdown()
        self.engine.dispose()


def _mark_reader() -> None:
    _reader.active = True
