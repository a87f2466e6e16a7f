"""Welcome wagon: one private getting-started DM and one (batched) public welcome, ever."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import ConsoleBot
from tests.events import joined, left


async def test_newcomer_gets_getting_started_dm_now_and_public_welcome_after_window(
    bot: ConsoleBot,
) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await bot.settle()

    [dm] = bot.dms_to("ana")
    assert "welcome to Example Community" in dm
    assert "Code of conduct: https://example.org/code-of-conduct" in dm
    assert "#introductions, #help, #announcements" in dm
    assert all(f"\n{n}. " in dm for n in range(1, 6))
    assert bot.posts_in("welcome") == []  # the batch window is still open

    bot.clock.advance(timedelta(minutes=2))
    await bot.settle()
    assert bot.posts_in("welcome") == [
        "Please give a warm welcome to @ana! 👋 Say hi and tell us what you are working on."
    ]


async def test_duplicate_join_delivery_and_rejoin_welcome_once(bot: ConsoleBot) -> None:
    join = joined("ana", bot.clock.now(), event_id="Ev-join-1")
    await bot.ctx.router.dispatch(bot.ctx, join)
    await bot.ctx.router.dispatch(bot.ctx, join)  # the platform retried the delivery
    bot.clock.advance(timedelta(minutes=3))
    await bot.settle()
    await bot.ctx.router.dispatch(bot.ctx, left("ana", bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))  # a new event id
    bot.clock.advance(timedelta(minutes=3))
    await bot.settle()

    assert len(bot.dms_to("ana")) == 1
    assert len(bot.posts_in("welcome")) == 1


async def test_burst_of_50_joins_gives_one_batched_post_and_50_dms(bot: ConsoleBot) -> None:
    names = [f"member{i:02d}" for i in range(50)]
    for index, name in enumerate(names):
        bot.clock.advance(timedelta(seconds=1 if index else 0))
        await bot.ctx.router.dispatch(bot.ctx, joined(name, bot.clock.now()))
    await bot.settle()
    assert bot.posts_in("welcome") == []

    bot.clock.advance(timedelta(minutes=2))
    await bot.settle()

    [post] = bot.posts_in("welcome")
    assert all(f"@{name}" in post for name in names)
    assert post.count("@") == 50
    assert all(len(bot.dms_to(name)) == 1 for name in names)


async def test_a_burst_larger_than_one_post_is_split_without_losing_anyone(
    bot: ConsoleBot,
) -> None:
    names = [f"m{i:03d}" for i in range(120)]
    for name in names:
        await bot.ctx.router.dispatch(bot.ctx, joined(name, bot.clock.now()))
    bot.clock.advance(timedelta(minutes=2))
    await bot.settle()

    posts = bot.posts_in("welcome")
    assert len(posts) == 3  # 50 + 50 + 20 names
    mentioned = [word.strip("@,!") for post in posts for word in post.split() if "@" in word]
    assert sorted(mentioned) == names


async def test_member_who_blocks_dms_gets_the_kit_in_the_welcome_channel(bot: ConsoleBot) -> None:
    bot.workspace.dm_blocked.add("ana")
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await bot.settle()

    assert bot.dms_to("ana") == []
    [fallback] = bot.posts_in("welcome")
    assert fallback.startswith("@ana, Hi ana, welcome to Example Community!")


async def test_bots_and_disabled_welcome_get_no_greeting(bot: ConsoleBot) -> None:
    from bot.events import MemberJoined, UserRef
    from tests.events import CONSOLE

    await bot.ctx.router.dispatch(bot.ctx, MemberJoined(
        event_id="bot-join", community=CONSOLE, at=bot.clock.now(),
        user=UserRef(id="otherbot", name="otherbot", is_bot=True),
    ))
    bot.ctx.config = bot.ctx.config.model_copy(update={
        "welcome": bot.ctx.config.welcome.model_copy(update={"enabled": False})
    })
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    bot.clock.advance(timedelta(minutes=5))
    await bot.settle()

    assert bot.workspace.messages == []


async def test_missing_welcome_channel_is_logged_not_crashing(bot: ConsoleBot, caplog) -> None:
    del bot.workspace.channels["welcome"]
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    bot.clock.advance(timedelta(minutes=5))
    await bot.settle()

    assert len(bot.dms_to("ana")) == 1
    assert "channel #welcome does not exist" in caplog.text
    assert bot.ctx.sender is not None and bot.ctx.sender.stats.failed == 1
