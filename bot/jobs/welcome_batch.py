"""Posts the public welcome for everyone who joined within the batch window, in one post."""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update

from bot.context import BotContext
from bot.events import UserRef
from bot.handlers.welcome import public_welcome
from storage.models import Community, Member, Welcome
from storage.outbox import Outbox

log = logging.getLogger(__name__)


async def post_batched_welcomes(ctx: BotContext) -> int:
    """For each community whose oldest unannounced newcomer has waited the window, post one
    welcome naming up to `max_names_per_post` of them; returns how many members were named."""
    section = ctx.config.welcome
    if not section.enabled:
        return 0
    now = ctx.clock.now()
    named = 0
    async with ctx.store.transaction() as session:
        due = session.execute(
            select(Welcome.community_id, Community.platform)
            .join(Community, Community.id == Welcome.community_id)
            .where(Welcome.public_posted_at.is_(None))
            .group_by(Welcome.community_id, Community.platform)
            .having(func.min(Welcome.joined_at) <= now - section.window)
        ).all()
        for community_id, platform in due:
            rows = session.execute(
                select(Welcome.id, Member.external_id, Member.display_name, Member.left_at)
                .join(Member, Member.id == Welcome.member_id)
                .where(Welcome.community_id == community_id, Welcome.public_posted_at.is_(None))
                .order_by(Welcome.joined_at, Welcome.id)
            ).all()
            outbox = Outbox(session, platform=platform, community_id=community_id, now=now)
            for start in range(0, len(rows), section.max_names_per_post):
                chunk = rows[start:start + section.max_names_per_post]
                users = [UserRef(id=r.external_id, name=r.display_name or None)
                         for r in chunk if r.left_at is None]
                if users:
                    outbox.post(
                        ctx.config_channel(ctx.config.channels.welcome),
                        public_welcome(ctx.config, users),
                        key=f"welcome-post:{community_id}:{chunk[0].id}",
                    )
                    named += len(users)
                session.execute(
                    update(Welcome).where(Welcome.id.in_([r.id for r in chunk]))
                    .values(public_posted_at=now)
                )
    if named:
        log.info("welcomed %d newcomers publicly", named)
        ctx.wake_sender()
    return named
