"""A fake OpenAI server, and the console bot with an OpenAI assist pointed at it through the
real `openai` SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from openai import AsyncOpenAI

from bot.assist.openai_assist import OpenAIAssist
from tests.conftest import ConsoleBot
from tests.fakes.openai_server import FakeOpenAI

TIMEOUT = 0.3  # seconds: long enough for the local fake, short enough for a timeout test


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


def assist_for(fake: FakeOpenAI) -> OpenAIAssist:
    client = AsyncOpenAI(base_url=fake.base_url, api_key="test", max_retries=0,
                         timeout=TIMEOUT)
    return OpenAIAssist(client, model="gpt-test")


@pytest.fixture
async def assisted(bot: ConsoleBot, fake_openai: FakeOpenAI) -> AsyncIterator[ConsoleBot]:
    """The console bot with the OpenAI assist on (`bot.ctx.assist`)."""
    assist = assist_for(fake_openai)
    bot.ctx.assist = assist
    yield bot
    await assist.close()
