"""outbox lane: the ordering unit of each row, indexed with what the claim reads

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OUTBOX = sa.table(
    "outbox", sa.column("id", sa.Integer()), sa.column("kind", sa.String()),
    sa.column("payload", sa.JSON()), sa.column("status", sa.String()),
    sa.column("lane", sa.String()),
)


def lane_for(kind: str, payload: dict[str, Any]) -> str:
    """storage.outbox.lane_for as of this revision (a migration must not change with the app)."""
    if kind in ("dm", "home"):
        return f"{kind}:{payload['user']['id']}"[:200]
    channel = payload.get("channel") or (payload.get("message") or {}).get("channel")
    if channel:
        return (channel.get("id") or "#" + (channel.get("name") or ""))[:200]
    return kind


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "lane", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
            server_default="",
        ))
    # Rows still to send need their lane; sent and failed ones are never claimed again. The
    # payload is JSON, read alike on SQLite and PostgreSQL only from Python.
    bind = op.get_bind()
    unsent = bind.execute(
        sa.select(OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.payload)
        .where(OUTBOX.c.status.in_(("pending", "sending")))
    ).all()
    if unsent:
        bind.execute(
            sa.update(OUTBOX).where(OUTBOX.c.id == sa.bindparam("row_id"))
            .values(lane=sa.bindparam("new_lane")),
            [{"row_id": row_id, "new_lane": lane_for(kind, payload)}
             for row_id, kind, payload in unsent],
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("lane", server_default=None)
        batch_op.drop_index("ix_outbox_due")
        batch_op.create_index(
            "ix_outbox_lane", ["status", "platform", "lane", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_lane")
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.drop_column("lane")
