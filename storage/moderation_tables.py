"""Moderation tables: flags, cases, decisions (the audit log), warnings and appeals.

A case is one review round of one message: the first opens when the flags' score reaches the
review threshold; a decided message reopens as a new round only when new flags bring reasons
the earlier rounds did not. Every row says who, what, when and why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import when


class ModCase(SQLModel, table=True):
    """A flagged message under review: one post in the moderators' (or managers') queue."""

    __tablename__ = "mod_cases"
    __table_args__ = (
        UniqueConstraint("message_id", "round"),
        Index("ix_mod_cases_community_opened", "community_id", "opened_at"),
        Index("ix_mod_cases_author_opened", "author_id", "opened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    message_id: int = Field(foreign_key="messages.id")
    author_id: int = Field(foreign_key="members.id")
    round: int = 1
    queue: str = Field(default="moderators", max_length=16)  # moderators | managers
    status: str = Field(default="open", max_length=16)  # open | escalated | closed
    outcome: str | None = Field(default=None, max_length=16)  # upheld | dismissed
    score: float = 0.0
    # The message as it was flagged: kept here even after the platform deletes it.
    message_text: str = Field(sa_column=Column(Text, nullable=False))
    revision: int = 0  # bumped on every update of the case post (its outbox keys)
    opened_at: datetime = when()
    closed_at: datetime | None = when(nullable=True)


class ModFlag(SQLModel, table=True):
    """One member's flag on one message (at most one each); `weight` as scored at the time."""

    __tablename__ = "mod_flags"
    __table_args__ = (
        UniqueConstraint("message_id", "flagger_id"),
        Index("ix_mod_flags_flagger_flagged", "flagger_id", "flagged_at"),
        Index("ix_mod_flags_community_flagged", "community_id", "flagged_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    message_id: int = Field(foreign_key="messages.id")
    flagger_id: int = Field(foreign_key="members.id")
    case_id: int | None = Field(default=None, foreign_key="mod_cases.id", index=True)
    reason: str = Field(max_length=16)  # spam | harassment | off-topic | other | unspecified
    note: str = Field(default="", max_length=500)
    source: str = Field(max_length=16)  # reaction | form
    weight: float
    flagged_at: datetime = when()


class ModDecision(SQLModel, table=True):
    """The audit log of actions on a case: each action at most once per case.

    `moderator_id` is empty for the bot's own action (auto-hide)."""

    __tablename__ = "mod_decisions"
    __table_args__ = (
        UniqueConstraint("case_id", "action"),
        Index("ix_mod_decisions_community_decided", "community_id", "decided_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    case_id: int = Field(foreign_key="mod_cases.id")
    action: str = Field(max_length=16)  # dismiss | remove | warn | timeout | escalate | auto_hide
    moderator_id: int | None = Field(default=None, foreign_key="members.id")
    note: str = Field(default="", max_length=1000)
    decided_at: datetime = when()


class ModWarning(SQLModel, table=True):
    """A warning sent to a member; counted for the escalation steps."""

    __tablename__ = "mod_warnings"
    __table_args__ = (Index("ix_mod_warnings_member_warned", "member_id", "warned_at"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id")
    case_id: int | None = Field(default=None, foreign_key="mod_cases.id", unique=True)
    moderator_id: int | None = Field(default=None, foreign_key="members.id")
    note: str = Field(default="", max_length=1000)
    warned_at: datetime = when()


class ModAppeal(SQLModel, table=True):
    """An author's reply to the bot's DM about an action on their message."""

    __tablename__ = "mod_appeals"

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    case_id: int = Field(foreign_key="mod_cases.id", index=True)
    member_id: int = Field(foreign_key="members.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = when()
