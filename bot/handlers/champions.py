"""Champions: managers add and remove them with their topics (`/community champion …`);
champions set their own topics, working hours, snooze and capacity (`/community me …`).

The SLA sweep asks only champions in this list, only within their working hours, never while
snoozed, and never beyond their capacity of open pings.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlmodel import Session

from bot.clock import parse_duration
from bot.commands import CommandCall, Subcommand, UsageError
from bot.context import Turn
from bot.events import UserRef
from bot.questions.hours import (
    EVERY_DAY,
    days_mask,
    describe_days,
    is_zone_name,
    parse_days,
    parse_span,
    zone,
)
from bot.questions.matching import hours_of
from bot.questions.store import open_pings
from bot.roles import Role
from bot.router import Router
from bot.text import Text
from storage.models import Member
from storage.questions_tables import Champion, ChampionTopic
from storage.upsert import dialect_insert

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 40
MAX_CAPACITY = 20
MAX_SNOOZE = timedelta(days=90)
_MENTION = re.compile(r"^<@!?([\w.-]+)(?:\|([^>]*))?>$")  # <@U123>, <@U123|ana>, <@!123>


def register(router: Router) -> None:
    add = router.commands.add
    add(Subcommand("champion add", "@member [topic…]", "make someone a champion, with topics",
                   Role.MANAGER, add_champion))
    add(Subcommand("champion remove", "@member [topic…]",
                   "remove a champion, or only some of their topics", Role.MANAGER,
                   remove_champion))
    add(Subcommand("champion list", "", "champions, their topics, hours and load",
                   Role.MANAGER, list_champions))
    add(Subcommand("me", "", "your champion settings", Role.CHAMPION, show_me))
    add(Subcommand("me topics", "<topic>…", "set the topics you get asked about",
                   Role.CHAMPION, set_my_topics))
    add(Subcommand("me hours", "<09:00-17:00> [mon-fri] [Europe/Berlin] | any",
                   "when you may be pinged", Role.CHAMPION, set_my_hours))
    add(Subcommand("me snooze", "<2d> | off", "no pings for a while", Role.CHAMPION,
                   snooze_me))
    add(Subcommand("me capacity", "<number>", "how many open pings you take at once",
                   Role.CHAMPION, set_my_capacity))


# --- managers ---------------------------------------------------------------------------------


async def add_champion(call: CommandCall, turn: Turn) -> Text | str:
    if not call.words:
        raise UsageError("Name the member to make a champion.")
    user, known = resolve_member(turn, call.words[0])
    topics = parse_topics(call.words[1:])
    champion_id, created = ensure_champion(turn, user, added_by=turn_user(turn).id)
    add_topics(turn.session, turn.community_id, champion_id, topics)
    verb = "is now a champion" if created else "is already a champion"
    text = Text.of("{user} " + verb, user=user)
    text += f" — topics: {', '.join(topics_of(turn.session, champion_id)) or 'none yet'}."
    if not known:
        text += (f"\n(I haven't seen {call.words[0]} here yet: check the name if pings do not "
                 "arrive.)")
    return text


async def remove_champion(call: CommandCall, turn: Turn) -> Text | str:
    if not call.words:
        raise UsageError("Name the champion to remove.")
    user, _ = resolve_member(turn, call.words[0])
    champion_id = champion_id_of(turn.session, turn.community_id, user.id)
    if champion_id is None:
        return Text.of("{user} is not a champion.", user=user)
    topics = parse_topics(call.words[1:])
    if topics:
        turn.session.execute(delete(ChampionTopic).where(
            ChampionTopic.champion_id == champion_id, ChampionTopic.topic.in_(topics)))
        left = ", ".join(topics_of(turn.session, champion_id)) or "none"
        return Text.of("Removed those topics from {user}; topics now: " + left + ".", user=user)
    turn.session.execute(delete(ChampionTopic).where(ChampionTopic.champion_id == champion_id))
    turn.session.execute(delete(Champion).where(Champion.id == champion_id))
    return Text.of("{user} is no longer a champion; they will not be pinged about questions.",
                   user=user)


async def list_champions(call: CommandCall, turn: Turn) -> Text | str:
    rows = turn.session.execute(
        select(Champion).where(Champion.community_id == turn.community_id)
        .order_by(Champion.id)
    ).scalars().all()
    if not rows:
        return "No champions yet. Add one with `/community champion add @member topic…`."
    loads = open_pings(turn.session, turn.community_id)
    text = Text((f"{len(rows)} champion{'s' if len(rows) != 1 else ''}:",))
    for row in rows:
        text += Text(("\n• ",)) + describe(turn, row, loads.get(row.member_external_id, 0))
    return text


# --- champions themselves ----------------------------------------------------------------------


async def show_me(call: CommandCall, turn: Turn) -> Text | str:
    if call.words:
        raise UsageError("Did you mean `/community me topics …`, `hours`, `snooze` or "
                         "`capacity`?")
    row = my_row(turn)
    loads = open_pings(turn.session, turn.community_id)
    return Text(("Your champion settings: ",)) + describe(
        turn, row, loads.get(row.member_external_id, 0))


async def set_my_topics(call: CommandCall, turn: Turn) -> Text | str:
    topics = parse_topics(call.words)
    if not topics:
        raise UsageError("List the topics you know about, e.g. `postgres kubernetes`.")
    row = my_row(turn)
    turn.session.execute(delete(ChampionTopic).where(ChampionTopic.champion_id == row.id))
    add_topics(turn.session, turn.community_id, row.id or 0, topics)
    return f"Your topics are now: {', '.join(topics)}."


async def set_my_hours(call: CommandCall, turn: Turn) -> Text | str:
    if not call.words:
        raise UsageError("Give your working hours, or `any`.")
    row = my_row(turn)
    if call.words[0].lower() in ("any", "off", "always", "anytime"):
        values: dict[str, object] = {"work_start_minute": None, "work_end_minute": None,
                                     "work_days": days_mask(EVERY_DAY)}
        message = "You may be pinged at any time now."
    else:
        try:
            start, end = parse_span(call.words[0])
            days, tz = EVERY_DAY, row.timezone
            for word in call.words[1:]:
                if is_zone_name(word):
                    tz = word
                else:
                    days = parse_days(word)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        values = {"work_start_minute": start.hour * 60 + start.minute,
                  "work_end_minute": end.hour * 60 + end.minute, "work_days": days_mask(days),
                  "timezone": tz}
        where = tz or f"{turn.config.community.timezone} (the community's time zone)"
        message = (f"You'll be pinged only {start:%H:%M}-{end:%H:%M} "
                   f"{describe_days(days)}, {where}.")
    turn.session.execute(update(Champion).where(Champion.id == row.id).values(**values))
    return message


async def snooze_me(call: CommandCall, turn: Turn) -> Text | str:
    if len(call.words) != 1:
        raise UsageError("Say for how long (`2d`, `6h`) or `off`.")
    row = my_row(turn)
    if call.words[0].lower() in ("off", "none", "stop"):
        until = None
        message = "Snooze is off: you may be pinged again."
    else:
        try:
            span = parse_duration(call.words[0])
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if span > MAX_SNOOZE:
            raise UsageError("At most 90d; ask a manager to remove you as a champion instead.")
        until = turn.now + span
        local = until.astimezone(zone(row.timezone or turn.config.community.timezone))
        message = f"Snoozed: no pings until {local:%a %d %b %H:%M} ({local.tzinfo})."
    turn.session.execute(update(Champion).where(Champion.id == row.id)
                         .values(snoozed_until=until))
    return message


async def set_my_capacity(call: CommandCall, turn: Turn) -> Text | str:
    if len(call.words) != 1 or not call.words[0].isdigit():
        raise UsageError("Give a number of open pings, e.g. 3.")
    capacity = int(call.words[0])
    if not 1 <= capacity <= MAX_CAPACITY:
        raise UsageError(f"Capacity is from 1 to {MAX_CAPACITY}; to pause, use "
                         "`/community me snooze`.")
    row = my_row(turn)
    turn.session.execute(update(Champion).where(Champion.id == row.id)
                         .values(capacity=capacity))
    return f"You'll get at most {capacity} open question ping{'s' if capacity != 1 else ''}."


# --- helpers ----------------------------------------------------------------------------------


def turn_user(turn: Turn) -> UserRef:
    user = getattr(turn.event, "user", None)
    assert isinstance(user, UserRef)
    return user


def resolve_member(turn: Turn, word: str) -> tuple[UserRef, bool]:
    """A member named as `@name`, a platform mention (`<@U123|ana>`) or a bare id; the bool
    says whether the bot has seen them."""
    found = _MENTION.match(word)
    handle = found.group(1) if found else word.lstrip("@")
    if not handle or len(handle) > 64:
        raise UsageError(f"{word!r} is not a member; write @name.")
    for table, id_column, name_column in (
        (Member, Member.external_id, Member.display_name),
        (Champion, Champion.member_external_id, Champion.display_name),
    ):
        rows = turn.session.execute(
            select(id_column, name_column).where(
                table.community_id == turn.community_id,
                or_(func.lower(id_column) == handle.lower(),
                    func.lower(name_column) == handle.lower()),
            ).limit(5)
        ).all()
        exact = [r for r in rows if r[0].lower() == handle.lower()]
        chosen = exact[0] if exact else (rows[0] if len(rows) == 1 else None)
        if chosen is not None:
            return UserRef(id=chosen[0], name=chosen[1] or chosen[0]), table is Member
    return UserRef(id=handle, name=(found.group(2) if found else None) or handle), False


def parse_topics(words: tuple[str, ...] | list[str]) -> list[str]:
    topics: list[str] = []
    for word in words:
        for part in word.split(","):
            topic = " ".join(part.strip().lstrip("#").lower().split())
            if not topic:
                continue
            if len(topic) > MAX_TOPIC_LENGTH:
                raise UsageError(f"Topic {topic[:20]!r}… is too long (at most "
                                 f"{MAX_TOPIC_LENGTH} characters).")
            if topic not in topics:
                topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise UsageError(f"At most {MAX_TOPICS} topics.")
    return topics


def champion_id_of(session: Session, community_id: int, user_id: str) -> int | None:
    return session.execute(select(Champion.id).where(
        Champion.community_id == community_id, Champion.member_external_id == user_id
    )).scalar_one_or_none()


def ensure_champion(turn: Turn, user: UserRef, *, added_by: str) -> tuple[int, bool]:
    """The champion row for `user`, created if missing; (id, created)."""
    stmt = dialect_insert(turn.session, Champion).values(
        community_id=turn.community_id, member_external_id=user.id,
        display_name=user.name or "", capacity=turn.config.questions.default_capacity,
        work_days=days_mask(EVERY_DAY), added_by=added_by, added_at=turn.now,
    ).on_conflict_do_nothing().returning(Champion.id)
    created = turn.session.execute(stmt).scalar_one_or_none()
    if created is not None:
        return created, True
    existing = champion_id_of(turn.session, turn.community_id, user.id)
    assert existing is not None
    return existing, False


def my_row(turn: Turn) -> Champion:
    """The caller's champion row; champions by config or grant get one on first use."""
    user = turn_user(turn)
    champion_id, _ = ensure_champion(turn, user, added_by=user.id)
    row = turn.session.get(Champion, champion_id)
    assert row is not None
    return row


def add_topics(session: Session, community_id: int, champion_id: int, topics: list[str]) -> None:
    if topics:
        session.execute(
            dialect_insert(session, ChampionTopic).on_conflict_do_nothing(),
            [{"champion_id": champion_id, "community_id": community_id, "topic": t}
             for t in topics],
        )


def topics_of(session: Session, champion_id: int) -> list[str]:
    return list(session.execute(
        select(ChampionTopic.topic).where(ChampionTopic.champion_id == champion_id)
        .order_by(ChampionTopic.id)
    ).scalars())


def describe(turn: Turn, row: Champion, load: int) -> Text:
    topics = ", ".join(topics_of(turn.session, row.id or 0)) or "no topics (asked about anything)"
    hours = hours_of(row)
    tz = row.timezone or turn.config.community.timezone
    when = f"hours {hours} {tz}" if hours else "any time"
    if row.snoozed_until and row.snoozed_until > turn.now:
        local = row.snoozed_until.astimezone(zone(tz))
        when += f", snoozed until {local:%a %d %b %H:%M}"
    user = UserRef(id=row.member_external_id, name=row.display_name or None)
    return Text.of("{user} — " + f"{topics} · {when} · {load}/{row.capacity} open pings",
                   user=user)
