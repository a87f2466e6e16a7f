"""The outbox: every outgoing call is a row before it is sent.

Handlers enqueue through `Outbox` inside their transaction, so a message exists exactly when
the effect that caused it was committed. The sender (`bot.sender`) claims due rows, sends
them and marks them sent; `key` is unique, so enqueuing the same key twice is a no-op.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, bindparam, case, func, or_, select, update
from sqlmodel import Session

from bot.events import ChannelRef, InteractionRef, MessageRef, UserRef
from bot.text import Text, as_text
from storage import fastpath
from storage.models import OutboxMessage
from storage.types import UTCDateTime
from storage.upsert import insert_ignore

# --- (de)serialising references in payloads -------------------------------------------------


def dump_ref(ref: Any) -> dict[str, Any] | None:
    """A reference as JSON; `dataclasses.asdict` deep-copies and is slow on the hot path."""
    if ref is None:
        return None
    if isinstance(ref, MessageRef):
        return {"channel": dump_ref(ref.channel), "id": ref.id, "thread_id": ref.thread_id}
    if isinstance(ref, UserRef):
        return {"id": ref.id, "name": ref.name, "is_bot": ref.is_bot, "groups": list(ref.groups)}
    if isinstance(ref, ChannelRef):
        return {"id": ref.id, "name": ref.name, "is_private": ref.is_private, "is_dm": ref.is_dm}
    return asdict(ref)


def load_user(data: dict[str, Any]) -> UserRef:
    return UserRef(**{**data, "groups": tuple(data.get("groups", ()))})


def load_channel(data: dict[str, Any]) -> ChannelRef:
    return ChannelRef(**data)


def load_message(data: dict[str, Any]) -> MessageRef:
    return MessageRef(
        channel=load_channel(data["channel"]), id=data["id"], thread_id=data.get("thread_id")
    )


def load_interaction(data: dict[str, Any] | None) -> InteractionRef | None:
    return None if data is None else InteractionRef(**data)


MAX_LANE = 200
MEMBER_KINDS = ("dm", "home")  # sent to one member: each member's are a lane of their own


def lane_for(kind: str, payload: dict[str, Any]) -> str:
    """The ordering unit a row is sent in: a member's DMs (or home tab), else its channel (by
    id, or by name for a channel named in the config), else its kind."""
    if kind in MEMBER_KINDS:
        return f"{kind}:{payload['user']['id']}"[:MAX_LANE]
    channel = payload.get("channel") or (payload.get("message") or {}).get("channel")
    if channel:
        return (channel.get("id") or "#" + (channel.get("name") or ""))[:MAX_LANE]
    return kind


class Outbox:
    """Enqueue outgoing calls for one community inside the caller's transaction."""

    def __init__(
        self, session: Session, *, platform: str, community_id: int, now: datetime
    ) -> None:
        self.session = session
        self.platform = platform
        self.community_id = community_id
        self.now = now
        self.enqueued: list[str] = []

    def _row(self, kind: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
        """The values of a new row, for `_add` here and for batched inserts."""
        return {
            "key": key, "platform": self.platform, "community_id": self.community_id,
            "kind": kind, "lane": lane_for(kind, payload), "payload": payload,
            "status": "pending", "attempts": 0, "created_at": self.now,
            "next_attempt_at": self.now,
        }

    def _add(self, kind: str, payload: dict[str, Any], key: str | None) -> bool:
        key = key or f"{kind}:{uuid.uuid4()}"
        inserted = insert_ignore(self.session, OutboxMessage, self._row(kind, payload, key))
        if inserted:
            self.enqueued.append(key)
        return inserted

    def post(
        self, channel: ChannelRef, text: Text | str, *, thread_id: str | None = None,
        key: str | None = None,
    ) -> bool:
        return self._add("post", {
            "channel": dump_ref(channel), "thread_id": thread_id, "text": as_text(text).to_json(),
        }, key)

    def upload(
        self, channel: ChannelRef, filename: str, data: bytes, text: Text | str, *,
        key: str | None = None,
    ) -> bool:
        """A file posted with a message; the bytes travel base64 in the payload (keep them
        small: a chart, not a video)."""
        return self._add("upload", {
            "channel": dump_ref(channel), "filename": filename,
            "data": base64.b64encode(data).decode("ascii"), "text": as_text(text).to_json(),
        }, key)

    def reply(self, message: MessageRef, text: Text | str, *, key: str | None = None) -> bool:
        """Reply in the message's thread (starting one when it has none)."""
        return self.post(message.channel, text, thread_id=message.thread_id or message.id, key=key)

    def dm(
        self, user: UserRef, text: Text | str, *, key: str | None = None,
        fallback_channel: ChannelRef | None = None, fallback_text: Text | str | None = None,
    ) -> bool:
        """A direct message; with a fallback, a member who blocks DMs gets a public post."""
        payload: dict[str, Any] = {"user": dump_ref(user), "text": as_text(text).to_json()}
        if fallback_channel is not None and fallback_text is not None:
            payload["fallback"] = {
                "channel": dump_ref(fallback_channel), "text": as_text(fallback_text).to_json()
            }
        return self._add("dm", payload, key)

    def ephemeral(
        self, channel: ChannelRef, user: UserRef, text: Text | str, *,
        interaction: InteractionRef | None = None, key: str | None = None,
    ) -> bool:
        return self._add("ephemeral", {
            "channel": dump_ref(channel), "user": dump_ref(user),
            "interaction": dump_ref(interaction), "text": as_text(text).to_json(),
        }, key)

    def react(self, message: MessageRef, emoji: str, *, key: str | None = None) -> bool:
        return self._add("react", {"message": dump_ref(message), "emoji": emoji}, key)

    def unreact(
        self, message: MessageRef, emoji: str, user: UserRef | None = None, *,
        key: str | None = None,
    ) -> bool:
        return self._add("unreact", {
            "message": dump_ref(message), "emoji": emoji, "user": dump_ref(user),
        }, key)

    def update(self, message: MessageRef, text: Text | str, *, key: str | None = None) -> bool:
        return self._add("update", {
            "message": dump_ref(message), "text": as_text(text).to_json(),
        }, key)

    def update_sent(self, sent_key: str, text: Text | str, *, key: str | None = None) -> bool:
        """Update a message this outbox posted, by its key, whether or not it is sent yet."""
        return self._add("update", {"sent_key": sent_key, "text": as_text(text).to_json()}, key)

    def delete(self, message: MessageRef, *, key: str | None = None) -> bool:
        return self._add("delete", {"message": dump_ref(message)}, key)

    def publish_home(self, user: UserRef, text: Text | str, *, key: str | None = None) -> bool:
        return self._add("home", {"user": dump_ref(user), "text": as_text(text).to_json()}, key)

    def timeout(self, user: UserRef, until: datetime, *, key: str | None = None) -> bool:
        return self._add("timeout", {"user": dump_ref(user), "until": until.isoformat()}, key)


# --- the sender's side ------------------------------------------------------------------------

_T = OutboxMessage.__table__  # type: ignore[attr-defined]


def _due(platform: Any, now: Any) -> Any:
    """Pending and due, or claimed by a sender whose lease ran out (it crashed); the platform
    in each branch, so that each is one range of the claim index."""
    t = _T.c
    return or_((t.platform == platform) & (t.status == "pending") & (t.next_attempt_at <= now),
               (t.platform == platform) & (t.status == "sending") & (t.lease_until < now))


def _candidates() -> Any:
    """Due rows in claim order, with the first in-flight row of their lane (or None).

    A lane's rows behind a row that waits for its retry time are left out, so the lane stays
    in order. The order is round-robin, by each row's turn in its queue: every channel is a
    queue, and all members' lanes together are one, so a backlog of thousands of DMs neither
    starves a channel post enqueued after it nor is starved by one busy channel."""
    t, now, platform = _T.c, bindparam("now", type_=UTCDateTime()), bindparam("platform")
    e = _T.alias("earlier")
    # Lane lookups as scalar subqueries (one index seek per row), which no planner turns into
    # a join that scans every waiting row for each due one.
    first_waiting = select(func.min(e.c.id)).where(
        e.c.status == "pending", e.c.platform == platform, e.c.lane == t.lane,
        e.c.next_attempt_at > now,
    ).scalar_subquery()
    queue = case((or_(*(t.kind == kind for kind in MEMBER_KINDS)), ""), else_=t.lane)
    ranked = (
        select(t.id, t.lane,
               func.row_number().over(partition_by=queue, order_by=t.id).label("turn"))
        .where(_due(platform, now), func.coalesce(first_waiting, t.id) >= t.id)
        .subquery()
    )
    r = ranked.c
    in_flight = select(func.min(e.c.id)).where(
        e.c.status == "sending", e.c.platform == platform, e.c.lane == r.lane,
        e.c.lease_until >= now,
    ).scalar_subquery()
    return (select(r.id, r.lane, in_flight.label("in_flight"))
            .order_by(r.turn, r.id).limit(bindparam("limit")))


_CANDIDATES = _candidates()


def claim_due(
    session: Session, platform: str, now: datetime, *, limit: int, lease: timedelta,
    own_lanes: Collection[str] = (),
) -> list[OutboxMessage]:
    """Take up to `limit` due rows, fairly across lanes (see `_candidates`), each lane's in
    order; returned in the order they should go out.

    A lane another sender is sending is left to it: its later rows would overtake the ones
    it holds. Lanes in `own_lanes` are the caller's own, which it sends in order itself.
    Other processes skip rows locked here; a lane with a row locked elsewhere stops there."""
    candidates = session.execute(
        _CANDIDATES, {"platform": platform, "now": now, "limit": limit}
    ).all()
    if not candidates:
        return []
    ids = [c.id for c in candidates]
    locked = {row.id: row for row in session.execute(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids), _due(platform, now))
        .with_for_update(skip_locked=True)
    ).scalars()}
    rows: list[OutboxMessage] = []
    stopped: set[str] = set()
    for row_id, lane, in_flight in candidates:  # each lane's in id order
        row = locked.get(row_id)
        if lane in stopped or row is None or (
            in_flight is not None and in_flight < row_id and lane not in own_lanes
        ):
            stopped.add(lane)  # the rest of the lane waits for the row before it
            continue
        rows.append(row)
    if rows:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
            .values(status="sending", lease_until=now + lease,
                    attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        for row in rows:
            row.attempts += 1
    return rows


# Per-row updates of the sender's hot path: built once, run on the driver (storage.fastpath).
_MARK_SENT = (
    update(_T).where(_T.c.id == bindparam("row_id"), _T.c.status == "sending")
    .values(status="sent", sent_at=bindparam("at", type_=UTCDateTime()), lease_until=None,
            result=bindparam("sent_result", type_=JSON()), last_error=None)
    .returning(_T.c.id)
)
_RESCHEDULE = update(_T).where(_T.c.id == bindparam("row_id")).values(
    status="pending", next_attempt_at=bindparam("at", type_=UTCDateTime()), lease_until=None,
    last_error=bindparam("error", type_=String()),
)
_MARK_FAILED = update(_T).where(_T.c.id == bindparam("row_id")).values(
    status="failed", lease_until=None, last_error=bindparam("error", type_=String()),
)


def mark_sent(
    session: Session, row_id: int, now: datetime, result: dict[str, Any] | None
) -> bool:
    """Record the row sent; False when it was not this sender's to finish (not 'sending')."""
    done = fastpath.run(session, _MARK_SENT, {"row_id": row_id, "at": now, "sent_result": result})
    return bool(done)


def reschedule(session: Session, row_id: int, at: datetime, error: str | None) -> None:
    fastpath.run(session, _RESCHEDULE,
                 {"row_id": row_id, "at": at, "error": error[:500] if error else None})


def release(session: Session, row_ids: list[int], at: datetime) -> None:
    """Hand claimed rows back unsent, not counting the claim as an attempt."""
    if row_ids:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(row_ids))
            .values(status="pending", next_attempt_at=at, lease_until=None,
                    attempts=OutboxMessage.attempts - 1)
        )


def mark_failed(session: Session, row_id: int, error: str) -> None:
    fastpath.run(session, _MARK_FAILED, {"row_id": row_id, "error": error[:500]})


def release_all_leases(session: Session, platform: str, now: datetime) -> int:
    """For a single-process store after a restart: in-flight rows are due again at once."""
    done = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.platform == platform, OutboxMessage.status == "sending")
        .values(status="pending", next_attempt_at=now, lease_until=None)
    )
    return done.rowcount


def sent_result(session: Session, key: str) -> dict[str, Any] | None:
    return session.execute(
        select(OutboxMessage.result).where(
            OutboxMessage.key == key, OutboxMessage.status == "sent"
        )
    ).scalar_one_or_none()


def pending_count(session: Session, platform: str | None = None) -> int:
    from sqlalchemy import func

    stmt = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status.in_(["pending", "sending"])
    )
    if platform:
        stmt = stmt.where(OutboxMessage.platform == platform)
    return session.execute(stmt).scalar_one()
