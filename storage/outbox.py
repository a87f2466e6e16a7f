"""The outbox: every outgoing call is a row before it is sent.

Handlers enqueue through `Outbox` inside their transaction, so a message exists exactly when
the effect that caused it was committed. The sender (`bot.sender`) claims due rows, sends
them and marks them sent; `key` is unique, so enqueuing the same key twice is a no-op.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session

from bot.events import ChannelRef, InteractionRef, MessageRef, UserRef
from bot.text import Text, as_text
from storage.models import OutboxMessage
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

    def _add(self, kind: str, payload: dict[str, Any], key: str | None) -> bool:
        key = key or f"{kind}:{uuid.uuid4()}"
        inserted = insert_ignore(self.session, OutboxMessage, {
            "key": key, "platform": self.platform, "community_id": self.community_id,
            "kind": kind, "payload": payload, "status": "pending", "attempts": 0,
            "created_at": self.now, "next_attempt_at": self.now,
        })
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


def claim_due(
    session: Session, platform: str, now: datetime, *, limit: int, lease: timedelta
) -> list[OutboxMessage]:
    """Take up to `limit` due rows, oldest first; other processes skip rows locked here."""
    due = or_(
        (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now),
    )
    rows = session.exec(
        select(OutboxMessage).where(OutboxMessage.platform == platform, due)
        .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    ).scalars().all()
    if rows:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
            .values(status="sending", lease_until=now + lease,
                    attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        for row in rows:
            row.attempts += 1
    return list(rows)


def mark_sent(
    session: Session, row_id: int, now: datetime, result: dict[str, Any] | None
) -> bool:
    done = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "sending")
        .values(status="sent", sent_at=now, lease_until=None, result=result, last_error=None)
    )
    return done.rowcount == 1


def reschedule(session: Session, row_id: int, at: datetime, error: str | None) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id)
        .values(status="pending", next_attempt_at=at, lease_until=None,
                last_error=error[:500] if error else None)
    )


def release(session: Session, row_ids: list[int], at: datetime) -> None:
    """Hand claimed rows back unsent, not counting the claim as an attempt."""
    if row_ids:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(row_ids))
            .values(status="pending", next_attempt_at=at, lease_until=None,
                    attempts=OutboxMessage.attempts - 1)
        )


def mark_failed(session: Session, row_id: int, error: str) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id)
        .values(status="failed", lease_until=None, last_error=error[:500])
    )


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
