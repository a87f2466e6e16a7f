"""The composition root: builds the store, router, handlers, sender and scheduler once."""

from __future__ import annotations

import gc
import logging

from bot.assist import Assist
from bot.chat import Chat
from bot.clock import Clock, SystemClock
from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.handlers import register_all
from bot.router import Router
from bot.sender import OutboxSender, RetryPolicy
from bot.settings import Settings
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
    clock: Clock | None = None, retry: RetryPolicy | None = None, assist: Assist | None = None,
) -> BotContext:
    """Wire every feature; nothing starts running until `start` is called."""
    router = Router()
    register_all(router)
    clock = clock or SystemClock()
    ctx = BotContext(config=config, store=store, clock=clock, router=router, chats=dict(chats),
                     assist=assist)
    ctx.sender = OutboxSender(store, chats, clock, retry=retry)
    return ctx


def freeze_startup_objects() -> None:
    """Once everything has started: move the objects alive now (modules, SDK clients, table
    metadata, caches — over 100,000) out of the garbage collector's generations. A full
    collection then walks only what traffic made, instead of pausing the event loop ~80 ms
    each time it runs."""
    gc.collect()
    gc.freeze()


def make_assist(settings: Settings) -> Assist | None:
    """The OpenAI assist when `OPENAI_API_KEY` is set; None keeps every feature on heuristics."""
    if settings.openai_api_key is None:
        return None
    from bot.assist.openai_assist import OpenAIAssist

    return OpenAIAssist.connect(
        settings.openai_api_key.get_secret_value(), model=settings.openai_model,
        base_url=settings.openai_base_url,
    )
