"""What a programme posts: the week's newcomers with their champions, the next tip, the next
icebreaker, or a fixed text; plus the warnings managers get when a queue runs low."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from bot import content_queue
from bot.assist.similarity import terms
from bot.community_config import CommunityConfig
from bot.events import UserRef
from bot.roles import Role, members_with_role
from bot.text import Segment, Text
from storage.models import Member, Message, Welcome
from storage.programme_tables import Programme
from storage.questions_tables import Champion, ChampionTopic

NEWCOMER_WINDOW = timedelta(days=7)
MAX_NEWCOMERS_NAMED = 50
PLACEHOLDERS = {"newcomers": "{newcomers}", "tips": "{tip}", "icebreakers": "{prompt}"}
QUEUE_WORDS = {"tips": ("tip", "tips"), "icebreakers": ("icebreaker", "icebreakers")}
QUEUE_COMMANDS = {"tips": "tip", "icebreakers": "fun"}


@dataclass(frozen=True)
class Composed:
    text: Text | None  # None: nothing to post this time (no newcomers, an empty queue)
    detail: str = ""
    warnings: tuple[str, ...] = field(default=())


def fill(template: str, placeholder: str, content: Sequence[Segment]) -> Text:
    """The template with its placeholder replaced by mentions and text (other braces stay)."""
    before, found, after = template.partition(placeholder)
    if not found:
        return Text((template, *content))
    return Text((before, *content, after))


def champions_of(session: Session, config: CommunityConfig, platform: str,
                 community_id: int) -> list[UserRef]:
    """Champions named in the config (people, not groups), granted by command, or on the
    champions list (`/community champion add`)."""
    prefix = f"{platform}:"
    configured = [handle.removeprefix(prefix) for handle in config.roles.champions
                  if handle.startswith(prefix) and not handle.startswith(prefix + "role:")]
    listed = session.execute(
        select(Champion.member_external_id).where(Champion.community_id == community_id)
    ).scalars()
    ids = sorted(set(configured) | set(members_with_role(session, community_id, Role.CHAMPION))
                 | set(listed))
    names = dict(session.execute(
        select(Member.external_id, Member.display_name).where(
            Member.community_id == community_id, Member.external_id.in_(ids)
        )
    ).all()) if ids else {}
    return [UserRef(id=ext, name=names.get(ext) or None) for ext in ids]


def champion_for(
    newcomer: UserRef, champions: Sequence[UserRef], turn: int,
    interests: Mapping[str, set[str]] | None = None,
    topics: Mapping[str, set[str]] | None = None,
) -> UserRef | None:
    """The champion who shares most of `newcomer`'s interests (words of what they posted
    against each champion's topics); with no overlap, round-robin (`turn` rotates weekly)."""
    others = [champion for champion in champions if champion.id != newcomer.id]
    if not others:
        return None
    wanted = (interests or {}).get(newcomer.id, set())
    shared = {c.id: len(wanted & (topics or {}).get(c.id, set())) for c in others}
    best = max(shared.values())
    if best > 0:
        return next(c for c in others if shared[c.id] == best)
    return others[turn % len(others)]


def champion_topics(session: Session, community_id: int) -> dict[str, set[str]]:
    """Each listed champion's topics, stemmed like message words so they can be compared."""
    rows = session.execute(
        select(Champion.member_external_id, ChampionTopic.topic)
        .join(ChampionTopic, ChampionTopic.champion_id == Champion.id)
        .where(Champion.community_id == community_id)
    ).all()
    topics: dict[str, set[str]] = {}
    for member, topic in rows:
        topics.setdefault(member, set()).update(terms(topic))
    return topics


def newcomer_interests(
    session: Session, community_id: int, newcomers: Sequence[UserRef], since: datetime
) -> dict[str, set[str]]:
    """The words newcomers used in their own posts since joining (their introductions)."""
    if not newcomers:
        return {}
    rows = session.execute(
        select(Member.external_id, Message.text)
        .join(Message, Message.author_id == Member.id)
        .where(Member.community_id == community_id,
               Member.external_id.in_([n.id for n in newcomers]),
               Message.posted_at > since, Message.deleted_at.is_(None))
        .order_by(Message.posted_at).limit(20 * len(newcomers))
    ).all()
    interests: dict[str, set[str]] = {}
    for member, text in rows:
        interests.setdefault(member, set()).update(terms(text))
    return interests


def week_newcomers(session: Session, community_id: int, until: datetime) -> list[UserRef]:
    rows = session.execute(
        select(Member.external_id, Member.display_name)
        .join(Welcome, Welcome.member_id == Member.id)
        .where(Welcome.community_id == community_id,
               Welcome.joined_at > until - NEWCOMER_WINDOW, Welcome.joined_at <= until,
               Member.left_at.is_(None), Member.is_bot.is_(False))
        .order_by(Welcome.joined_at, Welcome.id)
    ).all()
    return [UserRef(id=ext, name=name or None) for ext, name in rows]


def compose_newcomers(
    session: Session, config: CommunityConfig, programme: Programme, platform: str,
    at: datetime,
) -> Composed:
    newcomers = week_newcomers(session, programme.community_id, at)
    if not newcomers:
        return Composed(None, "no newcomers this week")
    champions = champions_of(session, config, platform, programme.community_id)
    topics = champion_topics(session, programme.community_id)
    interests = newcomer_interests(session, programme.community_id, newcomers,
                                   at - NEWCOMER_WINDOW)
    week = at.isocalendar().week
    lines: list[Segment] = []
    for index, newcomer in enumerate(newcomers[:MAX_NEWCOMERS_NAMED]):
        lines += ["\n• ", newcomer]
        champion = champion_for(newcomer, champions, week + index, interests, topics)
        if champion is not None:
            lines += [", meet your champion ", champion]
    if len(newcomers) > MAX_NEWCOMERS_NAMED:
        lines.append(f"\n…and {len(newcomers) - MAX_NEWCOMERS_NAMED} more!")
    return Composed(fill(programme.text, "{newcomers}", lines), f"{len(newcomers)} newcomers")


def compose_from_queue(
    session: Session, config: CommunityConfig, programme: Programme, now: datetime
) -> Composed:
    queue = programme.source
    one, many = QUEUE_WORDS[queue]
    command = f"/community {QUEUE_COMMANDS[queue]} add <text>"
    item, left = content_queue.take_next(session, programme.community_id, queue, now)
    if item is None:
        return Composed(None, f"the {one} queue is empty", (
            f"{programme.title} had nothing to post: the {one} queue is empty. "
            f"Add some with `{command}`.",
        ))
    warnings: tuple[str, ...] = ()
    if left <= config.programming.low_queue_warning:
        if left == 0:
            status = f"that was the last unused {one}; next time the queue starts over"
        else:
            status = f"only {left} {one if left == 1 else many} left before the queue repeats"
        warnings = (f"{programme.title}: {status}. Add more with `{command}`.",)
    text = fill(programme.text, PLACEHOLDERS[queue], [item.text])
    return Composed(text, f"{one} #{item.id}", warnings)


def compose(
    session: Session, config: CommunityConfig, programme: Programme, platform: str,
    at: datetime, now: datetime,
) -> Composed:
    if programme.source == "newcomers":
        return compose_newcomers(session, config, programme, platform, at)
    if programme.source in content_queue.QUEUES:
        return compose_from_queue(session, config, programme, now)
    return Composed(Text((programme.text,)))


def preview(session: Session, programme: Programme, at: datetime) -> str:
    """What the next occurrence will be about, for its owner's heads-up (nothing is used)."""
    if programme.source == "newcomers":
        count = len(week_newcomers(session, programme.community_id, at))
        return f"{count} newcomer{'' if count == 1 else 's'} so far this week."
    if programme.source in content_queue.QUEUES:
        item = content_queue.peek_next(session, programme.community_id, programme.source)
        one = QUEUE_WORDS[programme.source][0]
        return f"Next {one}: “{item.text}”" if item else f"The {one} queue is empty!"
    return f"It will say: “{programme.text}”"
