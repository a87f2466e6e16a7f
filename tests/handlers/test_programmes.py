"""Managers run the programming by command: the tip and icebreaker queues and programmes."""

from __future__ import annotations

from bot.cadence import next_local_time
from bot.jobs.programming import post_due_programmes, send_heads_ups
from tests.conftest import ConsoleBot
from tests.events import command, joined

TIPS = "💡 Thursday Tip: "
USAGE_ADD = ('Usage: `/community program add <name> <#channel> "<cron>" '
             "<text | tips | icebreakers | newcomers> [--owner @member]`")


async def run(bot: ConsoleBot, who: str, args: str) -> str:
    """`/community ARGS` as `who`; returns the private reply."""
    await bot.ctx.router.dispatch(bot.ctx, command(who, args, bot.clock.now()))
    assert bot.ctx.sender is not None
    await bot.ctx.sender.drain()
    return bot.private_to(who)[-1]


async def at(bot: ConsoleBot, when: str) -> None:
    """Move to the next `[day] HH:MM` (community time) and run the programming sweeps."""
    bot.clock.set(next_local_time(bot.clock.now(), bot.ctx.config.community.timezone, when))
    await post_due_programmes(bot.ctx)
    await send_heads_ups(bot.ctx)
    assert bot.ctx.sender is not None
    await bot.ctx.sender.drain()


async def test_members_cannot_manage_programmes(bot: ConsoleBot) -> None:
    for args in ("tip add sneaky", "fun list", "program pause thursday-tips"):
        reply = await run(bot, "ana", args)
        assert reply.endswith("is for managers only.")
    assert (await run(bot, "maria", "tip list")).startswith("5 tips, 5 not posted yet")


async def test_manager_fills_reorders_and_prunes_the_tip_queue(bot: ConsoleBot) -> None:
    await run(bot, "maria", "help")  # the community and its built-ins exist from here
    reply = await run(bot, "maria", 'tip add Don’t ask to ask: "just ask"!')
    assert reply.startswith("Added tip #") and "it is number 6 in line" in reply
    new_id = int(reply.split("#")[1].split(";")[0])
    assert await run(bot, "maria", f"tip move {new_id} 1") == (
        f"Tip #{new_id} is now number 1 in line."
    )
    listing = await run(bot, "maria", "tip list")
    assert listing.splitlines()[1] == f'1. #{new_id} Don’t ask to ask: "just ask"!'
    second_id = int(listing.splitlines()[2].split("#")[1].split(" ")[0])
    assert await run(bot, "maria", f"tip remove #{second_id}") == f"Removed tip #{second_id}."

    assert await run(bot, "maria", "program run-now thursday-tips") == (
        "Posted Thursday Tips to #general."
    )
    tips = bot.ctx.config.programming.tips
    assert bot.posts_in("general") == [TIPS + 'Don’t ask to ask: "just ask"!']
    listing = await run(bot, "maria", "tip list")
    assert listing.startswith("5 tips, 4 not posted yet this round")
    assert listing.splitlines()[1].endswith(tips[1])  # tips[0] was removed
    assert listing.splitlines()[-1].endswith("(posted; comes round again)")


async def test_queue_commands_explain_mistakes(bot: ConsoleBot) -> None:
    assert await run(bot, "maria", "tip add") == (
        "What should the tip say?\nUsage: `/community tip add <text>`"
    )
    assert (await run(bot, "maria", "tip add " + "x" * 1200)).startswith(
        "That tip is 1200 characters; keep it under 1000."
    )
    assert (await run(bot, "maria", "tip remove 999")).startswith("There is no tip #999.")
    assert (await run(bot, "maria", "tip move soon 1")).startswith("'soon' is not a tip number")
    assert (await run(bot, "maria", "tip move 1")).startswith(
        "Give the tip's #id and its new place in line."
    )


async def test_icebreakers_have_their_own_queue(bot: ConsoleBot) -> None:
    reply = await run(bot, "maria", "fun add What’s your favourite keyboard shortcut?")
    assert reply.startswith("Added icebreaker #") and "number 6 in line" in reply
    item = reply.split("#")[1].split(";")[0]
    assert (await run(bot, "maria", "fun list")).startswith("6 icebreakers")
    assert await run(bot, "maria", f"fun remove {item}") == f"Removed icebreaker #{item}."
    assert (await run(bot, "maria", "tip list")).startswith("5 tips")


async def test_manager_adds_a_programme_that_posts_on_its_cadence(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))  # Monday 10:00
    reply = await run(bot, "maria", 'program add standup #general "30 9 * * mon-fri" '
                                    "Morning! What are you working on today? --owner @ana")
    assert reply == (
        "Added Standup (standup): posts in #general, "
        "first on Tuesday 6 January at 09:30 (Europe/Berlin)."
    )
    await at(bot, "tue 09:29")
    assert bot.posts_in("general") == []
    [heads_up] = [dm for dm in bot.dms_to("ana") if dm.startswith("Heads-up")]
    assert heads_up.startswith("Heads-up: Standup posts in #general on Tuesday 6 January")
    await at(bot, "tue 09:30")
    await at(bot, "tue 11:00")
    assert bot.posts_in("general") == ["Morning! What are you working on today?"]
    listing = await run(bot, "maria", "program list")
    assert ("• standup — Standup in #general, `30 9 * * mon-fri` (text, owner @ana); "
            "next Wednesday 7 January at 09:30 (Europe/Berlin)") in listing


async def test_bad_programme_arguments_get_clear_usage_errors(bot: ConsoleBot) -> None:
    cases = {
        'program add x #general "0 9 * *" Hi': "'0 9 * *' is not a cadence; write five fields",
        'program add x #general "0 25 * * *" Hi': "'0 25 * * *': Error validating expression",
        'program add x #general "* * * * *" Hi': '"* * * * *" would post every 1 minute; a '
                                                 "programme posts at most once an hour.",
        'program add x #nowhere "0 9 * * *" Hi': "There is no channel #nowhere here.",
        'program add x #general "0 9 * * *"': "Say what to post: a text, or tips, "
                                              "icebreakers or newcomers.",
        'program add Bad_Name #general "0 9 * * *" Hi': "'Bad_Name': a name is lowercase",
        'program add thursday-tips #general "0 9 * * *" Hi': "There already is a programme "
                                                             "'thursday-tips'",
        "program add x": "A programme needs a name, a channel, a cadence and what to post.",
        'program add x #general "0 9 * * *" Hi --owner': "--owner needs a member",
    }
    for args, start in cases.items():
        reply = await run(bot, "maria", args)
        assert reply.startswith(start), (args, reply)
        assert reply.endswith(USAGE_ADD), args
    assert (await run(bot, "maria", "program pause nope")).startswith(
        "There is no programme 'nope'. Programmes: wednesday-welcomes, thursday-tips, "
        "friday-fun."
    )


async def test_pause_resume_and_remove(bot: ConsoleBot) -> None:
    assert await run(bot, "maria", "program pause thursday-tips") == (
        "Paused Thursday Tips. `/community program resume thursday-tips` restarts it."
    )
    await at(bot, "thu 10:30")
    assert bot.posts_in("general") == []
    assert (await run(bot, "maria", "program resume thursday-tips")).startswith(
        "Resumed Thursday Tips. Next post Thursday 15 January at 10:00"
    )
    await at(bot, "thu 11:00")  # the occurrence missed while paused is not posted late
    assert bot.posts_in("general") == []
    await at(bot, "thu 10:00")
    assert len([p for p in bot.posts_in("general") if p.startswith(TIPS)]) == 1

    assert await run(bot, "maria", "program remove friday-fun") == (
        "Removed Friday Fun. It stays off although the config lists it."
    )
    await at(bot, "fri 15:00")
    assert "friday-fun" not in await run(bot, "maria", "program list")
    assert not any(p.startswith("🎉 Friday Fun") for p in bot.posts_in("general"))


async def test_run_now_says_when_there_is_nothing_to_post(bot: ConsoleBot) -> None:
    assert await run(bot, "maria", "program run-now wednesday-welcomes") == (
        "Wednesday Welcomes has nothing to post right now: no newcomers this week."
    )
    assert await run(bot, "maria", "program run-now friday-fun") == (
        "Posted Friday Fun to #general."
    )
    icebreaker = bot.ctx.config.programming.icebreakers[0]
    assert bot.posts_in("general") == [f"🎉 Friday Fun: {icebreaker} Answer in the thread!"]
