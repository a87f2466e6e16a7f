"""The moderators' queue: the buttons on a case post (Dismiss, Remove message, Warn author,
Timeout, Escalate) and the warning's note form.

The clicker's role is checked on every click and every form submission: a member who is not a
moderator (a manager, for cases about staff messages) is refused and nothing changes. Each
action is audited once per case (`mod_decisions`) with who took it, and the case post is
updated in place.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from bot.chat import Form, FormField
from bot.context import Turn
from bot.events import ActionClicked, ChannelRef, FormSubmitted, MessageDeleted, UserRef
from bot.handlers.activity import stored_message_id
from bot.handlers.modlog import escalate_repeated_warnings
from bot.moderation import cases, posts
from bot.moderation.cases import CaseView
from bot.moderation.posts import ACTION_PREFIX, BUTTONS, WARN_FORM_ID
from bot.roles import Role, role_of
from bot.router import Router
from storage.moderation_tables import ModCase, ModWarning

log = logging.getLogger(__name__)


def register(router: Router) -> None:
    router.on(ActionClicked)(on_case_button)
    router.on(FormSubmitted)(on_warning_note)
    router.on(MessageDeleted)(show_deletion_by_author)


def warn_form(case_id: int) -> Form:
    return Form(
        form_id=WARN_FORM_ID, title="Warn the author", submit_label="Send warning",
        context=str(case_id),
        fields=(FormField("note", "Note to the author (sent with the code of conduct; leave "
                                  "empty for the standard text)",
                          kind="multiline", required=False, max_length=1000),),
    )


async def on_case_button(event: ActionClicked, turn: Turn) -> None:
    if not event.action_id.startswith(ACTION_PREFIX):
        return
    action = event.action_id.removeprefix(ACTION_PREFIX)
    view = _case(turn, event.value)
    channel = event.channel or _queue(turn, view)

    def answer(text: str) -> None:
        turn.outbox.ephemeral(channel, event.user, text, interaction=event.interaction,
                              key=f"mod-answer:{event.event_id}")

    if action not in BUTTONS or view is None:
        answer("That moderation button no longer points to a case.")
        return
    refusal = authorize(turn, event.user, view)
    if refusal is not None:
        log.info("refused %s on case %s to %s", action, view.id, event.user.id)
        answer(refusal)
        return
    if action == "warn" and event.interaction is not None and "warn" in view.available_actions():
        turn.open_form(event.interaction, warn_form(view.id))
        return
    problem = decide(turn, view, action, event.user)
    if problem is not None:
        answer(problem)


async def on_warning_note(event: FormSubmitted, turn: Turn) -> None:
    if event.form_id != WARN_FORM_ID:
        return
    view = _case(turn, event.context)
    channel = _queue(turn, view)
    problem = "That warning form no longer points to a case." if view is None else (
        authorize(turn, event.user, view)
        or decide(turn, view, "warn", event.user, note=event.values.get("note", "").strip())
    )
    if problem is not None:
        turn.outbox.ephemeral(channel, event.user, problem, interaction=event.interaction,
                              key=f"mod-answer:{event.event_id}")


async def show_deletion_by_author(event: MessageDeleted, turn: Turn) -> None:
    """The author deleted a message under review: its open case says so (the text is kept)."""
    message_id = stored_message_id(turn, event.message)
    if message_id is None:
        return
    case_id = turn.session.execute(
        select(ModCase.id).where(ModCase.message_id == message_id, ModCase.outcome.is_(None))
        .order_by(ModCase.round.desc()).limit(1)
    ).scalar_one_or_none()
    view = cases.load_case(turn.session, case_id) if case_id is not None else None
    if view is not None and not view.done & {"remove", "auto_hide"}:
        cases.publish_case(turn, view.id)


def authorize(turn: Turn, user: UserRef, view: CaseView) -> str | None:
    """Why `user` may not act on this case, or None. Checked on the server for every click."""
    role = role_of(turn.session, turn.config, turn.community, turn.community_id, user)
    needed = Role.MANAGER if view.queue == "managers" else Role.MODERATOR
    if role < needed:
        return f"Only {needed.label}s can act on this case; nothing was changed."
    if user.id == view.message.author.id:
        return "You can't decide a case about your own message; another moderator will."
    return None


def decide(turn: Turn, view: CaseView, action: str, moderator: UserRef, note: str = "") -> (
    str | None
):
    """Take `action` on the case; returns why nothing happened, or None when it was done."""
    if action not in view.available_actions():
        return f"Nothing to do: case #{view.id} — {posts.status_line(view)}"
    section = turn.config.moderation
    if action == "warn":
        note = note or section.warning_text
    moderator_id = turn.ctx.directory.member_id(turn.session, turn.community_id, moderator,
                                                turn.now)
    if not cases.record_decision(turn, view.id, action, moderator_id, note):
        return f"Nothing to do: that was already done on case #{view.id}."
    author, key = view.message.author, f"mod-{action}:{view.id}"
    if action == "dismiss":
        _close(turn, view.id, "dismissed")
        if "auto_hide" in view.done:
            turn.outbox.dm(author, posts.restored_notice(view), key=f"{key}:dm")
    elif action == "remove":
        if view.message.deleted:
            pass
        elif _platform_removes(turn):
            cases.hide_message(turn, view.message, key=key)
            turn.outbox.dm(author, posts.removed_notice(view, turn.config), key=f"{key}:dm")
        else:  # Slack: a bot cannot delete a member's message; the author and an admin can
            turn.outbox.dm(author, posts.removal_requested_notice(view, turn.config),
                           key=f"{key}:dm")
        _close(turn, view.id, "upheld")
    elif action == "warn":
        _warn(turn, view, moderator_id, note)
        _close(turn, view.id, "upheld")
    elif action == "timeout":
        until = turn.now + section.duration("timeout_duration")
        turn.outbox.timeout(author, until, key=key)  # Slack answers Unsupported: logged
        _close(turn, view.id, "upheld")
    elif action == "escalate":
        turn.session.execute(update(ModCase).where(ModCase.id == view.id)
                             .values(status="escalated"))
        turn.outbox.post(turn.ctx.config_channel(turn.config.channels.managers),
                         posts.escalation_post(view, moderator, turn.config), key=key)
    log.info("case %s: %s by %s", view.id, action, moderator.id)
    cases.publish_case(turn, view.id)
    return None


def _warn(turn: Turn, view: CaseView, moderator_id: int, note: str) -> None:
    turn.session.add(ModWarning(
        community_id=turn.community_id, member_id=view.message.author_id, case_id=view.id,
        moderator_id=moderator_id, note=note[:1000], warned_at=turn.now,
    ))
    turn.session.flush()
    turn.outbox.dm(view.message.author, posts.warning_notice(view, turn.config, note),
                   key=f"mod-warn:{view.id}:dm")
    escalate_repeated_warnings(turn, view.message.author_id, view.message.author)


def _close(turn: Turn, case_id: int, outcome: str) -> None:
    """The first decision sets the outcome; later upholding actions keep it."""
    turn.session.execute(
        update(ModCase).where(ModCase.id == case_id, ModCase.outcome.is_(None))
        .values(outcome=outcome, status="closed", closed_at=turn.now)
    )


def _case(turn: Turn, value: str) -> CaseView | None:
    return cases.load_case(turn.session, int(value)) if value.strip().isdigit() else None


def _queue(turn: Turn, view: CaseView | None) -> ChannelRef:
    return turn.ctx.config_channel(cases.queue_channel(turn, view.queue if view else "moderators"))


def _platform_removes(turn: Turn) -> bool:
    """Whether this platform lets the bot delete a member's message (not Slack's bot token)."""
    chat = turn.ctx.chats.get(turn.community.platform)
    return getattr(chat, "removes_member_messages", True)
