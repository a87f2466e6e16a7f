"""The weekly digest: Monday morning in the community's time zone, once per week, with a real
chart; on demand with `/community digest now`; summarised by the assist when there is one."""

from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime, timedelta

from bot.jobs.digest import assisted_summary, send_weekly_digests
from tests.conftest import ConsoleBot
from tests.events import command, joined, posted

# The fixture's clock starts on Monday 5 January 2026, 09:00 UTC (10:00 in Berlin), after that
# morning's digest time: the first digest is due on Monday 12 January at 09:00 Berlin.
NEXT_MONDAY_9_BERLIN = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def a_week_of_talk(bot: ConsoleBot) -> None:
    now = bot.clock.now()
    for name in ("ana", "ben"):
        await bot.ctx.router.dispatch(bot.ctx, joined(name, now))
    question = posted("ana", "How do I rotate my API token?", now, channel="help")
    await bot.ctx.router.dispatch(bot.ctx, question)
    await bot.ctx.router.dispatch(bot.ctx, posted(
        "ben", "Settings → Tokens → Rotate", now + timedelta(minutes=15), channel="help",
        thread_id=question.message.id,
    ))
    await bot.settle()


def digests(bot: ConsoleBot) -> list[str]:
    return [text for text in bot.posts_in("community-managers") if "digest:" in text]


def assert_real_png_of_sensible_size(bot: ConsoleBot) -> None:
    [number] = bot.workspace.uploads
    data = bot.workspace.uploads[number].read_bytes()
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (800, 800)
    assert 10_000 < len(data) < 400_000


async def test_weekly_digest_arrives_on_monday_morning_once_with_a_real_chart(
    bot: ConsoleBot,
) -> None:
    await a_week_of_talk(bot)
    assert digests(bot) == []  # the bot met the community after this Monday's digest time

    bot.clock.set(NEXT_MONDAY_9_BERLIN - timedelta(minutes=1))
    await bot.settle()
    assert digests(bot) == []

    bot.clock.set(NEXT_MONDAY_9_BERLIN)
    await bot.settle()
    for step in (timedelta(hours=1), timedelta(days=1), timedelta(days=2)):
        bot.clock.advance(step)
        await bot.settle()

    [digest] = digests(bot)
    assert digest.startswith("📊 Example Community digest: Mon 05 Jan – Sun 11 Jan 2026")
    assert "Questions: 1 (▲ 1 from 0); answered 100%" in digest
    assert "Time to first response: median 15m" in digest
    assert "🙏 People to thank: @ben (1 first response)" in digest
    assert "📎 digest-2026-01-12.png" in digest
    assert_real_png_of_sensible_size(bot)

    await bot.ctx.router.dispatch(bot.ctx, posted("ana", "Rotated, thanks!", bot.clock.now()))
    bot.ctx.assist = FakeAssist("Token rotation, mostly.")  # type: ignore[assignment]
    bot.clock.set(NEXT_MONDAY_9_BERLIN + timedelta(days=7, minutes=5))
    await bot.settle()
    assert len(digests(bot)) == 2  # the next week has its own, summarised by the assist
    assert "What people talked about: Token rotation, mostly." in digests(bot)[-1]


async def test_a_missed_digest_is_sent_late_but_not_days_late(bot: ConsoleBot) -> None:
    await a_week_of_talk(bot)
    bot.clock.set(NEXT_MONDAY_9_BERLIN + timedelta(days=2))  # the bot was down since Sunday
    await bot.settle()
    assert digests(bot) == []

    bot.clock.set(NEXT_MONDAY_9_BERLIN + timedelta(days=7, hours=11))  # down all morning
    await bot.settle()
    [digest] = digests(bot)
    assert "Mon 12 Jan – Sun 18 Jan 2026" in digest


async def test_two_sweeps_at_once_queue_one_digest(bot: ConsoleBot) -> None:
    await a_week_of_talk(bot)
    bot.clock.set(NEXT_MONDAY_9_BERLIN)

    queued = await asyncio.gather(send_weekly_digests(bot.ctx), send_weekly_digests(bot.ctx))
    await bot.settle()

    assert sum(queued) == 1 and len(digests(bot)) == 1


async def test_quiet_communities_and_disabled_digests_get_none(bot: ConsoleBot) -> None:
    await bot.ctx.router.dispatch(bot.ctx, command("maria", "help", bot.clock.now()))
    bot.clock.set(NEXT_MONDAY_9_BERLIN)
    await bot.settle()
    assert digests(bot) == []  # nobody posted or joined: no digest of zeros

    await a_week_of_talk(bot)
    config = bot.ctx.config
    bot.ctx.config = config.model_copy(update={
        "metrics": config.metrics.model_copy(update={"digest_enabled": False})
    })
    bot.clock.set(NEXT_MONDAY_9_BERLIN + timedelta(days=7))
    await bot.settle()
    assert digests(bot) == []


class FakeAssist:
    def __init__(self, answer: str | Exception | None) -> None:
        self.answer = answer
        self.seen: list[str] = []

    async def summarize(self, texts: list[str]) -> str | None:
        self.seen = list(texts)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def test_digest_now_for_managers_with_a_heuristic_summary(bot: ConsoleBot) -> None:
    await a_week_of_talk(bot)
    bot.clock.advance(timedelta(hours=1))
    await bot.ctx.router.dispatch(bot.ctx, command("maria", "digest now", bot.clock.now()))
    await bot.settle()

    [digest] = digests(bot)
    assert "What people talked about: Busiest channels: #help 2 posts (was 0)." in digest
    assert "📎 digest-" in digest
    assert "it will appear in #community-managers" in bot.private_to("maria")[-1]


async def test_the_assist_summarises_the_week_when_it_can() -> None:
    texts = ["How do I rotate my API token?", "Settings → Tokens → Rotate"]
    assist = FakeAssist("  Mostly API token rotation.  ")

    assert await assisted_summary(assist, texts) == "Mostly API token rotation."
    assert assist.seen == texts
    assert await assisted_summary(FakeAssist(TimeoutError("slow model")), texts) is None
    assert await assisted_summary(FakeAssist(None), texts) is None
    assert await assisted_summary(object(), texts) is None  # an assist that cannot summarise
    assert await assisted_summary(None, texts) is None
