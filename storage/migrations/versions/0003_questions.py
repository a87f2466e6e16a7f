"""questions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 03:34:34.453454
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "champions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column(
            "member_external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("work_start_minute", sa.Integer(), nullable=True),
        sa.Column("work_end_minute", sa.Integer(), nullable=True),
        sa.Column("work_days", sa.Integer(), nullable=False),
        sa.Column("snoozed_until", storage.types.UTCDateTime(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("added_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "member_external_id"),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel_external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("channel_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "message_external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("asker_external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("asker_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("urgency", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("posted_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sla_due_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("next_step_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("taken_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("escalated_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("first_response_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("first_responder", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("answered_how", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "channel_external_id", "message_external_id"),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_questions_asker", ["community_id", "asker_external_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_questions_community_status", ["community_id", "status", "posted_at"], unique=False
        )
        batch_op.create_index("ix_questions_due", ["status", "next_step_at"], unique=False)
        batch_op.create_index(
            "ix_questions_message", ["community_id", "message_external_id"], unique=False
        )

    op.create_table(
        "champion_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("champion_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["champion_id"],
            ["champions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("champion_id", "topic"),
    )
    with op.batch_alter_table("champion_topics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_champion_topics_community_topic", ["community_id", "topic"], unique=False
        )

    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("question_text", sa.Text(), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("answer_author", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "answer_author_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False
        ),
        sa.Column(
            "answer_message_external_id",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
        ),
        sa.Column("answer_rank", sa.Integer(), nullable=False),
        sa.Column("doc_length", sa.Integer(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id"),
    )
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_faq_entries_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "question_pings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column(
            "champion_external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("pinged_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("responded_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "step"),
    )
    with op.batch_alter_table("question_pings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_question_pings_load",
            ["community_id", "outcome", "champion_external_id"],
            unique=False,
        )

    op.create_table(
        "faq_terms",
        sa.Column("faq_id", sa.Integer(), nullable=False),
        sa.Column("term", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["faq_id"],
            ["faq_entries.id"],
        ),
        sa.PrimaryKeyConstraint("faq_id", "term"),
    )
    with op.batch_alter_table("faq_terms", schema=None) as batch_op:
        batch_op.create_index("ix_faq_terms_lookup", ["community_id", "term"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faq_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_faq_terms_lookup")

    op.drop_table("faq_terms")
    with op.batch_alter_table("question_pings", schema=None) as batch_op:
        batch_op.drop_index("ix_question_pings_load")

    op.drop_table("question_pings")
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_entries_community_id"))

    op.drop_table("faq_entries")
    with op.batch_alter_table("champion_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_champion_topics_community_topic")

    op.drop_table("champion_topics")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index("ix_questions_message")
        batch_op.drop_index("ix_questions_due")
        batch_op.drop_index("ix_questions_community_status")
        batch_op.drop_index("ix_questions_asker")

    op.drop_table("questions")
    op.drop_table("champions")
