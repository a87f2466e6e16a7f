"""Which process runs the scheduled jobs: the one holding a PostgreSQL advisory lock.

On PostgreSQL every process campaigns: it tries `pg_try_advisory_lock` on a dedicated
connection every few seconds; the winner runs the scheduler for as long as that connection (its
database session) lives. When the leader dies its session ends, PostgreSQL releases the lock,
and a follower takes over at its next try. A leader that loses its connection steps down.

The lock decides who runs the jobs, not whether an effect happens twice: occurrences and outbox
rows have unique keys, so even two leaders for a moment (a network split) post nothing twice.

On SQLite there is one bot process per database file by design (one writer, local disk only),
so that process leads at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy import Connection, text

from storage.db import Store

log = logging.getLogger(__name__)


def lock_key(database: str, schema: str, purpose: str = "scheduler") -> int:
    """A signed 64-bit advisory lock key for this database and schema: bots sharing a server
    but not a schema do not block each other."""
    digest = hashlib.sha256(f"community-bot:{purpose}:{database}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership:
    def __init__(
        self, store: Store, *, on_elected: Callable[[], None], on_deposed: Callable[[], None],
        retry_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.retry_seconds = retry_seconds
        self.is_leader = False
        self._connection: Connection | None = None
        self._key: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._connection_lock = threading.Lock()  # a cancelled check may still be running

    async def start(self) -> None:
        """Lead at once on SQLite; on PostgreSQL campaign in the background."""
        if self.store.is_sqlite:
            self._elected()
            return
        self._task = asyncio.create_task(self._campaign(), name="leadership")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.is_leader:
            self._deposed()
        await asyncio.to_thread(self._close)

    async def _campaign(self) -> None:
        while True:
            try:
                if not self.is_leader:
                    if await asyncio.to_thread(self._try_acquire):
                        self._elected()
                elif not await asyncio.to_thread(self._still_held):
                    log.warning("lost the database session holding the scheduler lock")
                    self._deposed()
            except Exception:
                log.exception("leadership check failed; trying again")
                if self.is_leader:
                    self._deposed()
                await asyncio.to_thread(self._close)
            await asyncio.sleep(self.retry_seconds)

    def _elected(self) -> None:
        self.is_leader = True
        log.info("this process leads: it runs the scheduled jobs")
        self.on_elected()

    def _deposed(self) -> None:
        self.is_leader = False
        log.info("this process no longer runs the scheduled jobs")
        self.on_deposed()

    # --- on the dedicated connection (called in a worker thread) -------------------------------

    def _try_acquire(self) -> bool:
        with self._connection_lock:
            return self._acquire()

    def _acquire(self) -> bool:
        if self._connection is None:
            connection = self.store.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
            database, schema = connection.execute(
                text("SELECT current_database(), current_schema()")
            ).one()
            self._connection, self._key = connection, lock_key(database, schema)
        return bool(self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
        ).scalar_one())

    def _still_held(self) -> bool:
        with self._connection_lock:
            if self._connection is None:
                return False
            try:
                self._connection.execute(text("SELECT 1"))
            except Exception:
                self._end_session()
                return False
            return True

    def _close(self) -> None:
        with self._connection_lock:
            self._end_session()

    def _end_session(self) -> None:
        """End the session (so the lock goes with it) rather than pooling the connection."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        with contextlib.suppress(Exception):
            connection.invalidate()
        with contextlib.suppress(Exception):
            connection.close()
