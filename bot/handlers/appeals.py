"""Appeals: an author whose message was acted on (removed, hidden, warned, timed out) replies
to the bot's DM; the reply is stored with the case, shown on the case post, and posted in the
case post's thread so moderators are notified.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from bot.context import Turn
from bot.events import MessagePosted
from bot.moderation import cases, posts
from bot.router import Router
from storage import outbox as ob
from storage.moderation_tables import ModAppeal, ModCase, ModDecision

log = logging.getLogger(__name__)

MAX_APPEALS_PER_CASE = 5
MAX_APPEAL_LENGTH = 2000


def register(router: Router) -> None:
    router.on(MessagePosted)(receive_appeal)


async def receive_appeal(event: MessagePosted, turn: Turn) -> None:
    if not event.message.channel.is_dm or event.author.is_bot:
        return
    section = turn.config.moderation
    if not section.enabled:
        return
    author_id = turn.ctx.directory.member_id(turn.session, turn.community_id, event.author,
                                             turn.now)
    since = turn.now - section.duration("appeal_window")
    case_id = turn.session.execute(
        select(ModCase.id).join(ModDecision, ModDecision.case_id == ModCase.id)
        .where(ModCase.author_id == author_id, ModDecision.action.in_(cases.APPEALABLE),
               ModDecision.decided_at >= since)
        .order_by(ModDecision.decided_at.desc(), ModCase.id.desc()).limit(1)
    ).scalar_one_or_none()
    if case_id is None:
        return  # not about moderation: other features may answer DMs
    sent = turn.session.execute(
        select(func.count()).select_from(ModAppeal).where(ModAppeal.case_id == case_id)
    ).scalar_one()
    if sent >= MAX_APPEALS_PER_CASE:
        turn.outbox.dm(event.author, f"The moderators already have your {sent} replies about "
                       f"case #{case_id}; they will get back to you.",
                       key=f"mod-appeal-full:{case_id}")
        return
    appeal = ModAppeal(community_id=turn.community_id, case_id=case_id, member_id=author_id,
                       text=event.text[:MAX_APPEAL_LENGTH], received_at=turn.now)
    turn.session.add(appeal)
    turn.session.flush()
    view = cases.load_case(turn.session, case_id)
    assert view is not None
    notice = posts.appeal_post(view, appeal.text)
    post = ob.sent_result(turn.session, cases.post_key(case_id))
    if post is not None:  # in the case post's thread, so moderators are notified there
        turn.outbox.reply(ob.load_message(post), notice, key=f"mod-appeal:{appeal.id}")
    else:
        turn.outbox.post(turn.ctx.config_channel(cases.queue_channel(turn, view.queue)), notice,
                         key=f"mod-appeal:{appeal.id}")
    cases.publish_case(turn, case_id)
    turn.outbox.dm(event.author, f"Thanks, I passed your reply to the moderators (case "
                   f"#{case_id}). They will get back to you.", key=f"mod-appeal:{appeal.id}:ack")
    log.info("appeal %s on case %s", appeal.id, case_id)
