"""Programmes in the store: the config's built-ins copied in per community, lookups by name,
and which programmes are running.

A built-in is inserted once per community (its seed tips or icebreakers with it); afterwards
its cadence, channel, texts and owner follow the config while pause, resume and remove (by
command) are kept. A removed programme stays as a row so that it is not re-created.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from bot import content_queue
from bot.cadence import Cadence, CadenceError, parse_cadence
from bot.community_config import CommunityConfig
from bot.events import ChannelRef, UserRef
from storage.models import Community, Member
from storage.programme_tables import Programme
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

SOURCES = ("newcomers", "tips", "icebreakers", "text")


def owner_id_for(handle: str, platform: str) -> str:
    """`slack:U0123` → `U0123` in a Slack community; nothing elsewhere."""
    owner_platform, _, owner_id = handle.partition(":")
    return owner_id if owner_platform == platform else ""


def sync_built_ins(
    session: Session, config: CommunityConfig, platform: str, community_id: int, now: datetime
) -> None:
    """Insert the config's built-in programmes a community lacks and keep the rest in step."""
    existing = {row.name: row for row in session.execute(
        select(Programme).where(Programme.community_id == community_id,
                                Programme.from_config.is_(True))
    ).scalars()}
    section = config.programming
    for name, (source, spec) in section.built_ins().items():
        values = {
            "title": spec.title, "source": source, "text": spec.text,
            "channel_name": spec.channel, "channel_id": "", "cron": spec.cron,
            "timezone": config.community.timezone,
            "owner_external_id": owner_id_for(spec.owner, platform),
        }
        row = existing.get(name)
        if row is None:
            created = insert_ignore(session, Programme, {
                **values, "community_id": community_id, "name": name, "from_config": True,
                "paused": False, "removed": False, "active_since": now,
                "created_by": "config", "created_at": now,
            })
            if created and source in content_queue.QUEUES:
                content_queue.seed(session, community_id, source, getattr(section, source), now)
        elif any(getattr(row, key) != value for key, value in values.items()):
            session.execute(update(Programme).where(Programme.id == row.id).values(**values))


def sync_all_communities(session: Session, config: CommunityConfig, now: datetime) -> None:
    for community_id, platform in session.execute(select(Community.id, Community.platform)):
        sync_built_ins(session, config, platform, community_id, now)


def is_running(config: CommunityConfig, programme: Programme) -> bool:
    if programme.paused or programme.removed:
        return False
    return not programme.from_config or programme.name in config.programming.built_ins()


def running_programmes(session: Session, config: CommunityConfig) -> list[tuple[Programme, str]]:
    """Every running programme of every community, with the community's platform."""
    rows = session.execute(
        select(Programme, Community.platform)
        .join(Community, Community.id == Programme.community_id)
        .where(Programme.paused.is_(False), Programme.removed.is_(False))
        .order_by(Programme.id)
    ).all()
    return [(programme, platform) for programme, platform in rows
            if is_running(config, programme)]


def programmes_of(session: Session, community_id: int) -> list[Programme]:
    return list(session.execute(
        select(Programme).where(Programme.community_id == community_id,
                                Programme.removed.is_(False))
        .order_by(Programme.id)
    ).scalars())


def find_programme(session: Session, community_id: int, name: str) -> Programme | None:
    return session.execute(
        select(Programme).where(Programme.community_id == community_id,
                                Programme.name == name.lower())
    ).scalar_one_or_none()


def cadence_of(programme: Programme) -> Cadence | None:
    try:
        return parse_cadence(programme.cron, programme.timezone)
    except CadenceError as exc:
        log.warning("programme %s has an unusable cadence: %s", programme.name, exc)
        return None


def channel_of(programme: Programme) -> ChannelRef:
    return ChannelRef(id=programme.channel_id, name=programme.channel_name)


def member_ref(session: Session, community_id: int, external_id: str) -> UserRef:
    """A member by platform id, with the name we know for them."""
    name = session.execute(
        select(Member.display_name).where(Member.community_id == community_id,
                                          Member.external_id == external_id)
    ).scalar_one_or_none()
    return UserRef(id=external_id, name=name or None)
