"""`insert_new`: many rows in one statement, each inserted unless its unique key is taken,
telling which were new — how the router de-duplicates a batch of deliveries at once; and
`insert_ignore` / `insert_ignore_returning`, one row at a time (SQLite counts the row instead
of asking for it back)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.db import Store
from storage.models import Community, ProcessedEvent
from storage.upsert import insert_ignore, insert_ignore_returning, insert_new

KEY = ("platform", "event_id")
AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def rows(*event_ids: str) -> list[dict[str, object]]:
    return [{"platform": "slack", "event_id": event_id, "processed_at": AT}
            for event_id in event_ids]


def test_only_rows_whose_key_is_free_are_inserted_and_reported(store: Store) -> None:
    with store.session() as session:
        assert insert_new(session, ProcessedEvent, rows("Ev1", "Ev2"), KEY) == {
            ("slack", "Ev1"), ("slack", "Ev2")}
    with store.session() as session:
        # Ev2 again (a redelivery), Ev3 twice in the same batch (a retry arriving with it)
        assert insert_new(session, ProcessedEvent, rows("Ev2", "Ev3", "Ev3", "Ev4"), KEY) == {
            ("slack", "Ev3"), ("slack", "Ev4")}
        assert insert_new(session, ProcessedEvent, [], KEY) == set()
    with store.session() as session:
        stored = session.execute(
            select(ProcessedEvent.event_id, ProcessedEvent.processed_at)
            .order_by(ProcessedEvent.event_id)
        ).all()
    assert stored == [("Ev1", AT), ("Ev2", AT), ("Ev3", AT), ("Ev4", AT)]


def test_batches_of_every_size_up_to_the_routers_limit(store: Store) -> None:
    """Each size is its own statement, compiled once."""
    from bot.router import MAX_BATCH

    with store.session() as session:
        for size in range(1, MAX_BATCH + 1):
            ids = [f"Ev{size}-{n}" for n in range(size)]
            assert len(insert_new(session, ProcessedEvent, rows(*ids), KEY)) == size


def test_single_inserts_tell_new_rows_from_taken_keys(store: Store) -> None:
    def community(external_id: str) -> dict[str, object]:
        return {"platform": "slack", "external_id": external_id, "name": external_id,
                "created_at": AT}

    with store.session() as session:
        first = insert_ignore_returning(session, Community, community("T1"))
        second = insert_ignore_returning(session, Community, community("T2"))
        assert isinstance(first, int) and second == first + 1
        # a taken key: nothing inserted, and not the id of the row inserted before it
        assert insert_ignore_returning(session, Community, community("T1")) is None
        assert insert_ignore(session, ProcessedEvent, rows("Ev1")[0]) is True
        assert insert_ignore(session, ProcessedEvent, rows("Ev1")[0]) is False
    with store.session() as session:
        stored = session.execute(select(Community.id, Community.external_id)).all()
    assert sorted(stored) == [(first, "T1"), (second, "T2")]
