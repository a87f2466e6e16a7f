"""The composition root: builds the store, router, handlers, sender and scheduler once."""

from __future__ import annotations

import logging

from bot.chat import Chat
from bot.clock import Clock, SystemClock
from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.handlers import register_all
from bot.router import Router
from bot.sender import OutboxSender, RetryPolicy
from storage import migrate
from storage.db import Store

log = logging.getLogger(__name__)


def open_store(database_url: str, *, upgrade: bool = True) -> Store:
    """Connect and bring the schema to the latest migration."""
    store = Store.from_url(database_url)
    if upgrade:
        migrate.upgrade(store.engine)
    return store


def build(
    config: CommunityConfig, store: Store, chats: dict[str, Chat], *,
    clock: Clock | None = None, retry: RetryPolicy | None = None,
) -> BotContext:
    """Wire every feature; nothing starts running until `start` is called."""
    router = Router()
    register_all(router)
    clock = clock or SystemClock()
    ctx = BotContext(config=config, store=store, clock=clock, router=router, chats=dict(chats))
    ctx.sender = OutboxSender(store, chats, clock, retry=retry)
    return ctx
