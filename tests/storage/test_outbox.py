"""The outbox's claim: each lane (a channel, a member's DMs) in order, lanes served in turn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from bot.clock import ManualClock
from bot.events import ChannelRef, MessageRef, UserRef
from bot.text import Text
from storage import migrate
from storage import outbox as ob
from storage.db import Store, make_engine
from storage.directory import Directory
from storage.models import Community, OutboxMessage
from storage.types import UTCDateTime
from tests.conftest import pg_engine_args
from tests.events import CONSOLE

LEASE = timedelta(minutes=2)


def outbox_in(session, clock: ManualClock) -> ob.Outbox:
    community_id = Directory().community_id(session, CONSOLE, clock.now())
    return ob.Outbox(session, platform="console", community_id=community_id, now=clock.now())


def claim(store: Store, clock: ManualClock, limit: int = 100, own: set[str] | None = None,
          ) -> list[str]:
    """Claim as a sender would; the texts claimed, in the order they should go out."""
    with store.session() as session:
        rows = ob.claim_due(session, "console", clock.now(), limit=limit, lease=LEASE,
                            own_lanes=own or set())
    return [Text.from_json(row.payload["text"]).plain() for row in rows]


def post(store: Store, clock: ManualClock, *posts: tuple[str, str]) -> None:
    with store.session() as session:
        outbox = outbox_in(session, clock)
        for channel, text in posts:
            outbox.post(ChannelRef(id=channel), text, key=text)


def sent(store: Store, clock: ManualClock, *keys: str) -> None:
    with store.session() as session:
        for key in keys:
            row_id = session.execute(select(OutboxMessage.id).where(OutboxMessage.key == key)
                                     ).scalar_one()
            assert ob.mark_sent(session, row_id, clock.now(), None)


def test_lane_is_the_channel_or_the_members_dms() -> None:
    assert ob.lane_for("dm", {"user": {"id": "U1"}}) == "dm:U1"
    assert ob.lane_for("home", {"user": {"id": "U1"}}) == "home:U1"
    assert ob.lane_for("post", {"channel": {"id": "C1", "name": "general"}}) == "C1"
    assert ob.lane_for("post", {"channel": {"id": "", "name": "welcome"}}) == "#welcome"
    assert ob.lane_for("react", {"message": ob.dump_ref(
        MessageRef(channel=ChannelRef(id="C2"), id="m1"))}) == "C2"
    assert ob.lane_for("update", {"sent_key": "case-1"}) == "update"


def test_channels_and_the_dm_backlog_are_claimed_in_turn(store: Store, clock: ManualClock) -> None:
    with store.session() as session:
        outbox = outbox_in(session, clock)
        for n in range(500):
            outbox.dm(UserRef(id=f"U{n}"), f"dm {n}")
        for n in range(3):
            outbox.post(ChannelRef(id="welcome"), f"welcome {n}")
        outbox.post(ChannelRef(id="help"), "help 0")

    assert claim(store, clock, limit=10) == [
        "dm 0", "welcome 0", "help 0", "dm 1", "welcome 1", "dm 2", "welcome 2",
        "dm 3", "dm 4", "dm 5",
    ]
    assert claim(store, clock, limit=3) == ["dm 6", "dm 7", "dm 8"]


def test_a_lane_waits_behind_its_row_that_is_not_due(store: Store, clock: ManualClock) -> None:
    post(store, clock, ("general", "first"), ("general", "second"), ("help", "help"))
    assert claim(store, clock) == ["first", "help", "second"]
    with store.session() as session:
        first, second = session.execute(
            select(OutboxMessage.id).where(OutboxMessage.lane == "general")
            .order_by(OutboxMessage.id)
        ).scalars()
        ob.reschedule(session, first, clock.now() + timedelta(seconds=60), "429")
        ob.release(session, [second], clock.now())  # as if claimed in a later batch
    post(store, clock, ("general", "third"))

    assert claim(store, clock) == []
    clock.advance(timedelta(seconds=61))
    assert claim(store, clock) == ["first", "second", "third"]


def test_a_lane_another_sender_is_sending_is_left_to_it(store: Store, clock: ManualClock) -> None:
    post(store, clock, ("general", "g1"), ("general", "g2"), ("help", "h1"))
    assert claim(store, clock, limit=1) == ["g1"]  # sender A

    assert claim(store, clock) == ["h1"]  # sender B: g2 would overtake g1
    post(store, clock, ("general", "g3"))
    assert claim(store, clock, own={"general"}) == ["g2", "g3"]  # A, at its lane's tail


def test_a_lane_is_taken_again_once_its_sender_is_done_or_gone(
    store: Store, clock: ManualClock
) -> None:
    post(store, clock, ("general", "g1"), ("general", "g2"), ("help", "h1"), ("help", "h2"))
    assert claim(store, clock, limit=2) == ["g1", "h1"]  # sender A
    sent(store, clock, "g1")
    assert claim(store, clock) == ["g2"]  # B: general is free, help still A's
    sent(store, clock, "g2")

    clock.advance(LEASE + timedelta(seconds=1))  # A crashed before sending h1
    assert claim(store, clock) == ["h1", "h2"]


def test_a_row_locked_by_another_claim_stops_its_lane(pg_schema_url: tuple[str, str]) -> None:
    url, schema = pg_schema_url
    engine = make_engine(url, **pg_engine_args(schema))
    migrate.upgrade(engine)
    store, clock = Store(engine), ManualClock()
    post(store, clock, ("general", "g1"), ("general", "g2"), ("help", "h1"))
    with store.session() as other:  # another process, mid-claim, has g1 locked
        other.execute(select(OutboxMessage).where(OutboxMessage.key == "g1").with_for_update())
        assert claim(store, clock) == ["h1"]
    assert claim(store, clock) == ["g1", "g2"]
    store.dispose()


def test_status_updates_apply_to_the_row_they_name(store: Store, clock: ManualClock) -> None:
    post(store, clock, ("general", "a"), ("general", "b"), ("general", "c"))
    claim(store, clock)
    with store.session() as session:
        a, b, c = session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id)).scalars()
        result = ob.dump_ref(MessageRef(channel=ChannelRef(id="general"), id="m1"))
        assert ob.mark_sent(session, a, clock.now(), result)
        assert not ob.mark_sent(session, a, clock.now(), result)  # sent once
        ob.reschedule(session, b, clock.now() + timedelta(seconds=5), "x" * 600)
        ob.mark_failed(session, c, "PermanentError: channel_not_found")
    with store.session() as session:
        assert ob.sent_result(session, "a") == result
        rows = {row.key: row for row in session.execute(select(OutboxMessage)).scalars()}
    assert rows["a"].status == "sent" and rows["a"].sent_at == clock.now()
    assert rows["a"].lease_until is None
    assert rows["b"].status == "pending" and len(rows["b"].last_error or "") == 500
    assert rows["b"].next_attempt_at == clock.now() + timedelta(seconds=5)
    assert rows["c"].status == "failed"
    assert rows["c"].last_error == "PermanentError: channel_not_found"


def test_upgrade_gives_rows_still_to_send_their_lane(blank_engine: sa.Engine) -> None:
    engine = blank_engine
    migrate.upgrade(engine, "0006")
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    outbox = sa.table("outbox", *(sa.column(name) for name in (
        "key", "platform", "community_id", "kind", "status", "attempts")),
        sa.column("payload", sa.JSON()), sa.column("created_at", UTCDateTime()),
        sa.column("next_attempt_at", UTCDateTime()))
    with engine.begin() as connection:
        connection.execute(sa.insert(Community.__table__).values(
            id=1, platform="console", external_id="w", name="W", created_at=now))
        connection.execute(sa.insert(outbox), [
            {"key": key, "platform": "console", "community_id": 1, "kind": kind,
             "payload": payload, "status": status, "attempts": 0, "created_at": now,
             "next_attempt_at": now}
            for key, kind, payload, status in (
                ("dm", "dm", {"user": {"id": "U1"}}, "pending"),
                ("post", "post", {"channel": {"id": "C1"}}, "sending"),
                ("named", "post", {"channel": {"id": "", "name": "welcome"}}, "pending"),
                ("old", "post", {"channel": {"id": "C1"}}, "sent"),
            )
        ])
    migrate.upgrade(engine)
    with engine.connect() as connection:
        lanes = dict(connection.execute(sa.text("SELECT key, lane FROM outbox")).all())
    assert lanes == {"dm": "dm:U1", "post": "C1", "named": "#welcome", "old": ""}
