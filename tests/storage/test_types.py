"""`UTCDateTime` stores aware datetimes as UTC in the text SQLAlchemy itself writes for
SQLite, so rows written before and after the fast bind step compare and sort alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from storage.db import make_engine
from storage.types import UTCDateTime

PARIS_SUMMER = timezone(timedelta(hours=2))
WHEN = (
    datetime(2026, 3, 2, 11, 30, tzinfo=PARIS_SUMMER),  # whole seconds: no fraction to drop
    datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # a three-digit year is zero-padded
)
EVENTS = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("ours", UTCDateTime()), sa.Column("plain", sa.DateTime()))


def test_sqlite_text_is_sqlalchemys_own_and_reads_back_aware(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'types.db'}")
    EVENTS.create(engine)
    with engine.begin() as conn:
        for moment in WHEN:
            conn.execute(EVENTS.insert().values(
                ours=moment, plain=moment.astimezone(UTC).replace(tzinfo=None)))
        stored = conn.execute(sa.text("SELECT ours, plain FROM events ORDER BY id")).all()
        read = conn.execute(sa.select(EVENTS.c.ours).order_by(EVENTS.c.id)).scalars().all()
    assert [ours for ours, _ in stored] == [plain for _, plain in stored]
    assert stored[0][0] == "2026-03-02 09:30:00.000000"
    assert read == list(WHEN) and all(moment.tzinfo is UTC for moment in read)


def test_a_naive_datetime_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'types.db'}")
    EVENTS.create(engine)
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(EVENTS.insert().values(ours=datetime(2026, 3, 2, 9, 30)))
