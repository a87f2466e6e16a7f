"""What people read: the case post moderators act on, and the private notes to authors and
flaggers.

No flagger is ever named here: moderators see reasons, scores and notes; authors see reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.community_config import CommunityConfig
from bot.events import UserRef
from bot.moderation.scoring import REASON_LABELS, UNSPECIFIED, describe_reasons
from bot.text import Button, Text

if TYPE_CHECKING:
    from bot.moderation.cases import CaseView, DecisionView

ACTION_PREFIX = "moderation:"
WARN_FORM_ID = "moderation-warn"
BUTTONS = {
    "dismiss": ("Dismiss", "default"),
    "remove": ("Remove message", "danger"),
    "warn": ("Warn author", "primary"),
    "timeout": ("Timeout", "danger"),
    "escalate": ("Escalate", "default"),
}
QUOTE_LIMIT = 600


def local_time(at: datetime, config: CommunityConfig) -> str:
    return at.astimezone(ZoneInfo(config.community.timezone)).strftime("%a %d %b %H:%M")


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    cut = text if len(text) <= limit else text[:limit].rstrip() + "…"
    return "\n".join("> " + line for line in (cut.splitlines() or [""]))


def code_of_conduct(config: CommunityConfig) -> str:
    url = config.community.code_of_conduct_url
    return f"\nOur code of conduct: {url}" if url else ""


APPEAL_INVITE = (
    "\nIf you think this was a mistake, reply to this message: the moderators will see it."
)


# --- the case post --------------------------------------------------------------------------


def case_post(view: CaseView, config: CommunityConfig) -> Text:
    section = config.moderation
    message = view.message
    review = f" (review {view.round})" if view.round > 1 else ""
    text = Text.of(
        f"🚩 Case #{view.id}{review}: score {view.score:g} "
        f"(review at {section.review_threshold:g})\n"
        f"Message by {{author}} in {{channel}}, {local_time(message.posted_at, config)}:\n",
        author=message.author, channel=message.ref.channel,
    )
    text += quote(view.text)
    text += f"\nReasons: {describe_reasons(view.reasons)}"
    if view.notes:
        text += "\nNotes from flaggers: " + " · ".join(f"“{n[:200]}”" for n in view.notes)
    if view.queue == "managers":
        text += "\nThis is a moderator's or manager's own message, so managers decide."
    if message.deleted and not view.done & {"remove", "auto_hide"}:
        text += "\nThe author has since deleted the message (its text is kept here)."
    if "remove" in view.done and not message.deleted:
        text += ("\nThe bot may not delete members' messages here (Slack): the author was "
                 "asked to delete it; a workspace admin can delete it too.")
    for decision in view.decisions:
        text += "\n"
        text += decision_line(decision, config, removed=message.deleted)
    for appeal, at in view.appeals:
        text += f"\n📨 Appeal from the author, {local_time(at, config)}:\n{quote(appeal)}"
    text += "\n" + status_line(view)
    actions = view.available_actions()
    if "timeout" in actions:
        text += (f"\nTimeout pauses the author for {section.timeout_duration} "
                 "(Discord only: Slack cannot time members out).")
    return text.with_buttons(*(case_button(view, action) for action in actions))


def case_button(view: CaseView, action: str) -> Button:
    label, style = BUTTONS[action]
    if action == "remove" and "auto_hide" in view.done:
        label = "Confirm removal"
    return Button(action_id=ACTION_PREFIX + action, label=label, value=str(view.id), style=style)


def decision_line(
    decision: DecisionView, config: CommunityConfig, *, removed: bool = True
) -> Text:
    phrases = {
        "dismiss": "Dismissed",
        "remove": "Removed the message" if removed else "Decided to remove the message",
        "warn": "Warned the author",
        "timeout": f"Timed the author out for {config.moderation.timeout_duration}",
        "escalate": "Escalated to managers",
        "auto_hide": f"Hidden automatically ({decision.note})",
    }
    who: str | UserRef = decision.moderator or "the bot"
    line = Text.of(f"• {phrases.get(decision.action, decision.action)} by {{who}}, "
                   f"{local_time(decision.at, config)}", who=who)
    if decision.note and decision.action != "auto_hide":
        line += f": “{decision.note[:300]}”"
    return line


def status_line(view: CaseView) -> str:
    if view.outcome == "dismissed":
        return "Closed: dismissed. New flags reopen it only with new reasons."
    if view.outcome == "upheld":
        return "Closed: flags upheld."
    if view.status == "escalated":
        return "Escalated to managers: waiting for a decision."
    if "auto_hide" in view.done:
        return "Hidden automatically: confirm (Remove, Warn, Timeout) or Dismiss."
    return "Open: waiting for a moderator."


# --- private notes to the author --------------------------------------------------------------


def reasons_for_author(reasons: Iterable[str]) -> str:
    named = sorted(REASON_LABELS[r] for r in set(reasons) if r in REASON_LABELS
                   and r != UNSPECIFIED)
    return f"Members flagged it as {', '.join(named)}." if named else "Members flagged it."


def removed_notice(view: CaseView, config: CommunityConfig) -> Text:
    return (Text.of("A moderator removed your message in {channel}:\n",
                    channel=view.message.ref.channel)
            + quote(view.text) + "\n" + reasons_for_author(view.reasons)
            + code_of_conduct(config) + APPEAL_INVITE)


def removal_requested_notice(view: CaseView, config: CommunityConfig) -> Text:
    """Where the bot may not delete members' messages (Slack): the author is asked to."""
    return (Text.of("Moderators decided that your message in {channel} should be removed; "
                    "please delete it:\n", channel=view.message.ref.channel)
            + quote(view.text) + "\n" + reasons_for_author(view.reasons)
            + code_of_conduct(config) + APPEAL_INVITE)


def hidden_notice(view: CaseView, config: CommunityConfig) -> Text:
    return (Text.of("Your message in {channel} was hidden automatically because several "
                    "members flagged it; a moderator will review it.\n",
                    channel=view.message.ref.channel)
            + quote(view.text) + "\n" + reasons_for_author(view.reasons)
            + code_of_conduct(config) + APPEAL_INVITE)


def warning_notice(view: CaseView, config: CommunityConfig, note: str) -> Text:
    return (Text.of("A moderator is warning you about your message in {channel}:\n",
                    channel=view.message.ref.channel)
            + quote(view.text) + f"\nModerator's note: {note}"
            + code_of_conduct(config) + APPEAL_INVITE)


def restored_notice(view: CaseView) -> Text:
    """After a dismissal of an auto-hidden message (platforms cannot undelete)."""
    return (Text.of("A moderator reviewed your message in {channel}, which was hidden "
                    "automatically, and found it fine. Sorry about that! Platforms cannot "
                    "restore a deleted message, so feel free to post it again:\n",
                    channel=view.message.ref.channel)
            + quote(view.text))


# --- posts for moderators and managers ---------------------------------------------------------


def escalation_post(view: CaseView, moderator: UserRef, config: CommunityConfig) -> Text:
    return (Text.of(f"⚠️ Case #{view.id} escalated by {{moderator}}: a message by {{author}} "
                    f"in {{channel}} (score {view.score:g}; {describe_reasons(view.reasons)}) "
                    "needs a manager's look:\n",
                    moderator=moderator, author=view.message.author,
                    channel=view.message.ref.channel)
            + quote(view.text)
            + f"\nThe case post in #{config.channels.moderators} has the buttons.")


def appeal_post(view: CaseView, text: str) -> Text:
    return Text.of(f"📨 Appeal on case #{view.id} from {{author}}:\n",
                   author=view.message.author) + quote(text)


def warning_step_post(member: UserRef, count: int, window: str) -> Text:
    return (Text.of(f"⚠️ {{member}} has now been warned {count} times in the last {window}.",
                    member=member)
            + f" Their history: `/community modlog @{member.name or member.id}`")
