"""The weekly digest: every week, at the configured weekday and hour in the community's time
zone, the managers' channel gets the week in numbers against the week before, a chart, the
people to thank and the people to reach out to, and a short summary of what people talked
about (by the AI assist when there is one, from channels and words otherwise).

Exactly once per week: the outbox key names the week (`digest:{community_id}:{iso_week}`),
so a second sweep, a second process or a restart finds the row and sends nothing more. A
digest missed while the bot was down goes out when it is back, up to `CATCH_UP` late; the
first one comes on the first digest day after the bot met the community.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlmodel import Session

from bot.charts import digest_chart
from bot.community_config import WEEKDAYS, CommunityConfig
from bot.context import BotContext
from bot.events import ChannelRef, UserRef
from bot.metrics import people, report
from bot.metrics.health import Day, Health, daily, health
from bot.metrics.periods import Period, local_midnight
from bot.metrics.reads import Reads
from bot.metrics.report import plural
from bot.metrics.sql import counted_posts
from bot.metrics.topics import Topic, trending_topics
from bot.text import Text
from storage.models import Community, Member, Message, OutboxMessage
from storage.outbox import Outbox

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)
CATCH_UP = timedelta(days=1)
SUMMARY_SAMPLE = 200  # the latest posts of the week the AI assist reads
SUMMARY_TIMEOUT = 30.0
NAMES = 5  # people named per list; the rest are counted


@dataclass(frozen=True)
class DigestData:
    period: Period
    health: Health
    days: list[Day]
    helpers: list[people.Helper]
    user_of_the_month: people.Helper | None
    at_risk: tuple[int, list[people.AtRisk]]
    newcomers: tuple[int, list[people.Newcomer]]
    channels: list[people.ChannelTrend]
    quiet: list[people.ChannelTrend]
    topics: list[Topic]
    texts: list[str]  # a sample of the week's posts, for the assist's summary


def collect(
    reads: Reads, config: CommunityConfig, community_id: int, period: Period, *,
    monthly: bool, with_texts: bool,
) -> DigestData:
    """Every figure of the digest: the health report's statements, then the rest, each batch
    run at once by `reads`."""
    zone = ZoneInfo(config.community.timezone)
    metrics = config.metrics
    figures = health(reads, community_id, period)
    days, helpers, best, at_risk, newcomers, trends, topics, texts = reads(
        partial(daily, community_id=community_id, period=period, zone=zone),
        partial(people.most_helpful, community_id=community_id, period=period, limit=3),
        partial(people.user_of_the_month, community_id=community_id, as_of=period.end)
        if monthly else _nothing,
        partial(people.at_risk, community_id=community_id, as_of=period.end,
                silent_days=metrics.at_risk_silent_days, min_posts=metrics.at_risk_min_posts,
                limit=NAMES),
        partial(people.silent_newcomers, community_id=community_id, as_of=period.end,
                days=metrics.newcomer_days, limit=NAMES),
        partial(people.channel_trends, community_id=community_id, period=period),
        partial(trending_topics, community_id=community_id, period=period, limit=6),
        partial(_latest_texts, community_id=community_id, period=period)
        if with_texts else _nothing,
    )
    return DigestData(
        period=period, health=figures, days=days, helpers=helpers, user_of_the_month=best,
        at_risk=at_risk, newcomers=newcomers, channels=people.trending_channels(trends, limit=3),
        quiet=people.quiet_channels(trends, limit=3), topics=topics, texts=texts or [],
    )


def _latest_texts(session: Session, community_id: int, period: Period) -> list[str]:
    """The period's latest posts, for the AI assist's summary."""
    return list(session.execute(
        select(Message.text)
        .where(counted_posts(community_id, period.start, period.end))
        .order_by(Message.posted_at.desc()).limit(SUMMARY_SAMPLE)
    ).scalars())


def _nothing(_session: Session) -> None:
    return None


def heuristic_summary(data: DigestData) -> Text:
    """What people talked about, from the busiest channels and the words that rose most."""
    if not data.channels:
        return Text(("Nobody posted this week.",))
    text = Text(("Busiest channels: ",))
    for index, trend in enumerate(data.channels):
        channel = ChannelRef(id=trend.external_id, name=trend.name)
        text += Text((", " if index else "", channel,
                      f" {plural(trend.posts, 'post')} (was {trend.previous_posts})"))
    if data.topics:
        text += ". Most talked about: " + ", ".join(topic.word for topic in data.topics)
    return text + "."


async def assisted_summary(assist: object | None, texts: list[str]) -> str | None:
    """The AI assist's summary of the week's posts (`assist.summarize(texts) -> str | None`),
    or None when there is no assist, it has nothing to say or it fails: the digest then uses
    `heuristic_summary`, and never waits on the assist for more than `SUMMARY_TIMEOUT`."""
    summarize = getattr(assist, "summarize", None)
    if summarize is None or not texts:
        return None
    try:
        result = summarize(texts)
        if inspect.isawaitable(result):
            result = await asyncio.wait_for(result, SUMMARY_TIMEOUT)
    except Exception:
        log.warning("the assist could not summarise the week; using the heuristic summary",
                    exc_info=True)
        return None
    return result.strip()[:1200] if isinstance(result, str) and result.strip() else None


def _names(items: list[tuple[UserRef, str]]) -> Text:
    text = Text()
    for index, (user, detail) in enumerate(items):
        text += Text((", " if index else "", user, f" ({detail})" if detail else ""))
    return text


def compose(config: CommunityConfig, data: DigestData, about: Text) -> Text:
    zone = ZoneInfo(config.community.timezone)
    text = Text((f"📊 {config.community.name} digest: "
                 f"{report.period_title(data.health, zone)}\n",))
    text += "\n".join(report.health_lines(data.health)) + "\n\nWhat people talked about: "
    text += about
    thanks = [(UserRef(h.person.external_id, h.person.name),
               plural(h.first_responses, "first response") + (
                   f", {plural(h.accepted, 'accepted answer')}" if h.accepted else ""))
              for h in data.helpers]
    text += "\n\n🙏 People to thank: "
    text += _names(thanks) if thanks else Text(("nobody answered a question this week.",))
    if data.user_of_the_month is not None:
        pick = data.user_of_the_month.person
        text += Text(("\n🏅 User of the month suggestion: ", UserRef(pick.external_id, pick.name),
                      " (most helpful of the last 30 days)"))
    text += "\n\n👋 People to reach out to:"
    total, quiet = data.at_risk
    newcomer_total, newcomers = data.newcomers
    if not total and not newcomer_total:
        text += " nobody this week."
    if total:
        text += Text(("\n• Gone quiet: ",)) + _names([
            (UserRef(r.person.external_id, r.person.name),
             f"{plural(r.posts, 'post')}, last one "
             f"{plural((data.period.end - r.last_post_at).days, 'day')} ago")
            for r in quiet]) + _more(total, len(quiet))
    if newcomer_total:
        text += Text(("\n• Newcomers who haven't posted yet: ",)) + _names([
            (UserRef(n.person.external_id, n.person.name), "") for n in newcomers
        ]) + _more(newcomer_total, len(newcomers))
    if data.quiet:
        text += "\n\n🔇 Channels going quiet: "
        for index, trend in enumerate(data.quiet):
            text += Text((", " if index else "", ChannelRef(id=trend.external_id, name=trend.name),
                          f" ({plural(trend.posts, 'post')}, was {trend.previous_posts})"))
    return text


def _more(total: int, shown: int) -> str:
    return f" and {total - shown} more" if total > shown else ""


async def deliver_digest(
    ctx: BotContext, community_id: int, platform: str, period: Period, key: str, *,
    monthly: bool,
) -> bool:
    """Build the digest and queue it (text and chart) for the managers' channel under `key`;
    False when that key was queued before."""
    config = ctx.config
    with_texts = getattr(getattr(ctx, "assist", None), "summarize", None) is not None

    def read() -> DigestData:  # in a worker thread: a big community's figures take a while
        return collect(ctx.store.read_at_once, config, community_id, period, monthly=monthly,
                       with_texts=with_texts)

    data = await asyncio.to_thread(read)
    about = await assisted_summary(getattr(ctx, "assist", None), data.texts)
    text = compose(config, data, Text((about,)) if about else heuristic_summary(data))
    zone = ZoneInfo(config.community.timezone)
    title = f"{config.community.name}: {period.label(zone)}"
    png = await asyncio.to_thread(digest_chart, data.days, zone, title)
    filename = f"digest-{period.end.astimezone(zone):%Y-%m-%d}.png"
    async with ctx.store.transaction() as session:
        outbox = Outbox(session, platform=platform, community_id=community_id,
                        now=ctx.clock.now())
        queued = outbox.upload(ctx.config_channel(config.channels.managers), filename, png, text,
                               key=key)
    if queued:
        ctx.wake_sender()
    return queued


def due_occurrence(now: datetime, zone: ZoneInfo, weekday: str, hour: int) -> datetime:
    """The latest digest time (UTC) at or before `now`."""
    local = now.astimezone(zone)
    back = (local.weekday() - WEEKDAYS.index(weekday)) % 7
    day = local.date() - timedelta(days=back)
    due = datetime.combine(day, time(hour), tzinfo=zone)
    if due > local:
        due = datetime.combine(day - WEEK, time(hour), tzinfo=zone)
    return due.astimezone(now.tzinfo)


async def send_weekly_digests(ctx: BotContext) -> int:
    """The sweep: queue this week's digest for every community that has not had it."""
    metrics = ctx.config.metrics
    if not metrics.digest_enabled:
        return 0
    now = ctx.clock.now()
    zone = ZoneInfo(ctx.config.community.timezone)
    due = due_occurrence(now, zone, metrics.digest_weekday, metrics.digest_hour)
    if now - due > CATCH_UP:
        return 0
    iso_year, iso_week, _ = due.astimezone(zone).isocalendar()
    period = Period.ending(local_midnight(due, zone), WEEK)
    async with ctx.store.transaction() as session:
        communities = session.execute(
            select(Community.id, Community.platform)
            .where(Community.platform.in_(list(ctx.chats)), Community.created_at <= due)
        ).all()
        todo = [
            (community_id, platform) for community_id, platform in communities
            if not _queued(session, _weekly_key(community_id, iso_year, iso_week))
            and _had_activity(session, community_id, period.previous.start, period.end)
        ]
    sent = 0
    for community_id, platform in todo:
        key = _weekly_key(community_id, iso_year, iso_week)
        if await deliver_digest(ctx, community_id, platform, period, key,
                                monthly=due.astimezone(zone).day <= 7):
            log.info("weekly digest %s queued", key)
            sent += 1
    return sent


async def send_digest_now(ctx: BotContext, community_id: int, platform: str, request: str) -> bool:
    """`/community digest now`: the last 7 days up to now, against the 7 before."""
    period = Period.through(ctx.clock.now(), WEEK)
    return await deliver_digest(ctx, community_id, platform, period,
                                f"digest-now:{community_id}:{request}", monthly=True)


def _weekly_key(community_id: int, iso_year: int, iso_week: int) -> str:
    return f"digest:{community_id}:{iso_year}-W{iso_week:02d}"


def _queued(session: Session, key: str) -> bool:
    return session.execute(select(exists().where(OutboxMessage.key == key))).scalar_one()


def _had_activity(session: Session, community_id: int, since: datetime, until: datetime) -> bool:
    """Anything to report: a post or a newcomer in the fortnight (an empty community gets
    no digest of zeros)."""
    posted = exists().where(Message.community_id == community_id, Message.posted_at >= since,
                            Message.posted_at < until, Message.deleted_at.is_(None))
    joined = exists().where(Member.community_id == community_id, Member.joined_at >= since,
                            Member.joined_at < until)
    return bool(session.execute(select(posted | joined)).scalar_one())
