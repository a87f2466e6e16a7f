"""The tables. Each is typed and indexed for the queries that read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def when(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index)


class Community(SQLModel, table=True):
    """One Slack workspace, Discord guild or console workspace."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: datetime = when()


class Member(SQLModel, table=True):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("community_id", "external_id"),
        Index("ix_members_community_bot", "community_id", "is_bot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    external_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    is_bot: bool = False
    joined_at: datetime | None = when(nullable=True)
    left_at: datetime | None = when(nullable=True)
    first_seen_at: datetime = when()


class Channel(SQLModel, table=True):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("community_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    is_private: bool = False


class Message(SQLModel, table=True):
    """A member's message; `thread_external_id` is its thread root's id when it is a reply."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_messages_community_posted", "community_id", "posted_at"),
        # A member's posts in time order, with whether each is live: their first live post is
        # read from the index alone.
        Index("ix_messages_author_live", "author_id", "posted_at", "deleted_at"),
        # The few deleted posts: nothing to write when a message is stored.
        Index("ix_messages_deleted", "community_id", "posted_at",
              sqlite_where=text("deleted_at IS NOT NULL"),
              postgresql_where=text("deleted_at IS NOT NULL")),
        # Replies only (joined to their roots); top-level posts have no thread to look up.
        Index("ix_messages_thread", "channel_id", "thread_external_id",
              sqlite_where=text("thread_external_id IS NOT NULL"),
              postgresql_where=text("thread_external_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    channel_id: int = Field(foreign_key="channels.id")
    external_id: str = Field(max_length=64)
    thread_external_id: str | None = Field(default=None, max_length=64)
    author_id: int = Field(foreign_key="members.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    posted_at: datetime = when()
    edited_at: datetime | None = when(nullable=True)
    deleted_at: datetime | None = when(nullable=True)


class Reaction(SQLModel, table=True):
    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("message_id", "member_id", "emoji"),  # also finds a post's reactions
        Index("ix_reactions_reacted", "reacted_at", "message_id", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id")
    member_id: int = Field(foreign_key="members.id")
    emoji: str = Field(max_length=64)
    reacted_at: datetime = when()


class ProcessedEvent(SQLModel, table=True):
    """Inbound deliveries already handled, so a retry or replay has no second effect."""

    __tablename__ = "processed_events"

    platform: str = Field(primary_key=True, max_length=16)
    event_id: str = Field(primary_key=True, max_length=128)
    processed_at: datetime = when(index=True)


class OutboxMessage(SQLModel, table=True):
    """Every outgoing call, stored before it is sent; `key` makes sending idempotent. Rows of
    one `lane` (a channel, or a member's DMs) are sent in id order."""

    __tablename__ = "outbox"
    # The claim reads a platform's due rows and, per lane, those waiting or in flight; status
    # first, so that the sent rows piling up behind are never scanned.
    __table_args__ = (Index("ix_outbox_lane", "status", "platform", "lane", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    platform: str = Field(max_length=16)
    community_id: int = Field(foreign_key="communities.id")
    kind: str = Field(max_length=16)  # post | dm | ephemeral | react | unreact | update | ...
    lane: str = Field(max_length=200)  # see storage.outbox.lane_for
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | sending | sent | failed
    attempts: int = 0
    created_at: datetime = when()
    next_attempt_at: datetime = when()
    lease_until: datetime | None = when(nullable=True)
    sent_at: datetime | None = when(nullable=True)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    last_error: str | None = Field(default=None, max_length=500)


class Welcome(SQLModel, table=True):
    """One row per member ever welcomed: the guarantee of one welcome, even after a rejoin."""

    __tablename__ = "welcomes"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id"),
        Index("ix_welcomes_pending", "community_id", "public_posted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id")
    joined_at: datetime = when()
    public_posted_at: datetime | None = when(nullable=True)


class RoleGrant(SQLModel, table=True):
    """A role given by command (`/community role add`), on top of those in the config."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("community_id", "member_external_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_external_id: str = Field(max_length=64)
    role: str = Field(max_length=16)  # champion | moderator | manager
    granted_by: str = Field(default="", max_length=64)
    granted_at: datetime = when()
