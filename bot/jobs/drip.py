"""The newcomer drip (the playbook's 30-60-90 day plan): DMs at set times after joining.

Each step reaches a member once (a `drip_deliveries` row per member and step, inserted with the
DM in one transaction). Nudges (`skip_if_active`) skip members who have posted; members who
opted out get nothing more (steps that come due meanwhile are skipped, not saved up for
when they opt in again); a step overdue by more than `late_limit` (the bot was off) is not
sent late, so turning the bot on never floods old members.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import exists, select
from sqlmodel import Session

from bot.community_config import CommunityConfig
from bot.context import BotContext
from bot.events import UserRef
from bot.programming_config import DripStep
from bot.text import Button, Link, Text
from storage.models import Community, Member, Message, Welcome
from storage.outbox import Outbox
from storage.programme_tables import DripDelivery, DripOptOut
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

OPT_OUT_ACTION = "drip:off"
OPT_OUT_BUTTON = Button(OPT_OUT_ACTION, "Stop these tips")


class _KeepUnknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def drip_text(config: CommunityConfig, step: DripStep, user: UserRef) -> Text:
    filled = step.text.format_map(_KeepUnknown(
        name=user.name or "there", community=config.community.name,
    ))
    before, found, after = filled.partition("{survey}")
    survey_url = config.programming.drip.survey_url
    survey = Link(survey_url, "the newcomer survey") if survey_url else "(no survey yet)"
    text = Text((before, survey, after)) if found else Text((filled,))
    return text.with_buttons(OPT_OUT_BUTTON)


def due_members(
    session: Session, community_id: int, step: DripStep, now: datetime, oldest_due: datetime
) -> list[tuple[int, str, str, bool]]:
    """(member id, external id, name, whether to skip) of members this step is due for and
    not overdue beyond `oldest_due`: opted-out members are skipped, and for a nudge members
    who have posted."""
    due_by = now - step.delay
    skip = exists().where(DripOptOut.member_id == Member.id)
    if step.skip_if_active:
        skip = skip | exists().where(Message.author_id == Member.id)
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(Member.id, Member.external_id, Member.display_name, skip)
        .join(Welcome, Welcome.member_id == Member.id)
        .where(
            Welcome.community_id == community_id,
            Welcome.joined_at <= due_by, Welcome.joined_at > oldest_due - step.delay,
            Member.left_at.is_(None), Member.is_bot.is_(False),
            ~exists().where(DripDelivery.member_id == Member.id, DripDelivery.step == step.name),
        )
        .order_by(Welcome.joined_at, Member.id)
    ).all()]


async def send_due_drip_steps(ctx: BotContext) -> int:
    """The sweep: every due step for every newcomer, once; returns how many DMs were queued."""
    section = ctx.config.programming.drip
    if not section.enabled or not section.steps:
        return 0
    now = ctx.clock.now()
    oldest_due = now - section.late  # joined_at + delay must be later than this
    sent = 0
    async with ctx.store.transaction() as session:
        for community_id, platform in session.execute(select(Community.id, Community.platform)):
            outbox = Outbox(session, platform=platform, community_id=community_id, now=now)
            for step in section.steps:
                for member_id, external_id, name, skip in due_members(
                    session, community_id, step, now, oldest_due
                ):
                    if not insert_ignore(session, DripDelivery, {
                        "community_id": community_id, "member_id": member_id,
                        "step": step.name, "status": "skipped" if skip else "sent", "at": now,
                    }):
                        continue
                    if skip:
                        log.debug("drip %s skipped for %s (active or opted out)", step.name,
                                  external_id)
                        continue
                    user = UserRef(id=external_id, name=name or None)
                    outbox.dm(user, drip_text(ctx.config, step, user),
                              key=f"drip:{community_id}:{member_id}:{step.name}")
                    sent += 1
    if sent:
        log.info("sent %d newcomer drip messages", sent)
        ctx.wake_sender()
    return sent
