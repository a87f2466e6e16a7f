"""Scheduled programming and the newcomer drip: programmes, their occurrences, content queues,
drip steps sent and drip opt-outs.

Exactly-once rests on unique keys: an occurrence row (programme, scheduled time) is inserted in
the same transaction as its outbox post, and a drip row (member, step) with its DM.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import Welcome, when


class Programme(SQLModel, table=True):
    """A recurring post: a cron cadence in a time zone, a channel and a content source."""

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    name: str = Field(max_length=40)  # how commands refer to it: "thursday-tips"
    title: str = Field(max_length=100)
    source: str = Field(max_length=16)  # newcomers | tips | icebreakers | text
    text: str = Field(sa_column=Column(Text, nullable=False))  # template or the fixed post
    channel_name: str = Field(max_length=100)
    channel_id: str = Field(default="", max_length=64)  # when given as a mention
    cron: str = Field(max_length=120)
    timezone: str = Field(max_length=64)
    owner_external_id: str = Field(default="", max_length=64)
    from_config: bool = False
    paused: bool = False
    removed: bool = False  # kept, so a built-in removed by command is not re-created
    active_since: datetime = when()  # occurrences before this are never posted
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = when()


class ProgrammeOccurrence(SQLModel, table=True):
    """One occurrence handled: posted, skipped (beyond grace) or empty (nothing to say)."""

    __tablename__ = "programme_occurrences"
    __table_args__ = (UniqueConstraint("programme_id", "scheduled_for"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programmes.id")
    scheduled_for: datetime = when()
    status: str = Field(max_length=16)  # posted | skipped | empty
    manual: bool = False  # `/community program run-now`
    recorded_at: datetime = when()
    detail: str = Field(default="", max_length=200)


class QueueItem(SQLModel, table=True):
    """A tip or icebreaker; the next one is the unused item with the lowest position."""

    __tablename__ = "programme_queue_items"
    __table_args__ = (Index("ix_queue_items_next", "community_id", "queue", "used_at", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    queue: str = Field(max_length=16)  # tips | icebreakers
    text: str = Field(sa_column=Column(Text, nullable=False))
    position: int
    used_at: datetime | None = when(nullable=True)
    added_by: str = Field(default="", max_length=64)
    added_at: datetime = when()


class DripDelivery(SQLModel, table=True):
    """A drip step handled for a member: sent, or skipped (active member, too late)."""

    __tablename__ = "drip_deliveries"
    __table_args__ = (UniqueConstraint("member_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id")
    step: str = Field(max_length=40)
    status: str = Field(max_length=16)  # sent | skipped
    at: datetime = when()


class DripOptOut(SQLModel, table=True):
    __tablename__ = "drip_opt_outs"

    member_id: int = Field(foreign_key="members.id", primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    opted_out_at: datetime = when()
    via: str = Field(default="command", max_length=16)  # command | button


# Wednesday Welcomes and the drip look newcomers up by join time in each community.
_welcomes = Welcome.__table__.c  # type: ignore[attr-defined]
Index("ix_welcomes_community_joined", _welcomes.community_id, _welcomes.joined_at)
