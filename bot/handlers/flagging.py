"""Flagging: the flag reaction, the "Flag message" shortcut with its reason form, and the
console's `/flag` (which submits the same form).

Every path ends in `cases.file_flag`. The flagger is answered privately and the flag reaction
is removed where the platform allows, so nobody else learns who flagged. Removing a flag
reaction does not withdraw the flag: platforms report the bot's own removal the same way.
"""

from __future__ import annotations

import json
import logging

from bot.chat import Form, FormField
from bot.context import Turn
from bot.events import (
    ChannelRef,
    FormSubmitted,
    MessageRef,
    MessageShortcut,
    ReactionAdded,
    UserRef,
)
from bot.handlers.activity import MAX_STORED_TEXT, delete_reaction, stored_message_id
from bot.moderation import cases, scoring
from bot.moderation.cases import FlagOutcome, FlagResult
from bot.router import Router
from storage.models import Message
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

FLAG_SHORTCUT_ID = "flag_message"
FLAG_FORM_ID = "flag"
REASON_ALIASES = {"offtopic": "off-topic", "off_topic": "off-topic", "off topic": "off-topic"}

UNKNOWN = ("I can't flag that message: I have no record of it (messages from bots, or from "
           "before I joined, can't be flagged). Please tell a moderator directly.")
BOT_MESSAGE = "Messages from bots can't be flagged; please tell a moderator directly."
ACKS = {
    FlagOutcome.RECORDED: "Thanks, your flag is in. Moderators will look at the message if "
                          "needed; nobody else learns who flagged it.",
    FlagOutcome.REASON_ADDED: "Thanks, I added your reason to your earlier flag on that message "
                              "(it still counts once).",
    FlagOutcome.ALREADY: "You already flagged that message; each member's flag counts once.",
    FlagOutcome.OWN: "That's your own message: you can edit or delete it yourself.",
    FlagOutcome.REMOVED: "That message was already removed. Thanks for looking out!",
}


def register(router: Router) -> None:
    router.on(ReactionAdded)(flag_by_reaction)
    router.on(MessageShortcut)(open_flag_form)
    router.on(FormSubmitted)(flag_by_form)


# --- the form and its context ---------------------------------------------------------------


def flag_form_context(ref: MessageRef) -> str:
    """The flagged message, carried through the form (Slack `private_metadata`, max 3,000)."""
    return json.dumps({"c": ref.channel.id, "n": ref.channel.name, "p": ref.channel.is_private,
                       "m": ref.id, "t": ref.thread_id}, separators=(",", ":"))


def read_flag_context(context: str) -> MessageRef | None:
    try:
        data = json.loads(context)
        channel = ChannelRef(id=str(data["c"]), name=data.get("n"), is_private=bool(data.get("p")))
        thread = data.get("t")
        return MessageRef(channel=channel, id=str(data["m"]),
                          thread_id=str(thread) if thread else None)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def flag_form(ref: MessageRef) -> Form:
    return Form(
        form_id=FLAG_FORM_ID, title="Flag message", submit_label="Flag",
        context=flag_form_context(ref),
        fields=(
            FormField("reason", "Why should moderators look at it?", kind="select",
                      options=tuple((value, label.capitalize())
                                    for value, label in scoring.REASONS.items())),
            FormField("note", "Anything they should know? (optional; only moderators see it)",
                      kind="multiline", required=False, max_length=500),
        ),
    )


def parse_reason(raw: str) -> str | None:
    word = raw.strip().lower()
    word = REASON_ALIASES.get(word, word)
    return word if word in scoring.REASONS else None


# --- the three ways to flag ---------------------------------------------------------------------


def _enabled(turn: Turn) -> bool:
    return turn.config.moderation.enabled


async def flag_by_reaction(event: ReactionAdded, turn: Turn) -> None:
    flag_emoji = {e.strip(":").lower() for e in turn.config.moderation.flag_emoji}
    if not _enabled(turn) or event.user.is_bot or event.emoji.lower() not in flag_emoji:
        return
    # The reaction would show everyone who flagged: take it off and keep it out of the record.
    turn.outbox.unreact(event.message, event.emoji, event.user,
                        key=f"flag-unreact:{event.event_id}")
    _forget_reaction(turn, event)
    reply = flag(turn, event.message, event.user, reason=scoring.UNSPECIFIED, note="",
                 source="reaction")
    if turn.community.platform == "slack":
        reply += ("\nSlack does not let me remove your reaction: remove it yourself to stay "
                  "anonymous, or use the message's “Flag message” shortcut next time.")
    turn.outbox.dm(event.user, reply, key=f"flag-ack:{event.event_id}")


async def open_flag_form(event: MessageShortcut, turn: Turn) -> None:
    if event.shortcut_id != FLAG_SHORTCUT_ID or not _enabled(turn):
        return
    refusal = None
    if event.author is not None and event.author.is_bot:
        refusal = BOT_MESSAGE
    elif event.author is not None and event.author.id == event.user.id:
        refusal = ACKS[FlagOutcome.OWN]
    if refusal is not None:
        turn.outbox.ephemeral(event.message.channel, event.user, refusal,
                              interaction=event.interaction, key=f"flag-ack:{event.event_id}")
        return
    if event.author is not None:
        _remember_message(turn, event.message, event.author, event.text)
    if event.interaction is None:  # no way to ask for a reason: flag without one
        reply = flag(turn, event.message, event.user, reason=scoring.UNSPECIFIED, note="",
                     source="form")
        turn.outbox.ephemeral(event.message.channel, event.user, reply,
                              key=f"flag-ack:{event.event_id}")
        return
    turn.open_form(event.interaction, flag_form(event.message))


async def flag_by_form(event: FormSubmitted, turn: Turn) -> None:
    if event.form_id != FLAG_FORM_ID or not _enabled(turn):
        return
    ref = read_flag_context(event.context)
    if ref is None:
        log.warning("flag form %s came back with an unreadable context", event.event_id)
        turn.outbox.dm(event.user, "Sorry, I could not tell which message you flagged; please "
                       "flag it again.", key=f"flag-ack:{event.event_id}")
        return
    reason = parse_reason(event.values.get("reason", ""))
    if reason is None:
        reply = f"Please choose a reason: {', '.join(scoring.REASONS)}."
    else:
        reply = flag(turn, ref, event.user, reason=reason,
                     note=event.values.get("note", "").strip(), source="form")
    turn.outbox.ephemeral(ref.channel, event.user, reply, interaction=event.interaction,
                          key=f"flag-ack:{event.event_id}")


# --- shared steps ---------------------------------------------------------------------------------


def flag(turn: Turn, ref: MessageRef, user: UserRef, *, reason: str, note: str,
         source: str) -> str:
    """File the flag and say privately how it went."""
    message_id = stored_message_id(turn, ref)
    message = cases.load_message(turn.session, message_id) if message_id is not None else None
    if message is None:
        return UNKNOWN
    result = cases.file_flag(turn, message, user, reason=reason, note=note, source=source)
    log.info("flag on message %s via %s: %s (case %s)", message.id, source, result.outcome,
             result.case_id)
    return acknowledgement(turn, result, user)


def acknowledgement(turn: Turn, result: FlagResult, user: UserRef) -> str:
    section = turn.config.moderation
    if result.outcome == FlagOutcome.LIMITED:
        return (f"You have raised {section.flag_limit} flags in the last "
                f"{section.flag_limit_window}, the most allowed; please try again later or "
                "message a moderator directly.")
    if (result.outcome == FlagOutcome.RECORDED and result.case_id is not None
            and cases.is_staff(turn, user)):
        return f"Flag recorded: case #{result.case_id} is open for moderators."
    return ACKS[result.outcome]


def _forget_reaction(turn: Turn, event: ReactionAdded) -> None:
    delete_reaction(turn, event.message, event.user, event.emoji)


def _remember_message(turn: Turn, ref: MessageRef, author: UserRef, text: str) -> None:
    """A shortcut may name a message the bot never saw (sent before it joined): keep it."""
    directory = turn.ctx.directory
    insert_ignore(turn.session, Message, {
        "community_id": turn.community_id,
        "channel_id": directory.channel_id(turn.session, turn.community_id, ref.channel),
        "external_id": ref.id, "thread_external_id": ref.thread_id,
        "author_id": directory.member_id(turn.session, turn.community_id, author, turn.now),
        "text": text[:MAX_STORED_TEXT], "posted_at": turn.now,
    })
