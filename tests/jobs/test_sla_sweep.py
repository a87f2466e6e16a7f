"""The SLA sweep: an unanswered question walks the champion chain to the managers' channel,
stops the moment it is answered or taken, respects hours and capacity, and never pings twice,
even across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import build
from bot.jobs import run_sweeps
from tests.conftest import ConsoleBot
from tests.handlers.question_steps import click, run, say, thread_posts

MINUTES = timedelta(minutes=1)
QUESTION = "How do I tune autovacuum on a busy postgres table?"


async def champions(bot: ConsoleBot, *lines: str) -> None:
    for line in lines:
        await run(bot, "maria", f"champion add {line}")


async def wait(bot: ConsoleBot, minutes: int) -> None:
    bot.clock.advance(minutes * MINUTES)
    await bot.settle()


def managers_posts(bot: ConsoleBot) -> list[str]:
    return bot.posts_in("community-managers")


async def test_breach_pings_a_champion_then_the_next_then_the_managers(bot: ConsoleBot) -> None:
    await champions(bot, "@bea postgres", "@cy postgres databases")
    question = await say(bot, "ana", QUESTION)

    await wait(bot, 29)
    assert bot.dms_to("bea") == [] and bot.dms_to("cy") == []

    await wait(bot, 1)  # 30 minutes: the SLA has passed
    [ping] = bot.dms_to("bea")
    assert "@ana asked in #help 30m ago and nobody has answered yet" in ping
    assert "It looks like postgres" in ping and QUESTION in ping
    assert "Open the question (#" in ping  # the console shows links as message numbers
    labels = [b.button.label for b in bot.workspace.buttons if b.audience == "dm:bea"]
    assert labels == ["I'll take it", "Not mine"]
    [nudge] = thread_posts(bot, question)
    assert nudge.startswith("@ana, no answer yet, so I've asked one of our champions")

    await click(bot, "bea", "Not mine")
    assert bot.dms_to("bea") == ["👍 No problem, I'll ask someone else."]
    [second] = bot.dms_to("cy")
    assert QUESTION in second

    await wait(bot, 14)
    assert managers_posts(bot) == []
    await wait(bot, 1)  # cy's step ran out with no taker
    [escalation] = managers_posts(bot)
    assert "A question is still unanswered after the champion steps" in escalation
    assert "Q1 by @ana in #help" in escalation and "(asked: @bea, @cy)" in escalation

    await wait(bot, 120)
    assert len(bot.dms_to("bea")) == len(bot.dms_to("cy")) == len(managers_posts(bot)) == 1
    assert len(thread_posts(bot, question)) == 1  # one nudge, ever


async def test_an_answer_or_a_taker_stops_the_chain_at_once(bot: ConsoleBot) -> None:
    await champions(bot, "@bea postgres", "@cy postgres", "@dan postgres")
    answered = await say(bot, "ana", QUESTION)
    taken = await say(bot, "ben", "Why does my postgres replica lag behind?")
    await wait(bot, 31)
    assert len(bot.dms_to("bea")) == len(bot.dms_to("cy")) == 1

    await say(bot, "eve", "Lower autovacuum_vacuum_scale_factor on that table.",
              thread_of=answered)
    await click(bot, "cy", "I'll take it")
    assert bot.dms_to("bea") == ["✅ Answered by @eve — nothing needed from you, thanks! "
                                 f"the question in #help (#{bot.workspace.number_of(answered)})"]
    assert bot.dms_to("cy")[0].startswith("✅ It's yours — thank you!")
    assert thread_posts(bot, taken)[-1] == "@ben, @cy is looking into this. 🙌"

    await wait(bot, 180)
    assert bot.dms_to("dan") == [] and managers_posts(bot) == []
    assert "taken by @cy" in await run(bot, "maria", "questions")


async def test_champions_outside_their_hours_or_snoozed_are_skipped(bot: ConsoleBot) -> None:
    # The clock starts on a Monday at 09:00 UTC, 10:00 in Berlin.
    await champions(bot, "@bea postgres", "@cy postgres", "@dan postgres")
    await run(bot, "bea", "me hours 14:00-22:00 Europe/Berlin")
    await run(bot, "cy", "me snooze 1d")
    await say(bot, "ana", QUESTION)
    await wait(bot, 30)
    assert bot.dms_to("bea") == [] and bot.dms_to("cy") == []
    assert len(bot.dms_to("dan")) == 1


async def test_with_no_champion_to_ask_the_question_goes_straight_to_the_managers(
    bot: ConsoleBot,
) -> None:
    await champions(bot, "@bea postgres", "@cy postgres")
    await run(bot, "bea", "me hours 20:00-23:00 Europe/Berlin")
    await say(bot, "cy", QUESTION)  # the only available champion is the asker
    await wait(bot, 30)
    assert bot.dms_to("bea") == [] and bot.dms_to("cy") == []
    [escalation] = managers_posts(bot)
    assert "Q1 by @cy" in escalation and "(asked: no champion was available)" in escalation


async def test_a_full_champion_is_skipped_and_the_least_loaded_expert_is_asked(
    bot: ConsoleBot,
) -> None:
    await champions(bot, "@bea postgres", "@cy postgres", "@dan kubernetes")
    await run(bot, "bea", "me capacity 1")
    await say(bot, "ana", "How do I vacuum a postgres table?")
    await say(bot, "ben", "Why is my postgres replica lagging?")
    await say(bot, "eve", "Which postgres index type fits full text search?")
    await wait(bot, 30)
    # bea takes one (capacity 1), cy the other two; dan is no postgres expert: not needed.
    assert len(bot.dms_to("bea")) == 1
    assert len(bot.dms_to("cy")) == 2
    assert bot.dms_to("dan") == []


async def test_a_restart_mid_chain_does_not_ping_twice(bot: ConsoleBot) -> None:
    await champions(bot, "@bea postgres", "@cy postgres")
    await say(bot, "ana", QUESTION)
    await wait(bot, 30)
    assert len(bot.dms_to("bea")) == 1

    # A second process on the same store (a restart, or a rolling deploy) sweeps too.
    restarted = build(bot.ctx.config, bot.ctx.store, {"console": bot.workspace},
                      clock=bot.clock)
    for ctx in (restarted, bot.ctx, restarted):
        await run_sweeps(ctx)
        assert ctx.sender is not None
        await ctx.sender.drain()
    assert len(bot.dms_to("bea")) == 1 and bot.dms_to("cy") == []

    bot.clock.advance(15 * MINUTES)
    for ctx in (restarted, bot.ctx):
        await run_sweeps(ctx)
        assert ctx.sender is not None
        await ctx.sender.drain()
    assert len(bot.dms_to("bea")) == 1 and len(bot.dms_to("cy")) == 1


async def test_sla_time_counts_only_within_support_hours(bot: ConsoleBot) -> None:
    section = bot.ctx.config.questions.model_copy(update={"support_hours": "09:00-17:00"})
    bot.ctx.config = bot.ctx.config.model_copy(update={"questions": section})
    await champions(bot, "@bea postgres")
    bot.clock.set(datetime(2026, 1, 9, 15, 50, tzinfo=UTC))  # Friday 16:50 in Berlin
    await say(bot, "ana", QUESTION)

    await wait(bot, 60 * 24 * 2)  # the weekend passes
    assert bot.dms_to("bea") == []
    bot.clock.set(datetime(2026, 1, 12, 8, 19, tzinfo=UTC))  # Monday 09:19
    await bot.settle()
    assert bot.dms_to("bea") == []
    await wait(bot, 1)  # 10 minutes on Friday + 20 on Monday
    assert len(bot.dms_to("bea")) == 1


async def test_the_sla_comes_from_the_channel_and_halves_for_urgent_questions(
    bot: ConsoleBot,
) -> None:
    section = bot.ctx.config.questions.model_copy(update={"channel_sla": {"general": "2h"}})
    bot.ctx.config = bot.ctx.config.model_copy(update={"questions": section})
    await champions(bot, "@bea postgres")
    await say(bot, "ana", QUESTION, channel="general")
    await say(bot, "ben", "URGENT: production is down, postgres refuses connections, help?")
    await wait(bot, 15)
    [urgent] = bot.dms_to("bea")
    assert "@ben asked" in urgent and "The asker says it is urgent." in urgent
    await wait(bot, 104)
    assert len(bot.dms_to("bea")) == 1
    await wait(bot, 1)
    assert len(bot.dms_to("bea")) == 2 and "@ana asked in #general 2h ago" in bot.dms_to("bea")[1]
