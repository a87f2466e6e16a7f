"""A running bot checkpoints SQLite's write-ahead log on a worker thread: the log is reused
instead of growing, and a commit never has to copy it back itself."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Store, make_engine

ROWS_PER_COMMIT = 40  # ~40 pages of log per commit
COMMITS = 30


def _store(path: Path, **options: float) -> Store:
    store = Store(make_engine(f"sqlite:///{path}"), **options)
    with store.session() as session:
        session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    return store


async def _write(store: Store) -> None:
    for commit in range(COMMITS):
        async with store.transaction() as session:
            session.execute(text("INSERT INTO notes (body) VALUES (:body)"), [
                {"body": f"{commit}-{row} " + "x" * 3000} for row in range(ROWS_PER_COMMIT)
            ])
        await store.checkpointed()


async def test_the_log_is_checkpointed_in_the_background_and_reused(tmp_path: Path) -> None:
    checkpointing = _store(tmp_path / "busy.db", checkpoint_every=0)
    once = _store(tmp_path / "once.db", checkpoint_every=3600)  # the first checkpoint only
    try:
        await _write(checkpointing)
        await _write(once)
        with checkpointing.session() as session:
            stored = session.execute(text("SELECT count(*) FROM notes")).scalar_one()
        recycled = (tmp_path / "busy.db-wal").stat().st_size
        grown = (tmp_path / "once.db-wal").stat().st_size
    finally:
        checkpointing.dispose()
        once.dispose()
    assert stored == COMMITS * ROWS_PER_COMMIT
    assert recycled * 5 < grown  # a few commits' worth of log against all thirty


async def test_a_failing_checkpoint_is_logged_and_writing_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    store = _store(tmp_path / "bot.db", checkpoint_every=0)
    monkeypatch.setattr("storage.db.CHECKPOINT", "PRAGMA wal_checkpoint(NO_SUCH_MODE")
    try:
        with caplog.at_level(logging.WARNING, logger="storage.db"):
            await _write(store)
        with store.session() as session:
            assert session.execute(text("SELECT count(*) FROM notes")).scalar_one() == (
                COMMITS * ROWS_PER_COMMIT)
    finally:
        store.dispose()
    assert "background WAL checkpoint failed" in caplog.text
