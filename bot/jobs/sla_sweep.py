"""The SLA sweep: moves every question whose next step is due one step along its chain.

A question that passed its SLA unanswered pings the best available champion by DM (and the
asker gets a gentle nudge in the thread); when a champion's step runs out without a taker (or
they said "Not mine"), the next champion is asked; after the last champion step, or when no
champion can be asked, the question goes to the managers' channel.

Idempotent by construction: a step is a `question_pings` row unique on (question, step),
written in the same transaction as the question's new `step` / `next_step_at` and the outbox
rows (keyed `sla-ping:<question>:<step>`), so a rerun or a restart finds the step done.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlmodel import Session

from bot.context import BotContext
from bot.events import UserRef
from bot.questions import texts
from bot.questions.hours import add_working_time, zone
from bot.questions.matching import ChampionPicker, load_champions
from bot.questions.store import open_pings, ping_key
from storage.models import Community, OutboxMessage
from storage.outbox import Outbox
from storage.questions_tables import Question, QuestionPing
from storage.upsert import dialect_insert

log = logging.getLogger(__name__)

BATCH = 500  # questions per transaction: short write locks, bounded memory
MAX_LISTED = 10  # questions named in one managers' post
# What a step needs of a question (whole ORM objects cost more to load than the step itself).
DUE_COLUMNS = (
    Question.id, Question.community_id, Question.channel_external_id, Question.channel_name,
    Question.message_external_id, Question.asker_external_id, Question.asker_name,
    Question.text, Question.topics, Question.urgency, Question.posted_at, Question.step,
)


class BatchedOutbox(Outbox):
    """The outbox, written in one multi-row INSERT per batch: a burst of breaches enqueues
    thousands of DMs, and one statement per row would dominate the sweep. Keys stay unique,
    so a row enqueued before (a rerun) is still skipped."""

    def __init__(self, session: Session, *, platform: str, community_id: int,
                 now: datetime) -> None:
        super().__init__(session, platform=platform, community_id=community_id, now=now)
        self.rows: list[dict[str, Any]] = []

    def _add(self, kind: str, payload: dict[str, Any], key: str | None) -> bool:
        assert key is not None, "sweep messages always have a key"
        self.rows.append(self._row(kind, payload, key))
        self.enqueued.append(key)
        return True

    def flush(self) -> None:
        if self.rows:
            self.session.execute(
                dialect_insert(self.session, OutboxMessage).on_conflict_do_nothing(), self.rows
            )
            self.rows = []


@dataclass
class CommunityPlan:
    """What one sweep knows about a community: its champions, their loads, their names."""

    picker: ChampionPicker
    names: dict[str, str]


@dataclass
class BatchWork:
    pings: list[dict[str, object]] = field(default_factory=list)
    updates: list[dict[str, object]] = field(default_factory=list)
    escalations: dict[int, list[tuple[Row[Any], list[str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    outboxes: dict[int, BatchedOutbox] = field(default_factory=dict)


async def route_unanswered_questions(ctx: BotContext) -> int:
    """Advance every due chain; returns how many champions and escalations were sent."""
    if not ctx.config.questions.enabled:
        return 0
    plans: dict[int, CommunityPlan] = {}
    done = 0
    while True:
        async with ctx.store.transaction() as session:
            now = ctx.clock.now()
            due = session.execute(
                select(*DUE_COLUMNS, Community.platform)
                .join(Community, Community.id == Question.community_id)
                .where(Question.status == "open", Question.next_step_at <= now)
                .order_by(Question.next_step_at, Question.id).limit(BATCH)
                .with_for_update(skip_locked=True, of=Question)
            ).all()
            if due:
                done += advance(ctx, session, due, now, plans)
        if len(due) < BATCH:
            break
    if done:
        log.info("SLA sweep: %d champion pings and escalations", done)
        ctx.wake_sender()
    return done


def advance(
    ctx: BotContext, session: Session, due: Sequence[Row[Any]], now: datetime,
    plans: dict[int, CommunityPlan],
) -> int:
    section = ctx.config.questions
    tz = zone(ctx.config.community.timezone)
    ids = [q.id for q in due]
    # The step that ran out frees its champion's capacity before the next one is chosen.
    expired = session.execute(
        update(QuestionPing).where(QuestionPing.question_id.in_(ids),
                                   QuestionPing.outcome == "pending")
        .values(outcome="expired", responded_at=now)
        .returning(QuestionPing.community_id, QuestionPing.champion_external_id)
        .execution_options(synchronize_session=False)
    ).all()
    for community_id, champion_id in expired:
        if community_id in plans and champion_id:
            plans[community_id].picker.release(champion_id)
    asked: dict[int, list[str]] = defaultdict(list)
    for question_id, champion_id in session.execute(
        select(QuestionPing.question_id, QuestionPing.champion_external_id)
        .where(QuestionPing.question_id.in_(ids), QuestionPing.champion_external_id.is_not(None))
        .order_by(QuestionPing.step)
    ):
        asked[question_id].append(champion_id)

    work = BatchWork()
    for question in due:
        plan = plans.get(question.community_id)
        if plan is None:
            plan = plans[question.community_id] = plan_for(ctx, session, question.community_id,
                                                           now)
        if question.community_id not in work.outboxes:
            work.outboxes[question.community_id] = BatchedOutbox(
                session, platform=question.platform, community_id=question.community_id, now=now
            )
        outbox = work.outboxes[question.community_id]
        choice = None
        if question.step < section.max_champion_steps:
            choice = plan.picker.pick(question.text, question.topics,
                                      exclude={question.asker_external_id, *asked[question.id]})
        step = question.step + 1
        if choice is None:
            work.pings.append(ping_row(question, step, None, "escalated", now))
            work.updates.append({"id": question.id, "next_step_at": None, "escalated_at": now})
            names = [plan.names.get(c, c) for c in asked[question.id]]
            work.escalations[question.community_id].append((question, names))
            continue
        champion, matched = choice
        plan.picker.assign(champion)
        work.pings.append(ping_row(question, step, champion.external_id, "pending", now))
        work.updates.append({
            "id": question.id, "step": step,
            "next_step_at": add_working_time(now, section.step, section.hours, tz),
        })
        outbox.dm(UserRef(id=champion.external_id, name=champion.name),
                  texts.ping_dm(question, now, matched), key=ping_key(question.id, step))
        if step == 1 and section.nudge:
            outbox.reply(texts.question_ref(question), texts.nudge(question, ctx.config),
                         key=f"sla-nudge:{question.id}")

    if work.pings:
        session.execute(dialect_insert(session, QuestionPing).on_conflict_do_nothing(),
                        work.pings)
    if work.updates:
        session.execute(update(Question), work.updates)
    for community_id, escalated in work.escalations.items():
        post_escalations(ctx, work.outboxes[community_id], community_id, escalated, now)
    for outbox in work.outboxes.values():
        outbox.flush()
    return len(work.pings)


def plan_for(ctx: BotContext, session: Session, community_id: int, now: datetime
             ) -> CommunityPlan:
    champions = load_champions(session, community_id, ctx.config.community.timezone)
    picker = ChampionPicker(champions, open_pings(session, community_id),
                            ctx.config.questions.topics, now)
    return CommunityPlan(picker, {c.external_id: c.name for c in champions})


def ping_row(question: Row[Any], step: int, champion: str | None, outcome: str,
             now: datetime) -> dict[str, object]:
    return {"question_id": question.id, "community_id": question.community_id, "step": step,
            "champion_external_id": champion, "outcome": outcome, "pinged_at": now}


def post_escalations(
    ctx: BotContext, outbox: Outbox, community_id: int,
    escalated: list[tuple[Row[Any], list[str]]], now: datetime,
) -> None:
    """One post per sweep batch: a burst of breaches is a list, not a flood."""
    listed = escalated[:MAX_LISTED]
    outbox.post(
        ctx.config_channel(ctx.config.channels.managers),
        texts.escalation(listed, now, more=len(escalated) - len(listed)),
        key=f"sla-managers:{community_id}:{listed[0][0].id}",
    )
