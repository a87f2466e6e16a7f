"""Scheduled programming: Wednesday Welcomes, Thursday Tips and Friday Fun, each occurrence
posted exactly once — through repeated sweeps, restarts, clock changes and late starts."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import build
from bot.cadence import next_local_time
from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.jobs.programming import post_due_programmes, send_heads_ups
from bot.platforms.console.runner import run_console
from bot.roles import Role, grant
from storage.db import Store
from storage.programme_tables import ProgrammeOccurrence
from tests.conftest import ConsoleBot
from tests.events import command, joined, left, posted

TIPS_HEADER = "💡 Thursday Tip: "
FUN_HEADER = "🎉 Friday Fun: "


def move_to(bot: ConsoleBot, when: str) -> None:
    """Set the clock to the next `[day] HH:MM` in the community's time zone."""
    bot.clock.set(next_local_time(bot.clock.now(), bot.ctx.config.community.timezone, when))


async def sweep(ctx: BotContext) -> None:
    """The programming sweeps, as the scheduler or the console runs them, then delivery."""
    await post_due_programmes(ctx)
    await send_heads_ups(ctx)
    assert ctx.sender is not None
    await ctx.sender.drain()


def programme_posts(bot: ConsoleBot, channel: str, header: str) -> list[str]:
    return [text for text in bot.posts_in(channel) if text.startswith(header)]


async def test_a_week_of_programming_posts_each_occurrence_once(bot: ConsoleBot) -> None:
    config = bot.ctx.config.programming
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, joined("ben", bot.clock.now()))
    await bot.settle()
    for step in range(7 * 4):  # a week in six-hour steps (Friday Fun one hour late), some
        bot.clock.advance(timedelta(hours=6))  # swept twice
        await bot.settle()
        if step % 3 == 0:
            await bot.settle()

    [welcomes] = bot.posts_in("introductions")
    assert welcomes.startswith("🌱 Wednesday Welcomes! Say hello to this week's newcomers:")
    assert "\n• @ana, meet your champion @chloe" in welcomes
    assert "\n• @ben, meet your champion @chloe" in welcomes
    assert programme_posts(bot, "general", TIPS_HEADER) == [TIPS_HEADER + config.tips[0]]
    assert programme_posts(bot, "general", FUN_HEADER) == [
        f"{FUN_HEADER}{config.icebreakers[0]} Answer in the thread!"
    ]


async def test_tips_rotate_without_repeating_and_managers_are_warned_when_low(
    bot: ConsoleBot,
) -> None:
    tips = bot.ctx.config.programming.tips
    assert len(tips) == 5
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await sweep(bot.ctx)
    for _ in range(6):
        move_to(bot, "thu 10:05")
        await sweep(bot.ctx)

    posted = [text.removeprefix(TIPS_HEADER)
              for text in programme_posts(bot, "general", TIPS_HEADER)]
    assert posted == [*tips, tips[0]]  # all five once, then a new round
    assert bot.posts_in("community-managers") == [
        "Thursday Tips: only 2 tips left before the queue repeats. "
        "Add more with `/community tip add <text>`.",
        "Thursday Tips: only 1 tip left before the queue repeats. "
        "Add more with `/community tip add <text>`.",
        "Thursday Tips: that was the last unused tip; next time the queue starts over. "
        "Add more with `/community tip add <text>`.",
    ]


async def test_restart_within_grace_posts_the_missed_occurrence_once(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    move_to(bot, "thu 09:00")
    await sweep(bot.ctx)  # the bot stops here, an hour before Thursday Tips

    move_to(bot, "thu 11:30")  # and starts again 90 minutes after it was due
    restarted = build(bot.ctx.config, bot.ctx.store, {"console": bot.workspace}, clock=bot.clock)
    await sweep(restarted)
    await sweep(restarted)
    await sweep(bot.ctx)  # the old context sweeping as well changes nothing

    assert len(programme_posts(bot, "general", TIPS_HEADER)) == 1


async def test_restart_beyond_grace_skips_and_logs_then_posts_the_next_one(
    bot: ConsoleBot, caplog: pytest.LogCaptureFixture,
) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    move_to(bot, "thu 09:00")
    await sweep(bot.ctx)

    move_to(bot, "thu 13:00")  # three hours late: more than the two-hour grace
    restarted = build(bot.ctx.config, bot.ctx.store, {"console": bot.workspace}, clock=bot.clock)
    with caplog.at_level(logging.WARNING):
        await sweep(restarted)
        await sweep(restarted)
    assert programme_posts(bot, "general", TIPS_HEADER) == []
    assert caplog.text.count("skipped 1 occurrence(s) of thursday-tips") == 1

    move_to(bot, "thu 10:00")  # a week later, on time
    await sweep(bot.ctx)
    tips = bot.ctx.config.programming.tips
    assert programme_posts(bot, "general", TIPS_HEADER) == [TIPS_HEADER + tips[0]]


async def test_clock_moved_backwards_does_not_repost(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await sweep(bot.ctx)
    move_to(bot, "thu 10:01")
    await sweep(bot.ctx)
    bot.clock.advance(timedelta(hours=-3))  # e.g. a wrong clock corrected
    await sweep(bot.ctx)
    bot.clock.advance(timedelta(hours=4))
    await sweep(bot.ctx)

    assert len(programme_posts(bot, "general", TIPS_HEADER)) == 1


async def test_two_bots_on_one_database_post_each_occurrence_once(bot: ConsoleBot) -> None:
    move_to(bot, "fri 14:00")
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await sweep(bot.ctx)
    other = build(bot.ctx.config, bot.ctx.store, {"console": bot.workspace}, clock=bot.clock)
    move_to(bot, "fri 15:00")
    await sweep(other)
    await sweep(bot.ctx)

    assert len(programme_posts(bot, "general", FUN_HEADER)) == 1
    async with bot.ctx.store.transaction() as session:
        statuses = session.execute(select(ProgrammeOccurrence.status)).scalars().all()
    assert statuses == ["posted"]


async def test_wednesday_welcomes_pairs_newcomers_with_champions_in_turn(
    bot: ConsoleBot,
) -> None:
    for name in ("ana", "ben", "carl", "dana"):
        await bot.ctx.router.dispatch(bot.ctx, joined(name, bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, left("dana", bot.clock.now()))
    async with bot.ctx.store.transaction() as session:
        community_id = bot.ctx.directory.community_id(session, bot.community, bot.clock.now())
        grant(session, community_id, "sam", Role.CHAMPION, "maria", bot.clock.now())
    await sweep(bot.ctx)
    move_to(bot, "wed 10:00")
    await sweep(bot.ctx)

    [post] = bot.posts_in("introductions")
    lines = [line for line in post.splitlines() if line.startswith("• ")]
    assert len(lines) == 3  # dana left
    champions = [line.split("meet your champion ")[1] for line in lines]
    assert set(champions) == {"@chloe", "@sam"}  # the config's champion and the granted one
    assert champions[0] != champions[1] and champions[1] != champions[2]


async def test_no_newcomers_means_no_wednesday_post(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, command("maria", "help", bot.clock.now()))
    await sweep(bot.ctx)
    move_to(bot, "wed 10:00")
    await sweep(bot.ctx)

    assert bot.posts_in("introductions") == []


async def test_owner_gets_one_heads_up_the_day_before(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("chloe", bot.clock.now()))
    await sweep(bot.ctx)
    move_to(bot, "wed 09:00")  # 25 hours before Thursday Tips
    await sweep(bot.ctx)
    heads_ups = [dm for dm in bot.dms_to("chloe") if dm.startswith("Heads-up")]
    assert heads_ups == []

    for _ in range(3):
        bot.clock.advance(timedelta(hours=1))
        await sweep(bot.ctx)

    [heads_up] = [dm for dm in bot.dms_to("chloe") if dm.startswith("Heads-up")]
    tips = bot.ctx.config.programming.tips
    assert heads_up == (
        "Heads-up: Thursday Tips posts in #general on Thursday 8 January at 10:00 "
        f"(Europe/Berlin). Next tip: “{tips[0]}”"
    )


async def test_programming_turned_off_posts_nothing(bot: ConsoleBot) -> None:
    bot.ctx.config = bot.ctx.config.model_copy(update={
        "programming": bot.ctx.config.programming.model_copy(update={"enabled": False})
    })
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await sweep(bot.ctx)
    move_to(bot, "fri 16:00")
    await sweep(bot.ctx)

    assert bot.posts_in("general") == [] and bot.posts_in("introductions") == []


async def test_demo_chapter_shows_a_week_of_programming_and_the_drip(
    sqlite_store: Store, config: CommunityConfig,
) -> None:
    from rich.console import Console

    from bot.platforms.console import demo

    console = Console(record=True, width=200, color_system=None)
    script = demo.WELCOME_WAGON + demo.CONVERSATION + demo.PROGRAMMING
    await run_console(config, sqlite_store, lines=demo._narrated(script, console), echo=True,
                      clock=ManualClock(demo.DEMO_START), console=console)
    out = console.export_text()
    assert out.count("🌱 Wednesday Welcomes!") == 1
    assert out.count("💡 Thursday Tip: ") == 1
    assert "💡 Thursday Tip: Pair up" in out  # the tip the manager added and moved up
    assert out.count("🎉 Friday Fun: ") == 1
    assert "Heads-up: Thursday Tips posts in #general" in out
    assert out.count("A tip for your first days in Example Community") == 3  # drip, day 2
    assert "Done: no more newcomer tips from me." in out


async def test_wednesday_welcomes_pairs_a_newcomer_with_the_champion_of_their_interests(
    bot: ConsoleBot,
) -> None:
    await bot.ctx.router.dispatch(bot.ctx, command("maria", "champion add @sam kubernetes",
                                                   bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, command("maria", "champion add @tess postgres",
                                                   bot.clock.now()))
    for name in ("ana", "ben"):
        await bot.ctx.router.dispatch(bot.ctx, joined(name, bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, posted(
        "ana", "Hi! I run Postgres clusters for a fintech", bot.clock.now(),
        channel="introductions"))
    await bot.ctx.router.dispatch(bot.ctx, posted(
        "ben", "Hello, I deploy everything on Kubernetes", bot.clock.now(),
        channel="introductions"))
    await sweep(bot.ctx)
    move_to(bot, "wed 10:00")
    await sweep(bot.ctx)

    [post] = bot.posts_in("introductions")
    assert "• @ana, meet your champion @tess" in post
    assert "• @ben, meet your champion @sam" in post
