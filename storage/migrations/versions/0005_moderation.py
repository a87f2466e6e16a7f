"""moderation: flags, cases, decisions (audit log), warnings and appeals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:31:42.230038
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mod_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("message_text", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("opened_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "round"),
    )
    with op.batch_alter_table("mod_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mod_cases_author_opened", ["author_id", "opened_at"], unique=False
        )
        batch_op.create_index(
            "ix_mod_cases_community_opened", ["community_id", "opened_at"], unique=False
        )

    op.create_table(
        "mod_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["mod_cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mod_appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mod_appeals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "mod_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("decided_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["mod_cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "action"),
    )
    with op.batch_alter_table("mod_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mod_decisions_community_decided", ["community_id", "decided_at"], unique=False
        )

    op.create_table(
        "mod_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("flagger_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("flagged_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["mod_cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["flagger_id"],
            ["members.id"],
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "flagger_id"),
    )
    with op.batch_alter_table("mod_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mod_flags_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_mod_flags_community_flagged", ["community_id", "flagged_at"], unique=False
        )
        batch_op.create_index(
            "ix_mod_flags_flagger_flagged", ["flagger_id", "flagged_at"], unique=False
        )

    op.create_table(
        "mod_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("warned_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["mod_cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    with op.batch_alter_table("mod_warnings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mod_warnings_member_warned", ["member_id", "warned_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mod_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_mod_warnings_member_warned")

    op.drop_table("mod_warnings")
    with op.batch_alter_table("mod_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_mod_flags_flagger_flagged")
        batch_op.drop_index("ix_mod_flags_community_flagged")
        batch_op.drop_index(batch_op.f("ix_mod_flags_case_id"))

    op.drop_table("mod_flags")
    with op.batch_alter_table("mod_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_mod_decisions_community_decided")

    op.drop_table("mod_decisions")
    with op.batch_alter_table("mod_appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mod_appeals_case_id"))

    op.drop_table("mod_appeals")
    with op.batch_alter_table("mod_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_mod_cases_community_opened")
        batch_op.drop_index("ix_mod_cases_author_opened")

    op.drop_table("mod_cases")
