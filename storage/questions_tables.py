"""Tables for unanswered questions: champions and their topics, questions, the pings of the
escalation chain, and the FAQ built from answered questions (with its term index for search).

People are kept by their platform id (`member_external_id`, like `role_grants`): that is what a
DM, a mention and a role check need, and it survives a member row being recreated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import when


class Champion(SQLModel, table=True):
    """A member who gets pinged about unanswered questions, with when and how much."""

    __tablename__ = "champions"
    __table_args__ = (UniqueConstraint("community_id", "member_external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_external_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    timezone: str | None = Field(default=None, max_length=64)  # None: the community's zone
    work_start_minute: int | None = None  # minutes after local midnight; None: any time
    work_end_minute: int | None = None
    work_days: int = 127  # bit 0 = Monday
    snoozed_until: datetime | None = when(nullable=True)
    capacity: int = 3  # open pings at once
    added_by: str = Field(default="", max_length=64)
    added_at: datetime = when()


class ChampionTopic(SQLModel, table=True):
    __tablename__ = "champion_topics"
    __table_args__ = (
        UniqueConstraint("champion_id", "topic"),
        Index("ix_champion_topics_community_topic", "community_id", "topic"),
    )

    id: int | None = Field(default=None, primary_key=True)
    champion_id: int = Field(foreign_key="champions.id")
    community_id: int = Field(foreign_key="communities.id")
    topic: str = Field(max_length=40)


class Question(SQLModel, table=True):
    """A question someone asked, its SLA and escalation state, and how it was answered.

    The chain is driven by `next_step_at`: the sweep picks open questions whose step is due,
    so answering (status) or taking it (next_step_at = None) stops the chain.
    """

    __tablename__ = "questions"
    __table_args__ = (
        # Also finds a thread's question by its root message alone (platforms disagree on a
        # reply's channel: the parent, or the thread itself).
        UniqueConstraint("community_id", "message_external_id", "channel_external_id",
                         name="uq_questions_message"),
        Index("ix_questions_due", "status", "next_step_at"),
        Index("ix_questions_community_status", "community_id", "status", "posted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    channel_external_id: str = Field(max_length=64)
    channel_name: str = Field(default="", max_length=200)
    message_external_id: str = Field(max_length=64)
    asker_external_id: str = Field(max_length=64)
    asker_name: str = Field(default="", max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgency: str = Field(default="normal", max_length=8)  # low | normal | high
    source: str = Field(default="heuristic", max_length=16)  # help-channel | heuristic | openai
    status: str = Field(default="open", max_length=16)  # open | answered | dismissed | deleted
    posted_at: datetime = when()
    sla_due_at: datetime = when()
    next_step_at: datetime | None = when(nullable=True)
    step: int = 0  # champions pinged so far
    taken_by: str | None = Field(default=None, max_length=64)
    escalated_at: datetime | None = when(nullable=True)  # posted to the managers' channel
    first_response_at: datetime | None = when(nullable=True)
    first_responder: str | None = Field(default=None, max_length=64)
    answered_at: datetime | None = when(nullable=True)
    answered_how: str | None = Field(default=None, max_length=16)  # reply | reaction | command
    answered_by: str | None = Field(default=None, max_length=64)


class QuestionPing(SQLModel, table=True):
    """One step of a question's chain: a champion asked by DM, or the managers' channel.

    `(question_id, step)` is unique, so a sweep that runs twice, or again after a restart,
    cannot ask twice for the same step.
    """

    __tablename__ = "question_pings"
    __table_args__ = (
        UniqueConstraint("question_id", "step"),
        Index("ix_question_pings_load", "community_id", "outcome", "champion_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="questions.id")
    community_id: int = Field(foreign_key="communities.id")
    step: int
    champion_external_id: str | None = Field(default=None, max_length=64)  # None: managers
    # pending | taken | passed | expired | stopped (answered meanwhile) | done | escalated
    outcome: str = Field(default="pending", max_length=16)
    pinged_at: datetime = when()
    responded_at: datetime | None = when(nullable=True)


class FaqEntry(SQLModel, table=True):
    """An answered question and its best answer (accepted > a champion's > the first reply)."""

    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id", index=True)
    question_id: int = Field(foreign_key="questions.id")
    question_text: str = Field(sa_column=Column(Text, nullable=False))
    answer_text: str = Field(sa_column=Column(Text, nullable=False))
    answer_author: str = Field(max_length=64)
    answer_author_name: str = Field(default="", max_length=200)
    answer_message_external_id: str = Field(max_length=64)
    answer_rank: int = 1  # 1 a reply, 2 a champion's reply, 3 accepted by the asker or a champion
    doc_length: int = 0  # terms indexed, for length normalisation in search
    updated_at: datetime = when()


class FaqTerm(SQLModel, table=True):
    """The FAQ's inverted index: search scores entries with one grouped query per search."""

    __tablename__ = "faq_terms"
    __table_args__ = (
        Index("ix_faq_terms_lookup", "community_id", "term"),
        {"sqlite_with_rowid": False},  # SQLite: rows stored in (faq_id, term) order
    )

    faq_id: int = Field(foreign_key="faq_entries.id", primary_key=True)
    term: str = Field(max_length=40, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    occurrences: int = 1
