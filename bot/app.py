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


YOUNG_COLLECTION_EVERY = 10_000  # net new container objects; Python's default is 700


def tune_garbage_collection() -> None:
    """Once everything has started, two changes for a long-running bot:

    - the objects alive now (modules, SDK clients, table metadata, caches — over 100,000) are
      moved out of the collector's generations, so a full collection walks only what traffic
      made instead of pausing the event loop ~80 ms each time it runs;
    - the youngest generation is collected every `YOUNG_COLLECTION_EVERY` new objects rather
      than every 700: a batch of events briefly holds a few thousand objects that die with it,
      and at 700 a young collection ran every few events (~2% of the CPU of a busy bot).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)


def make_assist(settings: Settings) -> Assist | None:
    """The OpenAI assist when `OPENAI_API_KEY` is set; None keeps every feature on heuristics."""
    if settings.openai_api_key is None:
        return None
    from bot.assist.openai_assist import OpenAIAssist

    return OpenAIAssist.connect(
        settings.openai_api_key.get_secret_value(), model=settings.openai_model,
        base_url=settings.openai_base_url,
    )
