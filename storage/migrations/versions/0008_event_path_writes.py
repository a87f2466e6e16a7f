"""event path writes: fewer index pages per stored event

- `ix_messages_thread` (channel_id, thread_external_id) indexes replies only: it is read to
  join replies to their roots, never for top-level posts, which are two thirds of messages and
  had each written a leaf page of it.
- The questions' unique key becomes (community_id, message_external_id, channel_external_id),
  named `uq_questions_message`: it serves the lookup of a thread's question by its root
  message, so `ix_questions_message` goes (one index fewer per question asked).
- `ix_questions_asker` (community_id, asker_external_id, status) goes: only `/community
  answered` without a thread read it (an asker's latest open question, now found newest first
  through `ix_questions_community_status`), yet every question asked and every one answered
  wrote it.
- On SQLite, `faq_terms` becomes a WITHOUT ROWID table, stored in its primary key's order: one
  b-tree per term instead of a rowid table plus the key's index. (`processed_events` stays a
  rowid table: as WITHOUT ROWID it cost ~1.5 more log writes per event.)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_KEY = ["community_id", "channel_external_id", "message_external_id"]
NEW_KEY = ["community_id", "message_external_id", "channel_external_id"]
REPLIES_ONLY = "thread_external_id IS NOT NULL"
# SQLite's unique constraints have no names to drop by: reflection names them by this.
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _swap_unique(drop: list[str], create: list[str], create_name: str | None) -> None:
    """Replace the questions' unique key on the columns `drop` by one on `create`."""
    found = sa.inspect(op.get_bind()).get_unique_constraints("questions")
    (old,) = [c["name"] or f"uq_questions_{'_'.join(drop)}"  # unnamed: SQLITE_NAMES' name
              for c in found if c["column_names"] == drop]
    if _is_sqlite():  # SQLite alters a constraint by copying the table
        with op.batch_alter_table("questions", naming_convention=SQLITE_NAMES,
                                  recreate="always") as batch_op:
            batch_op.drop_constraint(old, type_="unique")
            batch_op.create_unique_constraint(
                create_name or f"uq_questions_{'_'.join(create)}", create)
        return
    op.drop_constraint(old, "questions", type_="unique")
    op.create_unique_constraint(create_name, "questions", create)


def _faq_terms_rowid(*, with_rowid: bool) -> None:
    """On SQLite, copy `faq_terms` into a table created with or WITHOUT ROWID."""
    if _is_sqlite():
        with op.batch_alter_table("faq_terms", recreate="always",
                                  table_kwargs={"sqlite_with_rowid": with_rowid}):
            pass  # the copy, made when the batch ends, is the whole change


def upgrade() -> None:
    op.drop_index("ix_messages_thread", table_name="messages")
    op.create_index("ix_messages_thread", "messages", ["channel_id", "thread_external_id"],
                    sqlite_where=sa.text(REPLIES_ONLY), postgresql_where=sa.text(REPLIES_ONLY))
    _swap_unique(OLD_KEY, NEW_KEY, "uq_questions_message")
    op.drop_index("ix_questions_message", table_name="questions")
    op.drop_index("ix_questions_asker", table_name="questions")
    _faq_terms_rowid(with_rowid=False)


def downgrade() -> None:
    _faq_terms_rowid(with_rowid=True)
    op.create_index("ix_questions_asker", "questions",
                    ["community_id", "asker_external_id", "status"])
    op.create_index("ix_questions_message", "questions",
                    ["community_id", "message_external_id"])
    _swap_unique(NEW_KEY, OLD_KEY, None)
    op.drop_index("ix_messages_thread", table_name="messages")
    op.create_index("ix_messages_thread", "messages", ["channel_id", "thread_external_id"])
