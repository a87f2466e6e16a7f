"""`/community stats`, `member`, `at-risk`, `trending`, `ladder`, `digest now` and `role`:
managers (and moderators where sensible) only, arguments checked, replies private unless
posted on purpose."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta

from bot.context import Turn
from bot.events import MessageRef, ReactionAdded, UserRef
from bot.metrics.reads import Reads
from tests.conftest import ConsoleBot
from tests.events import CONSOLE, command, joined, next_id, posted

ADMIN_COMMANDS = (
    "stats", "stats 30d", "member @ana", "trending", "at-risk", "ladder", "digest now",
    "role list", "role add @ana manager", "role remove @maria manager",
)


async def run(bot: ConsoleBot, user: str, args: str, channel: str = "general") -> str:
    """What `user` privately sees after running `/community args`."""
    before = len(bot.private_to(user))
    await bot.ctx.router.dispatch(bot.ctx, command(user, args, bot.clock.now(), channel=channel))
    await bot.settle()
    replies = bot.private_to(user)[before:]
    assert replies, f"no reply to /community {args}"
    return "\n".join(replies)


async def say(bot: ConsoleBot, name: str, text: str, at: datetime, *, channel: str = "general",
              thread: str | None = None) -> str:
    event = posted(name, text, at, channel=channel, thread_id=thread)
    await bot.ctx.router.dispatch(bot.ctx, event)
    return event.message.id


async def react(bot: ConsoleBot, name: str, message_id: str, emoji: str, at: datetime,
                channel: str = "help") -> None:
    from bot.events import ChannelRef

    await bot.ctx.router.dispatch(bot.ctx, ReactionAdded(
        event_id=next_id(), community=CONSOLE, at=at, user=UserRef(id=name, name=name),
        emoji=emoji, message=MessageRef(channel=ChannelRef(id=channel, name=channel),
                                        id=message_id),
    ))


async def test_every_admin_command_is_refused_to_members(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    for args in ADMIN_COMMANDS:
        reply = await run(bot, "ana", args)
        assert "Sorry, `/community" in reply and "only" in reply, args
    assert bot.posts_in("community-managers") == [] and bot.posts_in("general") == []
    help_text = await run(bot, "ana", "help")
    assert "/community stats" not in help_text and "/community role" not in help_text


async def test_moderators_read_the_numbers_but_not_the_people_lists(bot: ConsoleBot) -> None:
    assert "Community health" in await run(bot, "mo", "stats")
    assert "Trending channels" in await run(bot, "mo", "trending")
    for args in ("at-risk", "ladder", "digest now", "role list"):
        assert "is for managers only" in await run(bot, "mo", args)


async def test_bad_arguments_are_answered_with_the_usage_line(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    cases = {
        "stats soon": ("is not a period", "/community stats [period]"),
        "stats 400d": ("out of range", "/community stats [period]"),
        "stats 7d 30d": ("one period", "/community stats [period]"),
        "ladder 0w": ("out of range", "/community ladder [period]"),
        "trending 1x": ("is not a period", "/community trending [period]"),
        "member": ("Mention a member", "/community member @member [period]"),
        "member @nobody": ("I don't know @nobody", "/community member @member [period]"),
        "member @ana forever": ("is not a period", "/community member @member [period]"),
        "at-risk now": ("takes no arguments", "/community at-risk"),
        "digest now please": ("takes no arguments", "/community digest now"),
        "role": ("add, remove or list", "/community role add|remove"),
        "role promote @ana": ("not 'promote'", "/community role add|remove"),
        "role add @ana": ("needs a member and a role", "/community role add|remove"),
        "role add @ana wizard": ("unknown role 'wizard'", "/community role add|remove"),
        "role add @ana member": ("everyone is a member", "/community role add|remove"),
    }
    for args, (problem, usage) in cases.items():
        reply = await run(bot, "maria", args)
        assert problem in reply and f"Usage: `{usage}" in reply, (args, reply)


async def test_stats_show_the_week_against_the_week_before(bot: ConsoleBot) -> None:
    now = bot.clock.now()
    for name in ("ana", "ben", "cleo"):
        await bot.ctx.router.dispatch(bot.ctx, joined(name, now - timedelta(days=20)))
    await say(bot, "ana", "an old post", now - timedelta(days=10))
    question = await say(bot, "ana", "How do I reset my token?", now - timedelta(days=2),
                         channel="help")
    await say(bot, "ben", "Settings, then Tokens", now - timedelta(days=2, minutes=-12),
              channel="help", thread=question)
    await say(bot, "robot", "beep", now - timedelta(days=1))  # not a bot yet: see below

    reply = await run(bot, "maria", "stats")

    assert "compared with the week before" in reply
    assert "Active members: 3 (▲ 2 from 1)" in reply
    assert "Questions: 1 (▲ 1 from 0); answered 100%" in reply
    assert "Time to first response: median 12m" in reply
    assert "Members: 4 (▲ 1 from 3)" in reply  # robot arrived this week by posting


async def test_post_flag_shares_a_reply_with_the_channel_for_managers_only(
    bot: ConsoleBot,
) -> None:
    reply = await run(bot, "maria", "stats 30d --post", channel="community-managers")
    [shared] = bot.posts_in("community-managers")
    assert shared.startswith("Community health:") and "the 30 days before" in shared
    assert "Posted in #community-managers for everyone." in reply

    kept = await run(bot, "ana", "help --post")
    assert "Kept private: only moderators and managers post replies" in kept
    assert bot.posts_in("general") == []


async def test_role_add_and_remove_change_what_a_member_may_run(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", bot.clock.now()))
    await bot.ctx.router.dispatch(bot.ctx, joined("mo", bot.clock.now()))
    assert "only" in await run(bot, "ana", "stats")

    assert "@ana is now a moderator." in await run(bot, "maria", "role add @ana moderator")
    assert "already has the moderator role" in await run(bot, "maria", "role add @ana moderator")
    assert "Community health" in await run(bot, "ana", "stats")
    listing = await run(bot, "maria", "role list moderator")
    assert listing.startswith("Moderators: @maria (config), @mo (config), @ana")

    removed = await run(bot, "maria", "role remove @ana moderators")
    assert "@ana is no longer a moderator." in removed
    assert "only" in await run(bot, "ana", "stats")
    assert "comes from the config file" in await run(bot, "maria", "role remove @mo moderator")


async def test_people_commands_name_who_to_thank_and_who_to_reach_out_to(
    bot: ConsoleBot,
) -> None:
    now = bot.clock.now()
    await bot.ctx.router.dispatch(bot.ctx, joined("carl", now - timedelta(days=80)))
    await bot.ctx.router.dispatch(bot.ctx, joined("ana", now - timedelta(days=30)))
    await bot.ctx.router.dispatch(bot.ctx, joined("dina", now - timedelta(days=3)))
    for days in (40, 30, 20):
        await say(bot, "carl", f"carl's kafka tip {days}", now - timedelta(days=days))
    question = await say(bot, "ana", "Why is my kafka consumer lagging?",
                         now - timedelta(days=1), channel="help")
    answer = await say(bot, "carl", "Check max.poll.records", now - timedelta(hours=20),
                       channel="help", thread=question)
    await react(bot, "ana", answer, "✅", now - timedelta(hours=19))

    at_risk = await run(bot, "maria", "at-risk")
    assert "silent for 14+ days: 0" in at_risk  # carl answered yesterday: not at risk
    assert "haven't posted: 1\n• @dina — joined 3 days ago" in at_risk

    ladder = await run(bot, "maria", "ladder")
    assert "Most helpful: @carl (1 first response, 1 accepted)" in ladder
    assert "User of the month suggestion: @carl" in ladder

    member = await run(bot, "maria", "member @carl 30d")
    assert member.startswith("@carl — member, joined 80 days ago, last post today")
    assert "Answers: 1 first response, 1 accepted" in member
    assert member.endswith("Ladder: creator")  # started threads in both periods

    trending = await run(bot, "maria", "trending")
    assert "• #help 2 posts (▲ 2 from 0) by 2 people" in trending
    assert "Channels going quiet: none." in trending


async def test_a_report_is_built_off_the_event_loop(bot: ConsoleBot) -> None:
    released = threading.Event()  # set by the event loop: only if the loop goes on meanwhile

    def build(reads: Reads) -> list[int]:
        assert released.wait(10), "the event loop was held while the report was built"
        return reads(lambda _session: 1, lambda _session: 2)

    asyncio.get_running_loop().call_later(0.05, released.set)
    now = bot.clock.now()
    async with bot.ctx.store.transaction() as session:
        turn = Turn.begin(bot.ctx, session, command("maria", "stats", now), now)
        assert await turn.report(build) == [1, 2]
