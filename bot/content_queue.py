"""The tips and icebreakers queues managers fill: the next item is the unused one with the lowest
position; when every item has been used a new round starts, so nothing repeats until the queue
is used up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlmodel import Session

from storage.programme_tables import QueueItem

QUEUES = ("tips", "icebreakers")
MAX_ITEM_LENGTH = 1000


def add_item(
    session: Session, community_id: int, queue: str, text: str, by: str, now: datetime
) -> QueueItem:
    last = session.execute(
        select(func.max(QueueItem.position)).where(
            QueueItem.community_id == community_id, QueueItem.queue == queue
        )
    ).scalar_one_or_none()
    item = QueueItem(community_id=community_id, queue=queue, text=text, position=(last or 0) + 1,
                     added_by=by, added_at=now)
    session.add(item)
    session.flush()
    return item


def seed(session: Session, community_id: int, queue: str, texts: list[str], now: datetime) -> None:
    for text in texts:
        add_item(session, community_id, queue, text, "config", now)


def upcoming(session: Session, community_id: int, queue: str) -> list[QueueItem]:
    """In posting order: this round's unused items, then the used ones (the next round)."""
    return list(session.execute(
        select(QueueItem).where(QueueItem.community_id == community_id, QueueItem.queue == queue)
        .order_by(QueueItem.used_at.is_not(None), QueueItem.position, QueueItem.id)
    ).scalars())


def find_item(session: Session, community_id: int, queue: str, item_id: int) -> QueueItem | None:
    return session.execute(
        select(QueueItem).where(QueueItem.id == item_id, QueueItem.community_id == community_id,
                                QueueItem.queue == queue)
    ).scalar_one_or_none()


def remove_item(session: Session, community_id: int, queue: str, item_id: int) -> bool:
    done = session.execute(delete(QueueItem).where(
        QueueItem.id == item_id, QueueItem.community_id == community_id, QueueItem.queue == queue
    ))
    return bool(done.rowcount)


def move_item(
    session: Session, community_id: int, queue: str, item_id: int, to_place: int
) -> int:
    """Put the item at `to_place` (1 = next) in posting order; a used item becomes unused.
    Returns the place it got (clamped to the queue)."""
    items = [item for item in upcoming(session, community_id, queue) if item.id != item_id]
    order = [item.id for item in items if item.used_at is None]
    used = [item.id for item in items if item.used_at is not None]
    place = max(1, min(to_place, len(order) + 1))
    order.insert(place - 1, item_id)
    ids = order + used
    session.execute(
        update(QueueItem).where(QueueItem.id.in_(ids)).values(
            position=case({item: index for index, item in enumerate(ids, start=1)},
                          value=QueueItem.id),
            used_at=case((QueueItem.id == item_id, None), else_=QueueItem.used_at),
        ).execution_options(synchronize_session=False)
    )
    return place


def unused_count(session: Session, community_id: int, queue: str) -> int:
    return session.execute(
        select(func.count()).select_from(QueueItem).where(
            QueueItem.community_id == community_id, QueueItem.queue == queue,
            QueueItem.used_at.is_(None),
        )
    ).scalar_one()


def peek_next(session: Session, community_id: int, queue: str) -> QueueItem | None:
    items = upcoming(session, community_id, queue)
    return items[0] if items else None


def take_next(
    session: Session, community_id: int, queue: str, now: datetime
) -> tuple[QueueItem | None, int]:
    """Mark the next item used and return it with how many unused items remain in this round."""
    item = peek_next(session, community_id, queue)
    if item is None:
        return None, 0
    if item.used_at is not None:  # every item was used: a new round begins
        session.execute(update(QueueItem).where(
            QueueItem.community_id == community_id, QueueItem.queue == queue
        ).values(used_at=None))
    session.execute(update(QueueItem).where(QueueItem.id == item.id).values(used_at=now))
    return item, unused_count(session, community_id, queue)
