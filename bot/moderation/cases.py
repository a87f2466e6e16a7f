"""Flags and cases in the store: filing a flag, opening or reopening a case, scoring it,
hiding a message, and publishing the case post.

Everything here runs inside the caller's turn (one transaction); the message row is locked
while its flags are counted, so two flags arriving at once on PostgreSQL cannot both open a
case. Outgoing effects go through the outbox with keys derived from the case id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlmodel import Session

from bot.context import Turn
from bot.events import ChannelRef, MessageRef, UserRef
from bot.moderation import posts, scoring
from bot.moderation.scoring import Policy, TrackRecord
from bot.roles import Role, role_of
from storage.models import Channel, Member, Message
from storage.moderation_tables import ModAppeal, ModCase, ModDecision, ModFlag
from storage.upsert import insert_ignore

# Actions that go against the author: they uphold the flags and may be appealed.
UPHOLDING = ("remove", "warn", "timeout")
APPEALABLE = ("remove", "auto_hide", "warn", "timeout")


def post_key(case_id: int) -> str:
    return f"mod-case:{case_id}"


def member_ref(external_id: str, display_name: str) -> UserRef:
    return UserRef(id=external_id, name=display_name or None)


@dataclass(frozen=True)
class StoredMessage:
    id: int
    author_id: int
    author: UserRef
    ref: MessageRef
    text: str
    posted_at: datetime
    deleted: bool


def load_message(session: Session, message_id: int) -> StoredMessage | None:
    row = session.execute(
        select(Message.id, Message.author_id, Member.external_id, Member.display_name,
               Channel.external_id, Channel.name, Channel.is_private, Message.external_id,
               Message.thread_external_id, Message.text, Message.posted_at, Message.deleted_at)
        .join(Member, Member.id == Message.author_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(Message.id == message_id)
    ).first()
    if row is None:
        return None
    channel = ChannelRef(id=row[4], name=row[5] or None, is_private=row[6])
    return StoredMessage(
        id=row[0], author_id=row[1], author=member_ref(row[2], row[3]),
        ref=MessageRef(channel=channel, id=row[7], thread_id=row[8]), text=row[9],
        posted_at=row[10], deleted=row[11] is not None,
    )


def is_staff(turn: Turn, user: UserRef) -> bool:
    return role_of(turn.session, turn.config, turn.community, turn.community_id, user) >= (
        Role.MODERATOR
    )


# --- filing a flag ------------------------------------------------------------------------------


class FlagOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"  # this member flagged the message before: it counts once
    REASON_ADDED = "reason_added"  # a reaction flag that now has its reason
    OWN = "own"
    REMOVED = "removed"
    LIMITED = "limited"


@dataclass(frozen=True)
class FlagResult:
    outcome: FlagOutcome
    case_id: int | None = None


def track_record(session: Session, flagger_id: int) -> TrackRecord:
    upheld, dismissed = session.execute(
        select(func.count().filter(ModCase.outcome == "upheld"),
               func.count().filter(ModCase.outcome == "dismissed"))
        .select_from(ModFlag).join(ModCase, ModCase.id == ModFlag.case_id)
        .where(ModFlag.flagger_id == flagger_id)
    ).one()
    return TrackRecord(upheld=upheld, dismissed=dismissed)


def recent_flag_count(session: Session, flagger_id: int, since: datetime) -> int:
    return session.execute(
        select(func.count()).select_from(ModFlag)
        .where(ModFlag.flagger_id == flagger_id, ModFlag.flagged_at >= since)
    ).scalar_one()


def file_flag(
    turn: Turn, message: StoredMessage, flagger: UserRef, *, reason: str, note: str,
    source: str,
) -> FlagResult:
    """Record one member's flag on a stored message and open, grow or reopen its case."""
    session, section = turn.session, turn.config.moderation
    policy = Policy.from_config(section)
    session.execute(select(Message.id).where(Message.id == message.id).with_for_update())
    flagger_id = turn.ctx.directory.member_id(session, turn.community_id, flagger, turn.now)
    if flagger_id == message.author_id:
        return FlagResult(FlagOutcome.OWN)
    if message.deleted:
        return FlagResult(FlagOutcome.REMOVED)
    existing = session.execute(
        select(ModFlag.id, ModFlag.reason, ModFlag.case_id)
        .where(ModFlag.message_id == message.id, ModFlag.flagger_id == flagger_id)
    ).first()
    if existing is not None:
        if existing.reason == scoring.UNSPECIFIED and reason != scoring.UNSPECIFIED:
            session.execute(update(ModFlag).where(ModFlag.id == existing.id)
                            .values(reason=reason, note=note))
            if existing.case_id is not None:
                publish_case(turn, existing.case_id)
            return FlagResult(FlagOutcome.REASON_ADDED, existing.case_id)
        return FlagResult(FlagOutcome.ALREADY, existing.case_id)
    role = role_of(session, turn.config, turn.community, turn.community_id, flagger)
    if role < Role.MODERATOR:
        since = turn.now - section.duration("flag_limit_window")
        if not scoring.within_flag_limit(recent_flag_count(session, flagger_id, since),
                                         section.flag_limit):
            return FlagResult(FlagOutcome.LIMITED)
    weight = scoring.flag_weight(role, track_record(session, flagger_id), policy)
    inserted = insert_ignore(session, ModFlag, {
        "community_id": turn.community_id, "message_id": message.id, "flagger_id": flagger_id,
        "reason": reason, "note": note[:500], "source": source, "weight": weight,
        "flagged_at": turn.now,
    })
    if not inserted:
        return FlagResult(FlagOutcome.ALREADY)
    case_id = gather_flags(turn, message, policy, by_staff=role >= Role.MODERATOR)
    return FlagResult(FlagOutcome.RECORDED, case_id)


def gather_flags(
    turn: Turn, message: StoredMessage, policy: Policy, *, by_staff: bool
) -> int | None:
    """Attach the message's unassigned flags to its open case, or open one when they are due;
    returns the case they joined, if any."""
    session = turn.session
    latest = session.execute(
        select(ModCase.id, ModCase.round, ModCase.outcome)
        .where(ModCase.message_id == message.id).order_by(ModCase.round.desc()).limit(1)
    ).first()
    if latest is not None and latest.outcome is None:
        case_id = latest.id
    else:
        pending = session.execute(
            select(ModFlag.reason, ModFlag.weight)
            .where(ModFlag.message_id == message.id, ModFlag.case_id.is_(None))
        ).all()
        score = sum(weight for _, weight in pending)
        if latest is None:
            due = by_staff or scoring.needs_review(score, policy)
        else:
            decided = session.execute(
                select(ModFlag.reason).distinct()
                .where(ModFlag.message_id == message.id, ModFlag.case_id.is_not(None))
            ).scalars().all()
            due = by_staff or scoring.may_reopen(score, [r for r, _ in pending], decided, policy)
        if not due:
            return None
        case_id = open_case(turn, message, round_=(latest.round + 1) if latest else 1)
    session.execute(update(ModFlag).where(
        ModFlag.message_id == message.id, ModFlag.case_id.is_(None)
    ).values(case_id=case_id))
    score = session.execute(
        select(func.coalesce(func.sum(ModFlag.weight), 0.0)).where(ModFlag.case_id == case_id)
    ).scalar_one()
    session.execute(update(ModCase).where(ModCase.id == case_id).values(score=score))
    maybe_auto_hide(turn, case_id, message, score, policy)
    publish_case(turn, case_id)
    return case_id


def open_case(turn: Turn, message: StoredMessage, *, round_: int) -> int:
    queue = "managers" if is_staff(turn, message.author) else "moderators"
    insert_ignore(turn.session, ModCase, {
        "community_id": turn.community_id, "message_id": message.id,
        "author_id": message.author_id, "round": round_, "queue": queue, "status": "open",
        "score": 0.0, "message_text": message.text, "revision": 0, "opened_at": turn.now,
    })
    return turn.session.execute(
        select(ModCase.id).where(ModCase.message_id == message.id, ModCase.round == round_)
    ).scalar_one()


def maybe_auto_hide(
    turn: Turn, case_id: int, message: StoredMessage, score: float, policy: Policy
) -> None:
    """Past the optional auto-hide threshold: hide at once and tell the author why. Messages by
    moderators and managers are never hidden by count alone: a human decides."""
    if message.deleted or not scoring.should_auto_hide(score, policy):
        return
    if is_staff(turn, message.author):
        return
    if not record_decision(turn, case_id, "auto_hide", None, f"score {score:g}"):
        return
    hide_message(turn, message, key=f"mod-hide:{case_id}")
    view = load_case(turn.session, case_id)
    assert view is not None
    turn.outbox.dm(message.author, posts.hidden_notice(view, turn.config),
                   key=f"mod-hide-dm:{case_id}")


def hide_message(turn: Turn, message: StoredMessage, *, key: str) -> None:
    """Delete on the platform; the store keeps the text (and the case its own copy)."""
    turn.outbox.delete(message.ref, key=key)
    turn.session.execute(update(Message).where(Message.id == message.id, Message.deleted_at.is_(
        None)).values(deleted_at=turn.now))


def record_decision(
    turn: Turn, case_id: int, action: str, moderator_id: int | None, note: str = ""
) -> bool:
    """Audit one action; False when it was already taken on this case."""
    return insert_ignore(turn.session, ModDecision, {
        "community_id": turn.community_id, "case_id": case_id, "action": action,
        "moderator_id": moderator_id, "note": note[:1000], "decided_at": turn.now,
    })


# --- reading a case -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionView:
    action: str
    moderator: UserRef | None
    note: str
    at: datetime


@dataclass(frozen=True)
class CaseView:
    id: int
    round: int
    queue: str
    status: str
    outcome: str | None
    score: float
    text: str  # the message as flagged
    opened_at: datetime
    message: StoredMessage
    reasons: dict[str, int]
    notes: list[str]
    decisions: list[DecisionView]
    appeals: list[tuple[str, datetime]]

    @property
    def done(self) -> set[str]:
        return {d.action for d in self.decisions}

    def available_actions(self) -> list[str]:
        """What the case's buttons offer now; anything else is refused on click."""
        if self.outcome == "dismissed":
            return []
        done = self.done
        actions = ["dismiss"] if self.outcome is None else []
        if "remove" not in done and (not self.message.deleted or "auto_hide" in done):
            actions.append("remove")
        actions += [a for a in ("warn", "timeout") if a not in done]
        if self.outcome is None and "escalate" not in done:
            actions.append("escalate")
        return actions


def load_case(session: Session, case_id: int) -> CaseView | None:
    case = session.get(ModCase, case_id, populate_existing=True)
    if case is None:
        return None
    message = load_message(session, case.message_id)
    assert message is not None
    reasons = dict(session.execute(
        select(ModFlag.reason, func.count()).where(ModFlag.case_id == case_id)
        .group_by(ModFlag.reason)
    ).all())
    notes = [n for n in session.execute(
        select(ModFlag.note).where(ModFlag.case_id == case_id, ModFlag.note != "")
        .order_by(ModFlag.id).limit(5)
    ).scalars()]
    decisions = [
        DecisionView(action, member_ref(ext, name) if ext else None, note, at)
        for action, ext, name, note, at in session.execute(
            select(ModDecision.action, Member.external_id, Member.display_name,
                   ModDecision.note, ModDecision.decided_at)
            .outerjoin(Member, Member.id == ModDecision.moderator_id)
            .where(ModDecision.case_id == case_id).order_by(ModDecision.id)
        ).all()
    ]
    appeals = [(text, at) for text, at in session.execute(
        select(ModAppeal.text, ModAppeal.received_at).where(ModAppeal.case_id == case_id)
        .order_by(ModAppeal.id)
    ).all()]
    return CaseView(
        id=case_id, round=case.round, queue=case.queue, status=case.status,
        outcome=case.outcome, score=case.score, text=case.message_text,
        opened_at=case.opened_at, message=message, reasons=reasons, notes=notes,
        decisions=decisions, appeals=appeals,
    )


def publish_case(turn: Turn, case_id: int) -> None:
    """Post the case, or, once it is posted (sent or not yet), update the post in place."""
    view = load_case(turn.session, case_id)
    assert view is not None
    text = posts.case_post(view, turn.config)
    channel = turn.ctx.config_channel(queue_channel(turn, view.queue))
    if turn.outbox.post(channel, text, key=post_key(case_id)):
        return
    revision = turn.session.execute(
        update(ModCase).where(ModCase.id == case_id).values(revision=ModCase.revision + 1)
        .returning(ModCase.revision)
    ).scalar_one()
    turn.outbox.update_sent(post_key(case_id), text, key=f"{post_key(case_id)}:r{revision}")


def queue_channel(turn: Turn, queue: str) -> str:
    channels = turn.config.channels
    return channels.managers if queue == "managers" else channels.moderators
