"""metrics indexes: first posts, deleted posts, reactions by time, a community's bots

- `ix_messages_author_live` (author_id, posted_at, deleted_at) replaces
  `ix_messages_author_posted`: a member's first live post is read from the index alone
  ("readers", newcomers who posted), and the same prefix still serves every lookup the old
  index did, so a message costs no more index writes than before.
- `ix_messages_deleted` (community_id, posted_at) of deleted messages only: which questions'
  messages were deleted since, without a write when a message is stored.
- `ix_reactions_reacted` (reacted_at, message_id, member_id) finds a period's reactions without
  reading the table; `ix_reactions_message_id` goes, the unique (message_id, member_id, emoji)
  index already serves lookups by message.
- `ix_members_community_bot` lists a community's bots, which the metrics leave out.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_author_live", "messages", ["author_id", "posted_at", "deleted_at"],
        unique=False,
    )
    op.drop_index("ix_messages_author_posted", table_name="messages")
    op.create_index(
        "ix_messages_deleted", "messages", ["community_id", "posted_at"], unique=False,
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )
    op.create_index(
        "ix_reactions_reacted", "reactions", ["reacted_at", "message_id", "member_id"],
        unique=False,
    )
    op.drop_index("ix_reactions_message_id", table_name="reactions")
    op.create_index(
        "ix_members_community_bot", "members", ["community_id", "is_bot"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_members_community_bot", table_name="members")
    op.create_index("ix_reactions_message_id", "reactions", ["message_id"], unique=False)
    op.drop_index("ix_reactions_reacted", table_name="reactions")
    op.create_index(
        "ix_messages_author_posted", "messages", ["author_id", "posted_at"], unique=False
    )
    op.drop_index("ix_messages_deleted", table_name="messages")
    op.drop_index("ix_messages_author_live", table_name="messages")
