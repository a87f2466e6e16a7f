"""The managers' view of the community's health: `/community stats`, `member`, `at-risk`,
`trending`, `ladder` and `digest now`. Figures come from `bot.metrics`; replies are private
unless the caller ends with `--post`."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.command_args import member_arg, period_arg
from bot.commands import CommandCall, Subcommand, UsageError
from bot.context import Turn
from bot.events import ChannelRef, UserRef
from bot.jobs.digest import send_digest_now
from bot.metrics import people, report
from bot.metrics.health import health
from bot.metrics.ladder import LadderRules, Rung, activity, ladder, rung_of_member
from bot.metrics.periods import Period, describe_length, including
from bot.metrics.report import plural
from bot.metrics.topics import trending_topics
from bot.roles import Role, role_of
from bot.router import Router
from bot.text import Text
from storage.models import Member, Message


def register(router: Router) -> None:
    add = router.commands.add
    add(Subcommand("stats", "[period]", "engagement and adoption against the period before",
                   Role.MODERATOR, show_stats))
    add(Subcommand("member", "@member [period]", "one member's activity and place on the ladder",
                   Role.MODERATOR, show_member))
    add(Subcommand("trending", "[period]", "trending channels and topics, channels going quiet",
                   Role.MODERATOR, show_trending))
    add(Subcommand("at-risk", "", "members who went quiet, newcomers who never posted",
                   Role.MANAGER, show_at_risk))
    add(Subcommand("ladder", "[period]", "the participation ladder, who moved, who helped most",
                   Role.MANAGER, show_ladder))
    add(Subcommand("digest now", "", "post the weekly digest to the managers' channel now",
                   Role.MANAGER, digest_now))


def _zone(turn: Turn) -> ZoneInfo:
    return ZoneInfo(turn.config.community.timezone)


def _period(call: CommandCall, turn: Turn, words: tuple[str, ...] | None = None) -> Period:
    length = period_arg(call.words if words is None else words,
                        turn.config.metrics.default_period)
    return Period.through(turn.now, length)


def ladder_rules(turn: Turn) -> LadderRules:
    return LadderRules.from_config(turn.config, turn.community.platform)


def _user(person: people.Person) -> UserRef:
    return UserRef(id=person.external_id, name=person.name)


def _ago(now: datetime, then: datetime) -> str:
    days = (now - then).days
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


async def show_stats(call: CommandCall, turn: Turn) -> str:
    period, community_id = _period(call, turn), turn.community_id
    figures = await turn.report(lambda reads: health(reads, community_id, period))
    title = report.period_title(figures, _zone(turn))
    return "\n".join([f"Community health: {title}", *report.health_lines(figures)])


async def show_member(call: CommandCall, turn: Turn) -> Text:
    if not call.words:
        raise UsageError("Whose activity? Mention a member")
    target = member_arg(turn.session, turn.community_id, call.words[0])
    period = _period(call, turn, call.words[1:])
    length = describe_length(period.length)
    if target.member_id is None:
        return Text((target.user, " has no recorded activity here yet."))
    session, community_id = turn.session, turn.community_id
    acts = activity(community_id, period, "acts")
    row = session.execute(
        select(acts.c.posts, acts.c.threads, acts.c.replies, acts.c.reactions)
        .where(acts.c.member_id == target.member_id)
    ).first()
    posts, threads, replies, reactions = (int(v or 0) for v in row) if row else (0, 0, 0, 0)
    joined, last_post = session.execute(
        select(Member.joined_at, func.max(Message.posted_at))
        .outerjoin(Message, (Message.author_id == Member.id) & Message.deleted_at.is_(None))
        .where(Member.id == target.member_id).group_by(Member.id, Member.joined_at)
    ).one()
    now_rung, before_rung = rung_of_member(session, community_id, period,
                                           ladder_rules(turn),
                                           target.member_id)
    helped = next(iter(people.most_helpful(session, community_id, period,
                                           member_id=target.member_id)), None)
    role = role_of(session, turn.config, turn.community, community_id, target.user)
    first, accepted = (helped.first_responses, helped.accepted) if helped else (0, 0)
    lines = [
        f" — {role.label}" + (f", joined {_ago(turn.now, joined)}" if joined else "")
        + (f", last post {_ago(turn.now, last_post)}" if last_post else ", has never posted"),
        f"\nLast {length}: {plural(posts, 'post')} ({plural(threads, 'thread')} started, "
        f"{plural(replies, 'reply', 'replies')} in others' threads), "
        f"{plural(reactions, 'reaction')} given",
        f"\nAnswers: {plural(first, 'first response')}, {accepted} accepted",
        f"\nLadder: {now_rung.label}"
        + ("" if now_rung == before_rung else
           f" ({'▲' if now_rung > before_rung else '▼'} from {before_rung.label})"),
    ]
    return Text((target.user, *lines))


async def show_trending(call: CommandCall, turn: Turn) -> Text:
    period, community_id = _period(call, turn), turn.community_id
    activity, topics = await turn.report(lambda reads: reads(
        partial(people.channel_trends, community_id=community_id, period=period),
        partial(trending_topics, community_id=community_id, period=period),
    ))
    length = describe_length(period.length)
    text = Text((f"Trending channels, last {length} (posts against the {length} before):",))
    trends = people.trending_channels(activity)
    for trend in trends:
        text += Text(("\n• ", ChannelRef(id=trend.external_id, name=trend.name),
                      f" {plural(trend.posts, 'post')} "
                      f"({report.change(trend.posts, trend.previous_posts)}) by "
                      f"{plural(trend.posters, 'person', 'people')}"))
    if not trends:
        text += " nobody posted."
    text += "\nTrending topics: " + (", ".join(
        f"{t.word} ({plural(t.count, 'post')}, was {t.previous})" for t in topics) or "none yet")
    quiet = people.quiet_channels(activity)
    text += "\nChannels going quiet: "
    if not quiet:
        text += "none."
    for index, trend in enumerate(quiet):
        text += Text((", " if index else "", ChannelRef(id=trend.external_id, name=trend.name),
                      f" ({plural(trend.posts, 'post')}, was {trend.previous_posts})"))
    return text


async def show_at_risk(call: CommandCall, turn: Turn) -> Text:
    if call.words:
        raise UsageError("`at-risk` takes no arguments")
    metrics, community_id = turn.config.metrics, turn.community_id
    as_of = including(turn.now)
    (total, quiet), (count, newcomers) = await turn.report(lambda reads: reads(
        partial(people.at_risk, community_id=community_id, as_of=as_of,
                silent_days=metrics.at_risk_silent_days, min_posts=metrics.at_risk_min_posts),
        partial(people.silent_newcomers, community_id=community_id, as_of=as_of,
                days=metrics.newcomer_days),
    ))
    text = Text((f"Members at risk — {metrics.at_risk_min_posts}+ posts in the last 90 days, "
                 f"then silent for {metrics.at_risk_silent_days}+ days: {total}",))
    for item in quiet:
        text += Text(("\n• ", _user(item.person),
                      f" — {plural(item.posts, 'post')}, last "
                      f"{_ago(turn.now, item.last_post_at)}"))
    text += (f"\nNewcomers of the last {metrics.newcomer_days} days who haven't posted: "
             f"{count}")
    for newcomer in newcomers:
        text += Text(("\n• ", _user(newcomer.person),
                      f" — joined {_ago(turn.now, newcomer.joined_at)}"))
    if total or count:
        text += "\nA friendly direct message works better than a public nudge."
    return text


async def show_ladder(call: CommandCall, turn: Turn) -> Text:
    period, community_id, rules = _period(call, turn), turn.community_id, ladder_rules(turn)
    result, helpers, pick = await turn.report(lambda reads: reads(
        partial(ladder, community_id=community_id, period=period, rules=rules),
        partial(people.most_helpful, community_id=community_id, period=period),
        partial(people.user_of_the_month, community_id=community_id,
                as_of=including(turn.now)),
    ))
    length = describe_length(period.length)
    text = Text((f"Participation ladder, last {length} (where today's members stand, against "
                 f"the {length} before):",))
    for rung in reversed(Rung):
        text += f"\n• {rung.label}: {report.count(result.now[rung], result.before[rung])}"
    text += f"\nMoved up: {result.moved_up} · moved down: {result.moved_down}"
    if result.climbers:
        text += "\nClimbed most: "
        for index, climber in enumerate(result.climbers):
            text += Text((", " if index else "", UserRef(climber.external_id, climber.name),
                          f" ({climber.before.label} → {climber.now.label})"))
    text += "\nMost helpful: "
    if not helpers:
        text += "nobody answered a question yet."
    for index, helper in enumerate(helpers):
        text += Text((", " if index else "", _user(helper.person),
                      f" ({plural(helper.first_responses, 'first response')}, "
                      f"{helper.accepted} accepted)"))
    if pick is not None:
        text += Text(("\nUser of the month suggestion: ", _user(pick.person),
                      " (most helpful of the last 30 days)"))
    return text


async def digest_now(call: CommandCall, turn: Turn) -> Text:
    if call.words:
        raise UsageError("`digest now` takes no arguments")
    ctx, community_id = turn.ctx, turn.community_id
    platform, request = turn.community.platform, turn.event.event_id

    async def send() -> None:  # after this turn commits: it reads and renders for a while
        await send_digest_now(ctx, community_id, platform, request)

    turn.in_background(send, f"digest-now:{request}")
    managers = turn.ctx.config_channel(turn.config.channels.managers)
    return Text.of("Preparing the digest; it will appear in {channel} in a moment.",
                   channel=managers)

