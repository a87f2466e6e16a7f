"""The home page: every member's getting-started checklist; managers also get a weekly summary."""

from __future__ import annotations

from datetime import timedelta

from bot.events import HomeOpened, UserRef
from tests.conftest import ConsoleBot
from tests.events import CONSOLE, joined, next_id, posted


def opened_home(bot: ConsoleBot, name: str) -> HomeOpened:
    return HomeOpened(event_id=next_id(), community=CONSOLE, at=bot.clock.now(),
                      user=UserRef(id=name, name=name))


async def test_member_home_is_the_getting_started_checklist(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, opened_home(bot, "ana"))
    await bot.settle()

    page = bot.workspace.homes["ana"]
    assert page.startswith("Getting started in Example Community")
    assert "Code of conduct: https://example.org/code-of-conduct" in page
    assert "Channels to start with: #introductions, #help, #announcements" in page
    assert page.count("\n☐ ") == 5
    assert "You have not posted yet" in page
    assert "For managers" not in page


async def test_home_shows_progress_and_is_republished_on_each_opening(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, opened_home(bot, "ana"))
    await bot.ctx.router.dispatch(bot.ctx, posted("ana", "Hi, I'm Ana!", bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, opened_home(bot, "ana"))
    await bot.settle()

    assert "You have posted 1 message so far" in bot.workspace.homes["ana"]
    assert len(bot.private_to("ana")) == 2


async def test_manager_home_adds_the_last_seven_days(bot: ConsoleBot) -> None:
    now = bot.clock.now()
    for name in ("ana", "ben"):
        await bot.ctx.router.dispatch(bot.ctx, joined(name, now))
    await bot.ctx.router.dispatch(bot.ctx, posted("ana", "old news", now - timedelta(days=8)))
    for name, text in (("ana", "hello"), ("ana", "again"), ("ben", "hi")):
        await bot.ctx.router.dispatch(bot.ctx, posted(name, text, now))
    await bot.ctx.router.dispatch(bot.ctx, opened_home(bot, "maria"))  # a manager
    await bot.settle()

    page = bot.workspace.homes["maria"]
    assert page.startswith("Getting started in Example Community")
    assert "For managers, the last 7 days:" in page
    assert "• Members: 3 (2 joined)" in page  # ana, ben and maria herself
    assert "• Messages: 3 from 2 people" in page
