"""The event path keeps reusing one SQLite connection, so its page cache stays warm: SQLite
empties a connection's cache whenever another connection wrote since it last looked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.db import DBAPI_CONNECTION, Store, make_engine


def test_transactions_in_a_row_reuse_the_connection_returned_last(tmp_path: Path) -> None:
    store = Store(make_engine(f"sqlite:///{tmp_path / 'bot.db'}"))
    with store.session() as session:
        session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    with store.session() as first, store.session() as second:  # the pool now holds two
        assert first.info[DBAPI_CONNECTION] is not second.info[DBAPI_CONNECTION]
        last_returned = first.info[DBAPI_CONNECTION]  # `second` closes first, `first` last
    used = []
    for n in range(4):
        with store.session() as session:
            session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": str(n)})
            used.append(session.info[DBAPI_CONNECTION])
    assert all(connection is last_returned for connection in used)
    store.dispose()
