"""`/community modlog`: the audit trail for moderators; repeated warnings escalate."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.community_config import WarningStep
from tests.conftest import ConsoleBot
from tests.events import command
from tests.moderation.steps import (
    deliver,
    dm_to_bot,
    flag,
    flagged_case,
    post,
    press,
    with_moderation,
)


async def modlog(bot: ConsoleBot, user: str, args: str = "") -> str:
    await deliver(bot, command(user, f"modlog {args}".strip(), bot.clock.now()))
    return bot.private_to(user)[-1]


def warning_steps(bot: ConsoleBot, channel: str) -> list[str]:
    return [text for text in bot.posts_in(channel) if text.startswith("⚠️ @sam")]


async def test_a_members_history_shows_cases_decisions_and_appeals_but_no_flaggers(
    bot: ConsoleBot,
) -> None:
    await flagged_case(bot)
    bot.clock.advance(timedelta(minutes=10))
    await press(bot, "mo", "Remove message")
    await press(bot, "mo", "Warn author", with_interaction=False)
    bot.clock.advance(timedelta(minutes=10))
    await deliver(bot, dm_to_bot(bot, "sam", "Sorry!"))

    history = await modlog(bot, "mo", "@sam")

    assert history.splitlines() == [
        "Moderation history of @sam:",
        "• Warnings: 1 in the last 90d (1 in all); escalation steps: 3 → managers",
        "• Cases about their messages: 1 (1 upheld, 0 dismissed, 0 open)",
        "• Flags they raised: 0 (0 upheld, 0 dismissed); a flag from them weighs 1 now",
        "• Mon 05 Jan 10:00 · case #1 (@sam in #general): opened at score 3: spam ×3",
        "• Mon 05 Jan 10:10 · case #1 (@sam in #general): removed by @mo",
        "• Mon 05 Jan 10:10 · case #1 (@sam in #general): author warned by @mo "
        "(“Please take a moment to re-read our code of conduct.”)",
        "• Mon 05 Jan 10:20 · case #1 (@sam in #general): appeal from the author",
    ]
    assert not re.search(r"\b(quinn|rhea|tess)\b", history)


async def test_a_flaggers_history_shows_their_track_record(bot: ConsoleBot) -> None:
    await flagged_case(bot)
    await press(bot, "mo", "Remove message")

    history = await modlog(bot, "maria", "quinn")
    # one upheld flag: 2 × (1 + 2) / (1 + 0 + 4)
    assert "• Flags they raised: 1 (1 upheld, 0 dismissed); a flag from them weighs 1.2 now" in (
        history
    )


async def test_the_community_log_lists_recent_actions_and_flags_below_threshold(
    bot: ConsoleBot,
) -> None:
    assert (await modlog(bot, "mo")).endswith("Nothing has been flagged into a case yet.")
    await flagged_case(bot)
    await press(bot, "mo", "Dismiss")
    quiet = await post(bot, "ben", "borderline joke")
    await flag(bot, "quinn", quiet, "off-topic")

    log = await modlog(bot, "mo")
    assert log.splitlines() == [
        "Moderation log: 0 open cases; 1 flag on 1 message below the review threshold.",
        "• Mon 05 Jan 10:00 · case #1 (@sam in #general): opened at score 3: spam ×3",
        "• Mon 05 Jan 10:00 · case #1 (@sam in #general): dismissed by @mo",
    ]


async def test_modlog_is_for_moderators_and_explains_bad_arguments(bot: ConsoleBot) -> None:
    await flagged_case(bot)

    assert await modlog(bot, "quinn") == "Sorry, `/community modlog` is for moderators only."
    assert await modlog(bot, "mo", "@nobody") == (
        "I know no member called '@nobody' here\nUsage: `/community modlog [@member]`"
    )
    assert (await modlog(bot, "mo", "@sam @quinn")).startswith("give at most one member")
    assert (await modlog(bot, "mo", "<@sam|Sam>")).startswith("Moderation history of @sam")


async def test_repeated_warnings_escalate_per_the_configured_steps(bot: ConsoleBot) -> None:
    with_moderation(bot, warning_steps=[WarningStep(warnings=2, notify="moderators"),
                                        WarningStep(warnings=3, notify="managers")])
    for n in range(4):
        ref = await post(bot, "sam", f"spam number {n}")
        for flagger in ("quinn", "rhea", "tess"):
            await flag(bot, flagger, ref)
        await press(bot, "mo", "Warn author", with_interaction=False)

    assert warning_steps(bot, "moderators") == [
        "⚠️ @sam has now been warned 2 times in the last 90d. Their history: "
        "`/community modlog @sam`"
    ]
    assert warning_steps(bot, "community-managers") == [
        "⚠️ @sam has now been warned 3 times in the last 90d. Their history: "
        "`/community modlog @sam`"
    ]
    assert len(bot.dms_to("sam")) == 4


async def test_old_warnings_fall_out_of_the_window(bot: ConsoleBot) -> None:
    with_moderation(bot, warning_window="30d")
    for n in range(3):
        ref = await post(bot, "sam", f"spam number {n}")
        for flagger in ("quinn", "rhea", "tess"):
            await flag(bot, flagger, ref)
        await press(bot, "mo", "Warn author", with_interaction=False)
        bot.clock.advance(timedelta(days=20))

    assert warning_steps(bot, "community-managers") == []
    assert "Warnings: 1 in the last 30d (3 in all)" in await modlog(bot, "mo", "sam")
