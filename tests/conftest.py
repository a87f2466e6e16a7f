"""Shared fixtures: a migrated store on SQLite and on PostgreSQL, and a bot on the console
workspace with a manual clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.app import build
from bot.clock import ManualClock
from bot.community_config import CommunityConfig, load_community_config
from bot.context import BotContext
from bot.events import CommunityRef
from bot.platforms.console.workspace import ConsoleWorkspace
from storage import migrate
from storage.db import Store, make_engine

PG_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_available() -> str | None:
    try:
        with create_engine(PG_URL).connect() as conn:
            conn.execute(text("select 1"))
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test server; required in CI, optional on a laptop without one."""
    problem = _postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is required in CI: {problem}")
        pytest.skip(f"no PostgreSQL at {PG_URL} ({problem}); set TEST_DATABASE_URL")
    return PG_URL


@pytest.fixture
def pg_schema_url(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A fresh schema on the test server, dropped afterwards: (url, schema)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_url, schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def pg_engine_args(schema: str) -> dict[str, object]:
    return {"connect_args": {"options": f"-csearch_path={schema}"}}


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on each engine, not migrated yet (migration tests start here)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    else:
        url, schema = request.getfixturevalue("pg_schema_url")
        engine = make_engine(url, **pg_engine_args(schema))
    yield engine
    engine.dispose()


@pytest.fixture
def store(blank_engine: Engine) -> Iterator[Store]:
    """A migrated, empty store on each engine."""
    migrate.upgrade(blank_engine)
    store = Store(blank_engine)
    yield store
    store.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    migrate.upgrade(engine)
    store = Store(engine)
    yield store
    store.dispose()


@pytest.fixture
def config() -> CommunityConfig:
    return load_community_config(None)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@dataclass
class ConsoleBot:
    """The whole bot on the console workspace: send events in, read what members see."""

    ctx: BotContext
    workspace: ConsoleWorkspace
    clock: ManualClock

    @property
    def community(self) -> CommunityRef:
        return self.workspace.community

    async def settle(self) -> None:
        from bot.jobs import settle

        await settle(self.ctx)

    def posts_in(self, channel: str) -> list[str]:
        return [m.text for m in self.workspace.messages
                if m.author.is_bot and m.audience == "channel" and m.ref.channel.id == channel]

    def dms_to(self, user: str) -> list[str]:
        return [m.text for m in self.workspace.messages if m.audience == f"dm:{user}"]

    def private_to(self, user: str) -> list[str]:
        return [m.text for m in self.workspace.messages if m.audience == f"only:{user}"]


@pytest.fixture
async def bot(store: Store, config: CommunityConfig, clock: ManualClock) -> AsyncIterator[
    ConsoleBot
]:
    workspace = ConsoleWorkspace()
    ctx = build(config, store, {"console": workspace}, clock=clock)
    yield ConsoleBot(ctx, workspace, clock)
