"""The newcomer drip (30-60-90): each step once per member at its time, nudges skipped for
members who have posted, and an opt-out by command or button that sticks."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.events import ActionClicked, ChannelRef, UserRef
from bot.jobs.drip import OPT_OUT_ACTION, send_due_drip_steps
from tests.conftest import ConsoleBot
from tests.events import CONSOLE, command, joined, left, next_id, posted

GOOD_QUESTIONS = "A tip for your first days in Example Community"
NUDGE = "you've been with us a week!"
CHECK_IN = "it's been a month in Example Community"


def drip_dms(bot: ConsoleBot, name: str) -> list[str]:
    return [dm for dm in bot.dms_to(name) if "welcome to Example Community" not in dm
            and not dm.startswith("Heads-up")]


async def sweep(bot: ConsoleBot) -> None:
    """The drip's sweep, as the scheduler or the console runs it, then delivery."""
    await send_due_drip_steps(bot.ctx)
    assert bot.ctx.sender is not None
    await bot.ctx.sender.drain()


async def on_day(bot: ConsoleBot, joined_at: datetime, day: float) -> None:
    """Jump to `day` days after joining and sweep (twice: a repeat changes nothing)."""
    bot.clock.set(joined_at + timedelta(days=day))
    await sweep(bot)
    await sweep(bot)


async def test_newcomer_gets_each_step_once_at_its_time(bot: ConsoleBot) -> None:
    start = bot.clock.now()
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", start))
    await sweep(bot)
    await on_day(bot, start, 2 - 1 / 24 / 60)
    assert drip_dms(bot, "ana") == []

    await on_day(bot, start, 2)
    [first] = drip_dms(bot, "ana")
    assert first.startswith("Hi ana! " + GOOD_QUESTIONS)
    [button] = [b for b in bot.workspace.buttons if b.audience == "dm:ana"]
    assert button.button.label == "Stop these tips"

    await on_day(bot, start, 7)
    await on_day(bot, start, 30)
    dms = drip_dms(bot, "ana")
    assert [GOOD_QUESTIONS in dms[0], NUDGE in dms[1], CHECK_IN in dms[2]] == [True] * 3
    assert dms[2].endswith(
        "feedback helps us a lot: the newcomer survey (https://example.org/newcomer-survey)"
    )
    await on_day(bot, start, 35)
    assert len(drip_dms(bot, "ana")) == 3


async def test_nudge_skips_members_who_have_posted(bot: ConsoleBot) -> None:
    start = bot.clock.now()
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", start))
    await bot.ctx.router.dispatch(bot.ctx, joined("ben", start))
    await on_day(bot, start, 3)
    await bot.ctx.router.dispatch(bot.ctx, posted("ana", "Hi, I'm Ana!", bot.clock.now()))
    await on_day(bot, start, 7)

    assert not any(NUDGE in dm for dm in drip_dms(bot, "ana"))
    assert sum(NUDGE in dm for dm in drip_dms(bot, "ben")) == 1


async def test_opt_out_by_command_stops_the_drip_and_opt_in_restarts_it(bot: ConsoleBot) -> None:
    start = bot.clock.now()
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", start))
    await bot.ctx.router.dispatch(bot.ctx, command("ana", "drip off", start))
    await sweep(bot)
    assert bot.private_to("ana")[-1].startswith("Done: no more newcomer tips from me.")

    await on_day(bot, start, 2)
    await on_day(bot, start, 7.5)
    assert drip_dms(bot, "ana") == []

    await bot.ctx.router.dispatch(bot.ctx, command("ana", "drip on", bot.clock.now()))
    await on_day(bot, start, 8)  # what came due while opted out is not sent late
    await on_day(bot, start, 30)
    assert len(drip_dms(bot, "ana")) == 1 and CHECK_IN in drip_dms(bot, "ana")[0]


async def test_the_button_opts_out_whoever_clicks_it(bot: ConsoleBot) -> None:
    start = bot.clock.now()
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", start))
    await bot.ctx.router.dispatch(bot.ctx, joined("ben", start))
    await on_day(bot, start, 2)
    [shown] = [b for b in bot.workspace.buttons if b.audience == "dm:ana"]
    click = ActionClicked(
        event_id=next_id(), community=CONSOLE, at=bot.clock.now(),
        user=UserRef(id="ana", name="ana"), channel=ChannelRef(id="dm-ana", is_dm=True),
        action_id=OPT_OUT_ACTION, value=shown.button.value, message=shown.message,
    )
    await bot.ctx.router.dispatch(bot.ctx, click)
    await bot.ctx.router.dispatch(bot.ctx, click)  # a repeated delivery
    await sweep(bot)
    await on_day(bot, start, 7)
    await on_day(bot, start, 30)

    assert len(drip_dms(bot, "ana")) == 1  # only the one with the button
    assert bot.private_to("ana") == [
        "Done: no more newcomer tips from me. "
        "Changed your mind? `/community drip on` turns them back on."
    ]
    assert len(drip_dms(bot, "ben")) == 3  # ben did not click


async def test_steps_missed_while_the_bot_was_off_are_not_sent_late(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await sweep(bot)
    bot.clock.advance(timedelta(days=8))  # the bot was off for eight days
    await sweep(bot)

    dms = drip_dms(bot, "ana")
    assert len(dms) == 1 and NUDGE in dms[0]  # day 2 is too stale; day 7 is one day late


async def test_members_who_left_get_no_drip_and_bad_arguments_get_usage(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, left("ana", bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, command("ben", "drip maybe", bot.clock.now()))
    await on_day(bot, bot.clock.now(), 7)

    assert drip_dms(bot, "ana") == []
    assert bot.private_to("ben") == [
        "Say `off` to stop the newcomer tips or `on` to get them again.\n"
        "Usage: `/community drip off|on`"
    ]
