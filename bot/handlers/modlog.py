"""`/community modlog [@member]`: the moderation audit log for moderators, and the escalation
of repeated warnings to the channel each configured step names.

The log is read newest first from the indexed audit tables (case openings, decisions,
appeals), a bounded number of rows from each; nothing here loops over a whole table.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from bot.commands import CommandCall, Subcommand, UsageError
from bot.context import Turn
from bot.events import ChannelRef, UserRef
from bot.moderation import cases, posts, scoring
from bot.moderation.scoring import Policy
from bot.roles import Role, role_of
from bot.router import Router
from bot.text import Text
from storage.models import Channel, Member, Message
from storage.moderation_tables import ModAppeal, ModCase, ModDecision, ModFlag, ModWarning

LOG_LIMIT = 15
MENTION = re.compile(r"^<@!?([A-Za-z0-9._-]+)(?:\|[^>]*)?>$")
DONE = {
    "dismiss": "dismissed", "remove": "removed", "warn": "author warned",
    "timeout": "author timed out", "escalate": "escalated to managers",
    "auto_hide": "hidden automatically",
}
Author = aliased(Member)
Moderator = aliased(Member)


def register(router: Router) -> None:
    router.commands.add(Subcommand(
        "modlog", "[@member]", "moderation audit log: recent actions, or one member's history",
        Role.MODERATOR, show_modlog,
    ))


async def show_modlog(call: CommandCall, turn: Turn) -> Text | str:
    if len(call.words) > 1:
        raise UsageError("give at most one member, e.g. `@ana`")
    if not call.words:
        return community_log(turn)
    member_id, member = find_member(turn, call.words[0])
    return member_history(turn, member_id, member)


def find_member(turn: Turn, word: str) -> tuple[int, UserRef]:
    """A member by mention (`@ana`, Slack `<@U1|ana>`, Discord `<@!1>`), id or display name."""
    found = MENTION.match(word)
    handle = found.group(1) if found else word.lstrip("@")
    rows = turn.session.execute(
        select(Member.id, Member.external_id, Member.display_name)
        .where(Member.community_id == turn.community_id,
               or_(Member.external_id == handle,
                   func.lower(Member.display_name) == handle.lower()))
        .order_by((Member.external_id == handle).desc(), Member.id).limit(2)
    ).all()
    if not rows:
        raise UsageError(f"I know no member called {word!r} here")
    if len(rows) > 1 and rows[0].external_id != handle:
        raise UsageError(f"several members are called {word!r}; mention the one you mean")
    return rows[0].id, cases.member_ref(rows[0].external_id, rows[0].display_name)


# --- the log -----------------------------------------------------------------------------------


def _case_context(stmt: Select[Any], author_id: int | None) -> Select[Any]:
    stmt = (stmt.join(Author, Author.id == ModCase.author_id)
            .join(Message, Message.id == ModCase.message_id)
            .join(Channel, Channel.id == Message.channel_id))
    return stmt.where(ModCase.author_id == author_id) if author_id is not None else stmt


CONTEXT = (ModCase.id, Author.external_id, Author.display_name, Channel.external_id,
           Channel.name)


def _newest(turn: Turn, stmt: Select[Any], author_id: int | None, *order: Any) -> list[Any]:
    """The newest LOG_LIMIT rows of `stmt` by `order`, returned oldest first."""
    stmt = _case_context(stmt, author_id).where(ModCase.community_id == turn.community_id)
    rows = turn.session.execute(
        stmt.order_by(*(column.desc() for column in order)).limit(LOG_LIMIT)
    ).all()
    return rows[::-1]


def log_entries(turn: Turn, author_id: int | None) -> list[tuple[datetime, Text]]:
    """The newest LOG_LIMIT entries about all cases, or about one author's messages, oldest
    first (a case's opening, then its decisions, then appeals, when times are equal)."""
    opened = _newest(turn, select(ModCase.opened_at, ModCase.score, ModCase.round, *CONTEXT),
                     author_id, ModCase.opened_at, ModCase.id)
    decided = _newest(
        turn, select(ModDecision.decided_at, ModDecision.action, ModDecision.note,
                     Moderator.external_id, Moderator.display_name, *CONTEXT)
        .select_from(ModDecision).join(ModCase, ModCase.id == ModDecision.case_id)
        .outerjoin(Moderator, Moderator.id == ModDecision.moderator_id),
        author_id, ModDecision.decided_at, ModDecision.id,
    )
    appealed = _newest(
        turn, select(ModAppeal.received_at, *CONTEXT)
        .select_from(ModAppeal).join(ModCase, ModCase.id == ModAppeal.case_id),
        author_id, ModAppeal.received_at, ModAppeal.id,
    )
    reasons = _reasons(turn, [row.id for row in opened])

    entries: list[tuple[datetime, int, Text]] = []
    # A stable sort keeps same-time rows of one kind in id order.
    for at, score, round_, *ctx in opened:
        again = " again" if round_ > 1 else ""
        entries.append((at, 0, _about(turn, at, ctx) + f"opened{again} at score {score:g}: "
                        f"{scoring.describe_reasons(reasons.get(ctx[0], {}))}"))
    for at, action, note, mod_id, mod_name, *ctx in decided:
        who: str | UserRef = cases.member_ref(mod_id, mod_name) if mod_id else "the bot"
        line = _about(turn, at, ctx) + Text.of(f"{DONE.get(action, action)} by {{who}}", who=who)
        if note and action in ("warn", "dismiss", "remove"):
            line += f" (“{note[:120]}”)"
        entries.append((at, 1, line))
    for at, *ctx in appealed:
        entries.append((at, 2, _about(turn, at, ctx) + "appeal from the author"))
    entries.sort(key=lambda entry: entry[:2])
    return [(at, line) for at, _, line in entries[-LOG_LIMIT:]]


def _about(turn: Turn, at: datetime, ctx: list[Any]) -> Text:
    case_id, author_id, author_name, channel_id, channel_name = ctx
    return Text.of(
        f"• {posts.local_time(at, turn.config)} · case #{case_id} ({{author}} in {{channel}}): ",
        author=cases.member_ref(author_id, author_name),
        channel=ChannelRef(id=channel_id, name=channel_name or None),
    )


def _reasons(turn: Turn, case_ids: list[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    if case_ids:
        for case_id, reason, count in turn.session.execute(
            select(ModFlag.case_id, ModFlag.reason, func.count())
            .where(ModFlag.case_id.in_(case_ids)).group_by(ModFlag.case_id, ModFlag.reason)
        ).all():
            found.setdefault(case_id, {})[reason] = count
    return found


def community_log(turn: Turn) -> Text:
    session = turn.session
    open_cases = session.execute(
        select(func.count()).select_from(ModCase)
        .where(ModCase.community_id == turn.community_id, ModCase.status != "closed")
    ).scalar_one()
    waiting, messages = session.execute(
        select(func.count(), func.count(ModFlag.message_id.distinct()))
        .where(ModFlag.community_id == turn.community_id, ModFlag.case_id.is_(None))
    ).one()
    text = Text((f"Moderation log: {open_cases} open case{'s' if open_cases != 1 else ''}; "
                 f"{waiting} flag{'s' if waiting != 1 else ''} on {messages} "
                 f"message{'s' if messages != 1 else ''} below the review threshold.",))
    entries = log_entries(turn, None)
    if not entries:
        return text + "\nNothing has been flagged into a case yet."
    for _, line in entries:
        text += Text(("\n",)) + line
    return text


def member_history(turn: Turn, member_id: int, member: UserRef) -> Text:
    session, section = turn.session, turn.config.moderation
    since = turn.now - section.duration("warning_window")
    recent_warnings, all_warnings = session.execute(
        select(func.count().filter(ModWarning.warned_at >= since), func.count())
        .where(ModWarning.member_id == member_id)
    ).one()
    upheld, dismissed, still_open = session.execute(
        select(func.count().filter(ModCase.outcome == "upheld"),
               func.count().filter(ModCase.outcome == "dismissed"),
               func.count().filter(ModCase.outcome.is_(None)))
        .where(ModCase.author_id == member_id)
    ).one()
    raised = session.execute(
        select(func.count()).select_from(ModFlag).where(ModFlag.flagger_id == member_id)
    ).scalar_one()
    record = cases.track_record(session, member_id)
    role = role_of(session, turn.config, turn.community, turn.community_id, member)
    weight = scoring.flag_weight(role, record, Policy.from_config(section))
    steps = ", ".join(f"{s.warnings} → {s.notify}" for s in section.warning_steps) or "none"
    text = Text.of("Moderation history of {member}:", member=member)
    text += (f"\n• Warnings: {recent_warnings} in the last {section.warning_window} "
             f"({all_warnings} in all); escalation steps: {steps}"
             f"\n• Cases about their messages: {upheld + dismissed + still_open} "
             f"({upheld} upheld, {dismissed} dismissed, {still_open} open)"
             f"\n• Flags they raised: {raised} ({record.upheld} upheld, {record.dismissed} "
             f"dismissed); a flag from them weighs {weight:g} now")
    for _, line in log_entries(turn, member_id):
        text += Text(("\n",)) + line
    return text


# --- repeated warnings ---------------------------------------------------------------------------


def escalate_repeated_warnings(turn: Turn, member_id: int, member: UserRef) -> None:
    """After a warning: when the member's recent warnings reach a configured step, tell the
    channel that step names (once per warning, by its outbox key)."""
    section = turn.config.moderation
    count, latest = turn.session.execute(
        select(func.count(), func.max(ModWarning.id)).where(
            ModWarning.member_id == member_id,
            ModWarning.warned_at >= turn.now - section.duration("warning_window"),
        )
    ).one()
    for index, step in enumerate(section.warning_steps):
        if step.warnings == count:
            channel = turn.ctx.config_channel(cases.queue_channel(turn, step.notify))
            turn.outbox.post(channel,
                             posts.warning_step_post(member, count, section.warning_window),
                             key=f"mod-warn-step:{latest}:{index}")
