"""Hand-made histories for the metrics: members, channels, posts, replies and reactions written
straight into the store (on SQLite and PostgreSQL), at times chosen by the test."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, text, update
from sqlmodel import Session

from bot.metrics.periods import Period
from storage import migrate
from storage.db import Store, make_engine
from storage.models import Channel, Community, Member, Message, Reaction, RoleGrant
from storage.questions_tables import Question
from tests.conftest import pg_engine_args

# Monday 2 March 2026, 00:00 UTC: the end of the week the tests measure.
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
WEEK = Period.ending(NOW, timedelta(days=7))


def days_ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


@dataclass
class History:
    session: Session
    community_id: int
    members: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def member(
        self, name: str, *, joined: datetime | None = None, is_bot: bool = False,
        left: datetime | None = None,
    ) -> int:
        if name not in self.members:
            self.members[name] = self.session.execute(insert(Member).values(
                community_id=self.community_id, external_id=name, display_name=name,
                is_bot=is_bot, joined_at=joined, left_at=left,
                first_seen_at=joined or NOW - timedelta(days=365),
            ).returning(Member.id)).scalar_one()
        return self.members[name]

    def channel(self, name: str, *, private: bool = False) -> int:
        if name not in self.channels:
            self.channels[name] = self.session.execute(insert(Channel).values(
                community_id=self.community_id, external_id=name, name=name, is_private=private,
            ).returning(Channel.id)).scalar_one()
        return self.channels[name]

    def post(
        self, author: str, at: datetime, text: str = "hello there", *, channel: str = "general",
        thread: str | None = None, deleted: bool = False,
    ) -> str:
        """A message; `thread` is the external id of the root it replies to. Returns its id."""
        external_id = f"m{next(self._ids)}"
        self.session.execute(insert(Message).values(
            community_id=self.community_id, channel_id=self.channel(channel),
            external_id=external_id, thread_external_id=thread, author_id=self.member(author),
            text=text, posted_at=at, deleted_at=at + timedelta(minutes=1) if deleted else None,
        ))
        return external_id

    def reply(self, author: str, root: str, at: datetime, text: str = "a reply", *,
              channel: str = "general", deleted: bool = False) -> str:
        return self.post(author, at, text, channel=channel, thread=root, deleted=deleted)

    def react(self, member: str, message: str, at: datetime, emoji: str = "👍") -> None:
        from sqlalchemy import select

        message_id = self.session.execute(
            select(Message.id).where(Message.external_id == message)
        ).scalar_one()
        self.session.execute(insert(Reaction).values(
            message_id=message_id, member_id=self.member(member), emoji=emoji, reacted_at=at,
        ))

    def question(
        self, asker: str, message: str, at: datetime, *, channel: str = "general",
        responder: str | None = None, responded: datetime | None = None,
        answered: datetime | None = None, status: str | None = None,
    ) -> None:
        """The `questions` row the question handlers keep for the post `message`: its first
        response is `responder`'s at `responded` (which answers it), or it was only marked
        answered at `answered`; open otherwise, unless `status` says."""
        answered = answered or responded
        self.session.execute(insert(Question).values(
            community_id=self.community_id, channel_external_id=channel, channel_name=channel,
            message_external_id=message, asker_external_id=asker, asker_name=asker,
            text="a question?", topics=[], status=status or ("answered" if answered else "open"),
            posted_at=at, sla_due_at=at + timedelta(hours=4), first_response_at=responded,
            first_responder=responder, answered_at=answered,
            answered_how=None if answered is None else "reply" if responded else "reaction",
            answered_by=responder,
        ))

    def grant(self, name: str, role: str) -> None:
        self.session.execute(insert(RoleGrant).values(
            community_id=self.community_id, member_external_id=name, role=role,
            granted_by="test", granted_at=NOW - timedelta(days=30),
        ))

    def leave(self, name: str, at: datetime) -> None:
        self.session.execute(update(Member).where(Member.id == self.members[name])
                             .values(left_at=at))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def metrics_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One migrated store per module and engine; each test rolls its history back."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'bot.db'}")
        migrate.upgrade(engine)
        yield Store(engine)
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, **pg_engine_args(schema))
    try:
        migrate.upgrade(engine)
        yield Store(engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def history(metrics_store: Store) -> Iterator[History]:
    with Session(metrics_store.engine) as session:
        session.begin()
        community_id = session.execute(insert(Community).values(
            platform="console", external_id="workspace", name="Console",
            created_at=NOW - timedelta(days=400),
        ).returning(Community.id)).scalar_one()
        try:
            yield History(session, community_id)
        finally:
            session.rollback()
