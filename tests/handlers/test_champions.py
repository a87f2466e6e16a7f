"""Champions: managers keep the list; champions keep their own topics, hours, snooze and
capacity; mistakes get a message naming the usage."""

from __future__ import annotations

from datetime import timedelta

from bot.roles import Role, role_of
from tests.conftest import ConsoleBot
from tests.events import CONSOLE, joined
from tests.handlers.question_steps import run, say


async def test_managers_add_list_and_remove_champions(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("bea", bot.clock.now()))
    added = await run(bot, "maria", "champion add @bea postgres, kubernetes")
    assert added == "@bea is now a champion — topics: postgres, kubernetes."
    again = await run(bot, "maria", 'champion add @BEA "machine learning"')
    assert again == "@bea is already a champion — topics: postgres, kubernetes, machine learning."
    unknown = await run(bot, "maria", "champion add <@U0CY|cy>")
    assert unknown.startswith("@cy is now a champion — topics: none yet.")
    assert "I haven't seen <@U0CY|cy> here yet" in unknown

    listing = await run(bot, "maria", "champion list")
    assert listing == (
        "2 champions:\n"
        "• @bea — postgres, kubernetes, machine learning · any time · 0/3 open pings\n"
        "• @cy — no topics (asked about anything) · any time · 0/3 open pings"
    )
    assert await run(bot, "maria", "champion remove @bea kubernetes") == (
        "Removed those topics from @bea; topics now: postgres, machine learning.")
    assert await run(bot, "maria", "champion remove @U0CY") == (
        "@cy is no longer a champion; they will not be pinged about questions.")
    assert await run(bot, "maria", "champion remove @U0CY") == "@U0CY is not a champion."


async def test_only_managers_manage_champions_and_champions_get_the_role(
    bot: ConsoleBot,
) -> None:
    assert "is for managers only" in await run(bot, "ana", "champion add @ana everything")
    assert "is for champions only" in await run(bot, "ana", "me capacity 9")
    await run(bot, "maria", "champion add @ana")
    with bot.ctx.store.session() as session:
        role = role_of(session, bot.ctx.config, CONSOLE, 1, bot.workspace.user("ana"))
    assert role == Role.CHAMPION
    assert "/community me hours" in await run(bot, "ana", "help")


async def test_champions_set_their_topics_hours_snooze_and_capacity(bot: ConsoleBot) -> None:
    await run(bot, "maria", "champion add @bea postgres")
    assert await run(bot, "bea", "me topics python packaging, pip") == (
        "Your topics are now: python, packaging, pip.")
    assert await run(bot, "bea", "me hours 09:00-17:00 mon-fri America/New_York") == (
        "You'll be pinged only 09:00-17:00 mon-fri, America/New_York.")
    assert await run(bot, "bea", "me capacity 5") == "You'll get at most 5 open question pings."
    snoozed = await run(bot, "bea", "me snooze 2d")
    assert snoozed == "Snoozed: no pings until Wed 07 Jan 04:00 (America/New_York)."
    assert await run(bot, "bea", "me") == (
        "Your champion settings: @bea — python, packaging, pip · hours 09:00-17:00 mon-fri "
        "America/New_York, snoozed until Wed 07 Jan 04:00 · 0/5 open pings")
    assert await run(bot, "bea", "me snooze off") == "Snooze is off: you may be pinged again."
    assert await run(bot, "bea", "me hours any") == "You may be pinged at any time now."


async def test_champion_settings_reject_bad_input_with_the_usage(bot: ConsoleBot) -> None:
    await run(bot, "maria", "champion add @bea")
    cases = {
        "me hours 9-5": "not a span of hours: '9-5' (write it like 09:00-17:00)",
        "me hours 09:00-17:00 Mars/Olympus": "not a day: 'mars/olympus'",
        "me hours 25:00-26:00": "not a time of day",
        "me snooze soon": "not a duration: 'soon'",
        "me snooze 1000d": "At most 90d",
        "me capacity 0": "Capacity is from 1 to 20",
        "me capacity lots": "Give a number of open pings",
        "me topics": "List the topics you know about",
        f"me topics {'x' * 50}": "is too long (at most 40 characters)",
        "champion add": "Name the member to make a champion.",
        "champion add @" : "'@' is not a member; write @name.",
    }
    for args, expected in cases.items():
        name = "maria" if args.startswith("champion") else "bea"
        reply = await run(bot, name, args)
        assert expected in reply, (args, reply)
        assert "Usage: `/community " in reply, (args, reply)


async def test_a_removed_champion_is_not_pinged_and_config_champions_can_join_in(
    bot: ConsoleBot,
) -> None:
    roles = bot.ctx.config.roles.model_copy(update={"champions": ["console:dan"]})
    bot.ctx.config = bot.ctx.config.model_copy(update={"roles": roles})
    await run(bot, "maria", "champion add @bea postgres")
    await run(bot, "maria", "champion remove @bea")
    assert "Your topics are now: postgres." in await run(bot, "dan", "me topics postgres")

    await say(bot, "ana", "How do I vacuum a postgres table?")
    bot.clock.advance(timedelta(minutes=30))
    await bot.settle()
    assert bot.dms_to("bea") == []
    assert len(bot.dms_to("dan")) == 1
