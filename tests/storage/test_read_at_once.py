"""A report's statements run at once, each on its own connection (`Store.read_at_once`), on
SQLite and PostgreSQL: results come back in order, only committed rows are seen, errors reach
the caller, and a read that itself reads at once cannot starve the pool."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from storage.db import READERS, Store, make_engine
from storage.models import Community
from tests.conftest import pg_engine_args

AT = datetime(2026, 3, 2, tzinfo=UTC)


def communities(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Community)).scalar_one()


def add_community(session: Session, name: str) -> None:
    session.execute(insert(Community).values(platform="console", external_id=name, name=name,
                                             created_at=AT))


def test_reads_run_at_once_and_come_back_in_order(store: Store) -> None:
    together = threading.Barrier(2, timeout=10)  # broken unless both reads wait at once

    def meet(answer: str) -> Callable[[Session], tuple[str, int]]:
        def read(session: Session) -> tuple[str, int]:
            together.wait()
            return answer, communities(session)
        return read

    assert store.read_at_once(meet("first"), meet("second")) == [("first", 0), ("second", 0)]


def test_reads_see_committed_rows_only(store: Store) -> None:
    with store.session() as session:
        add_community(session, "committed")
    with store.session() as writing:
        add_community(writing, "still open")
        assert communities(writing) == 2
        assert store.read_at_once(communities, communities) == [1, 1]
    assert store.read_at_once(communities, communities) == [2, 2]


def test_postgresql_leaves_the_cores_to_the_batch_in_its_transactions_only(
    pg_schema_url: tuple[str, str],
) -> None:
    url, schema = pg_schema_url
    store = Store(make_engine(url, **pg_engine_args(schema)))

    def workers(session: Session) -> str:
        return session.execute(text("SHOW max_parallel_workers_per_gather")).scalar_one()

    with store.session() as session:
        own = workers(session)
    assert store.read_at_once(workers, workers) == ["0", "0"]
    with store.session() as session:  # the same pooled connections, back to the server's own
        assert workers(session) == own
    store.dispose()


def test_a_failing_read_raises_its_own_error(store: Store) -> None:
    def broken(_session: Session) -> None:
        raise ValueError("no such period")

    with pytest.raises(ValueError, match="no such period"):
        store.read_at_once(communities, broken)


def test_reads_inside_reads_run_in_order_rather_than_wait_on_a_full_pool(store: Store) -> None:
    def nested(session: Session) -> list[int]:
        return [communities(session), *store.read_at_once(communities, communities)]

    with ThreadPoolExecutor(1) as watcher:  # a deadlock would hang the test: time it out
        outer = watcher.submit(store.read_at_once, *[nested] * (READERS + 2))
        assert outer.result(timeout=30) == [[0, 0, 0]] * (READERS + 2)


def test_an_in_memory_sqlite_is_refused_with_the_way_out() -> None:
    with pytest.raises(ValueError, match="give a file"):
        make_engine("sqlite://")
