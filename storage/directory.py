"""Communities, members and channels: external platform ids mapped to our row ids.

Ids never change once a row exists, so they are cached per process; a row created inside a
transaction joins the cache only when that transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlmodel import Session

from bot.events import ChannelRef, CommunityRef, UserRef
from storage import fastpath
from storage.models import Channel, Community, Member
from storage.upsert import dialect_insert

_PENDING = "directory_pending"


@dataclass(frozen=True)
class MemberRow:
    id: int
    external_id: str
    display_name: str
    is_bot: bool


class Directory:
    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], int] = {}
        self._statements: dict[tuple[str, str, str], Any] = {}

    def _remember(self, session: Session, key: tuple[str, ...], row_id: int) -> None:
        pending = session.info.get(_PENDING)
        if pending is None:
            pending = session.info[_PENDING] = {}
            event.listen(session, "after_commit", self._merge_pending, once=True)
            event.listen(session, "after_rollback", self._drop_pending, once=True)
        pending[key] = row_id

    def _merge_pending(self, session: Session) -> None:
        self._ids.update(session.info.pop(_PENDING, {}))

    def _drop_pending(self, session: Session) -> None:
        session.info.pop(_PENDING, None)

    def _cached(self, session: Session, key: tuple[str, ...]) -> int | None:
        found = self._ids.get(key)
        if found is None:
            found = session.info.get(_PENDING, {}).get(key)
        return found

    def _upsert_id(
        self, session: Session, table: Any, key_columns: tuple[str, str], update_column: str,
        values: dict[str, Any],
    ) -> int:
        """Insert or refresh one row by its natural key and return its id, in one statement."""
        cache_key = (session.get_bind().dialect.name, table.name, update_column)
        stmt = self._statements.get(cache_key)
        if stmt is None:
            base = dialect_insert(session, table)
            stmt = self._statements[cache_key] = base.on_conflict_do_update(
                index_elements=list(key_columns),
                set_={update_column: getattr(base.excluded, update_column)},
            ).returning(table.c.id)
        return fastpath.run(session, stmt, values)[0][0]

    def community_id(self, session: Session, ref: CommunityRef, now: datetime) -> int:
        key = ("c", ref.platform, ref.id)
        if (cached := self._cached(session, key)) is not None:
            return cached
        row_id = self._upsert_id(
            session, Community.__table__, ("platform", "external_id"),
            "name" if ref.name else "platform",
            {"platform": ref.platform, "external_id": ref.id, "name": ref.name, "created_at": now},
        )
        self._remember(session, key, row_id)
        return row_id

    def member_id(self, session: Session, community_id: int, user: UserRef, now: datetime) -> int:
        key = ("m", str(community_id), user.id)
        if (cached := self._cached(session, key)) is not None:
            return cached
        row_id = self._upsert_id(
            session, Member.__table__, ("community_id", "external_id"),
            "display_name" if user.name else "is_bot",
            {"community_id": community_id, "external_id": user.id,
             "display_name": user.name or "", "is_bot": user.is_bot, "first_seen_at": now},
        )
        self._remember(session, key, row_id)
        return row_id

    def channel_id(self, session: Session, community_id: int, channel: ChannelRef) -> int:
        key = ("ch", str(community_id), channel.id)
        if (cached := self._cached(session, key)) is not None:
            return cached
        row_id = self._upsert_id(
            session, Channel.__table__, ("community_id", "external_id"),
            "name" if channel.name else "is_private",
            {"community_id": community_id, "external_id": channel.id,
             "name": channel.name or "", "is_private": channel.is_private},
        )
        self._remember(session, key, row_id)
        return row_id

    def mark_joined(self, session: Session, member_id: int, at: datetime) -> None:
        session.execute(
            update(Member).where(Member.id == member_id).values(joined_at=at, left_at=None)
        )

    def mark_left(self, session: Session, member_id: int, at: datetime) -> None:
        session.execute(update(Member).where(Member.id == member_id).values(left_at=at))

    @staticmethod
    def member(session: Session, member_id: int) -> MemberRow:
        row = session.execute(
            select(Member.id, Member.external_id, Member.display_name, Member.is_bot)
            .where(Member.id == member_id)
        ).one()
        return MemberRow(*row)
