"""Events API payloads → neutral events: one pure function per event type (slash commands and
interactivity are in `interactive`), plus the helpers both share.

Nothing here calls Slack; names a payload lacks are filled in afterwards from the directory's
cache. A payload missing what its type needs raises `Malformed`; payloads the bot ignores on
purpose (its own and other bots' messages, channel_join notices, link unfurls…) yield nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.events import (
    ChannelJoined,
    ChannelRef,
    CommunityRef,
    Event,
    HomeOpened,
    InteractionRef,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    ReactionAdded,
    ReactionRemoved,
    UserRef,
)

log = logging.getLogger(__name__)

Payload = Mapping[str, Any]

# Subtypes that are a member saying something; every other subtype is a notice (channel_join,
# channel_topic, pinned_item…) that the features have no use for.
POSTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
# Slack's reaction names for the emoji features use as unicode, so a feature checking "✅"
# works the same on Slack, Discord and the console.
EMOJI_BY_NAME = {
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "+1": "👍", "thumbsup": "👍",
    "-1": "👎", "thumbsdown": "👎", "eyes": "👀", "wave": "👋", "tada": "🎉", "heart": "❤️",
    "pray": "🙏", "question": "❓", "warning": "⚠️", "triangular_flag_on_post": "🚩",
    "rotating_light": "🚨", "x": "❌", "raised_hands": "🙌", "rocket": "🚀", "bulb": "💡",
    "100": "💯", "no_entry": "⛔", "star": "⭐",
}
NAME_BY_EMOJI: dict[str, str] = {}
for _name, _emoji in EMOJI_BY_NAME.items():
    NAME_BY_EMOJI.setdefault(_emoji.replace("\ufe0f", ""), _name)
UNNAMED_CHANNELS = ("directmessage", "privategroup")
DUPLICATE_ACTION = re.compile(r"~\d+$")  # chat.py's suffix for a repeated action_id
_MARKUP = re.compile(r"<([^<>]*)>")


class Malformed(ValueError):
    """A payload without what its type requires."""


@dataclass(frozen=True)
class Installation:
    """Who the bot is in its workspace (from auth.test)."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str

    def community(self, team_id: str | None) -> CommunityRef:
        team = team_id or self.team_id
        return CommunityRef("slack", team, self.team_name if team == self.team_id else "")


@dataclass(frozen=True)
class Context:
    """What every event translator needs besides the event itself."""

    event_id: str
    community: CommunityRef
    installation: Installation
    now: datetime


# --- helpers --------------------------------------------------------------------------------


def require(payload: Any, key: str) -> Any:
    value = payload.get(key) if isinstance(payload, Mapping) else None
    if value is None or value == "":
        raise Malformed(f"missing {key!r}")
    return value


def mapping_at(payload: Payload, key: str) -> Payload:
    value = payload.get(key)
    return value if isinstance(value, Mapping) else {}


def at_ts(ts: Any, fallback: datetime) -> datetime:
    """A Slack timestamp ("1700000100.000200" or seconds) as an aware datetime."""
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback


def digest(payload: Any) -> str:
    """A stable id for a payload that has none of its own."""
    raw = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def plain_text(text: str) -> str:
    """Slack markup as a person reads it: `<@U1>` → `@U1`, `<#C1|help>` → `#help`,
    `<https://x|docs>` → `docs (https://x)`, entities unescaped."""

    def readable(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:])
        if target.startswith(("!subteam^", "!date")):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:]
        target = target.removeprefix("mailto:")
        return f"{label} ({target})" if label and label != target else target

    text = _MARKUP.sub(readable, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji_from_slack(name: str) -> str:
    base = name.strip(":").split("::", 1)[0]  # drop a skin tone
    return EMOJI_BY_NAME.get(base, base)


def emoji_to_slack(emoji: str) -> str | None:
    """The reaction name Slack wants, or None for a unicode emoji we have no name for."""
    name = emoji.strip().strip(":")
    if found := NAME_BY_EMOJI.get(name.replace("\ufe0f", "")):
        return found
    return name if name and re.fullmatch(r"[a-z0-9_+\-':]+", name) else None


def user_ref(user: Payload) -> UserRef:
    """A users.info / team_join user object as a `UserRef` with a readable name."""
    profile = mapping_at(user, "profile")
    name = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
            or user.get("name") or None)
    user_id = str(require(user, "id"))
    return UserRef(id=user_id, name=name, is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT")


def channel_ref(channel_id: str, name: Any = None, channel_type: Any = None) -> ChannelRef:
    """`channel_type` as Events API messages give it (channel, group, im, mpim) or as
    member_joined_channel gives it (C, G)."""
    is_dm = channel_type == "im" or channel_id.startswith("D") or name == "directmessage"
    usable = isinstance(name, str) and name and name not in UNNAMED_CHANNELS
    return ChannelRef(
        id=channel_id, name=name if usable and not name.startswith("mpdm-") else None,
        is_private=channel_type in ("group", "mpim", "G") or name == "privategroup",
        is_dm=is_dm,
    )


def thread_of(message: Payload, ts: str) -> str | None:
    thread_ts = message.get("thread_ts")
    return str(thread_ts) if thread_ts and thread_ts != ts else None


def from_a_bot(message: Payload, installation: Installation) -> bool:
    return bool(
        message.get("bot_id") or message.get("subtype") == "bot_message"
        or message.get("user") == installation.bot_user_id
    )


def message_event_id(channel_id: str, ts: str) -> str:
    """One id per message, shared by its `message` and `app_mention` deliveries, so that a
    message mentioning the bot has effect once although Slack sends it twice."""
    return f"msg:{channel_id}:{ts}"


def interaction_of(payload: Payload) -> InteractionRef:
    return InteractionRef(
        token=str(payload.get("response_url") or ""), trigger=str(payload.get("trigger_id") or "")
    )


# --- Events API -----------------------------------------------------------------------------


def team_join(event: Payload, ctx: Context) -> Event | None:
    user = event.get("user")
    if not isinstance(user, Mapping):
        raise Malformed("team_join without a user object")
    if user.get("deleted"):
        return None
    return MemberJoined(event_id=ctx.event_id, community=ctx.community,
                        at=at_ts(event.get("event_ts"), ctx.now), user=user_ref(user))


def user_change(event: Payload, ctx: Context) -> Event | None:
    """A profile change. Slack has no "left" event: a deactivated account (`deleted: true`)
    is how a member leaves a workspace. Other changes only refresh the adapter's name cache."""
    user = event.get("user")
    if not isinstance(user, Mapping):
        raise Malformed("user_change without a user object")
    if not user.get("deleted"):
        return None
    return MemberLeft(event_id=ctx.event_id, community=ctx.community,
                      at=at_ts(event.get("event_ts"), ctx.now), user=user_ref(user))


def member_joined_channel(event: Payload, ctx: Context) -> Event | None:
    user = str(require(event, "user"))
    if user == ctx.installation.bot_user_id:
        return None  # the bot was added to a channel: the adapter refreshes its channel list
    channel = channel_ref(str(require(event, "channel")), channel_type=event.get("channel_type"))
    return ChannelJoined(event_id=ctx.event_id, community=ctx.community,
                         at=at_ts(event.get("event_ts"), ctx.now), user=UserRef(user),
                         channel=channel)


def message(event: Payload, ctx: Context) -> Event | None:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return message_changed(event, ctx)
    if subtype == "message_deleted":
        return message_deleted(event, ctx)
    if subtype not in POSTED_SUBTYPES:
        log.debug("ignoring message subtype %s", subtype)
        return None
    return message_posted(event, ctx)


def message_posted(event: Payload, ctx: Context, *, mention: bool = False) -> Event | None:
    if from_a_bot(event, ctx.installation):
        return None
    ts = str(require(event, "ts"))
    channel = channel_ref(str(require(event, "channel")), channel_type=event.get("channel_type"))
    raw = str(event.get("text") or "")
    return MessagePosted(
        event_id=message_event_id(channel.id, ts), community=ctx.community,
        at=at_ts(ts, ctx.now), message=MessageRef(channel, ts, thread_of(event, ts)),
        author=UserRef(str(require(event, "user"))), text=plain_text(raw),
        mentions_bot=mention or f"<@{ctx.installation.bot_user_id}" in raw,
    )


def app_mention(event: Payload, ctx: Context) -> Event | None:
    return message_posted(event, ctx, mention=True)


def message_changed(event: Payload, ctx: Context) -> Event | None:
    changed = event.get("message")
    if not isinstance(changed, Mapping):
        raise Malformed("message_changed without a message")
    if from_a_bot(changed, ctx.installation):
        return None
    edited = changed.get("edited")
    if not isinstance(edited, Mapping):
        log.debug("message_changed without an edit (unfurl or reply count): ignored")
        return None
    ts = str(require(changed, "ts"))
    channel = channel_ref(str(require(event, "channel")), channel_type=event.get("channel_type"))
    editor = edited.get("user") or changed.get("user")
    return MessageEdited(
        event_id=ctx.event_id, community=ctx.community,
        at=at_ts(edited.get("ts") or event.get("ts"), ctx.now),
        message=MessageRef(channel, ts, thread_of(changed, ts)),
        text=plain_text(str(changed.get("text") or "")),
        editor=UserRef(str(editor)) if editor else None,
    )


def message_deleted(event: Payload, ctx: Context) -> Event | None:
    previous = mapping_at(event, "previous_message")
    if previous and from_a_bot(previous, ctx.installation):
        return None
    ts = str(require(event, "deleted_ts"))
    channel = channel_ref(str(require(event, "channel")), channel_type=event.get("channel_type"))
    return MessageDeleted(event_id=ctx.event_id, community=ctx.community,
                          at=at_ts(event.get("ts"), ctx.now),
                          message=MessageRef(channel, ts, thread_of(previous, ts)))


def reaction(event: Payload, ctx: Context) -> Event | None:
    item = mapping_at(event, "item")
    if item.get("type") != "message":
        return None  # reactions on files
    user = str(require(event, "user"))
    if user == ctx.installation.bot_user_id:
        return None
    kind = ReactionAdded if event.get("type") == "reaction_added" else ReactionRemoved
    return kind(
        event_id=ctx.event_id, community=ctx.community, at=at_ts(event.get("event_ts"), ctx.now),
        message=MessageRef(channel_ref(str(require(item, "channel"))), str(require(item, "ts"))),
        user=UserRef(user), emoji=emoji_from_slack(str(require(event, "reaction"))),
    )


def app_home_opened(event: Payload, ctx: Context) -> Event | None:
    if event.get("tab", "home") != "home":
        return None  # the Messages tab: nothing to publish
    return HomeOpened(event_id=ctx.event_id, community=ctx.community,
                      at=at_ts(event.get("event_ts"), ctx.now),
                      user=UserRef(str(require(event, "user"))))


EVENT_TRANSLATORS: dict[str, Callable[[Payload, Context], Event | None]] = {
    "team_join": team_join,
    "user_change": user_change,
    "member_joined_channel": member_joined_channel,
    "message": message,
    "app_mention": app_mention,
    "reaction_added": reaction,
    "reaction_removed": reaction,
    "app_home_opened": app_home_opened,
}


def event_callback(body: Payload, installation: Installation, now: datetime) -> Event | None:
    """An Events API envelope (`type: event_callback`)."""
    if body.get("type") != "event_callback":
        raise Malformed(f"not an event_callback: {body.get('type')!r}")
    event = body.get("event")
    if not isinstance(event, Mapping) or not event.get("type"):
        raise Malformed("event_callback without an event type")
    translator = EVENT_TRANSLATORS.get(str(event["type"]))
    if translator is None:
        log.debug("ignoring Slack event type %s", event["type"])
        return None
    ctx = Context(str(require(body, "event_id")), installation.community(body.get("team_id")),
                  installation, now)
    return translator(event, ctx)


# --- what the adapter can take --------------------------------------------------------------------

INTERACTIONS_BY_CALLBACK = ("message_action", "shortcut", "view_submission")


def unroutable(body: Payload) -> str | None:
    """Why no listener could take `body` (so it is acked and counted, not answered 404 and
    retried by Slack), or None when one can."""
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        ok = isinstance(event, Mapping) and isinstance(event.get("type"), str) and event["type"]
        return None if ok else "event_callback without an event type"
    if body.get("command"):
        return None
    if kind == "block_actions":
        actions = body.get("actions")
        ok = isinstance(actions, list) and actions and all(
            isinstance(a, Mapping) and a.get("action_id") for a in actions)
        return None if ok else "block_actions without action ids"
    if kind in INTERACTIONS_BY_CALLBACK:
        view = body.get("view") if kind == "view_submission" else body
        ok = isinstance(view, Mapping) and view.get("callback_id")
        return None if ok else f"{kind} without a callback_id"
    if kind == "app_rate_limited":
        return "Slack is dropping events: the app passed 30,000 events an hour (app_rate_limited)"
    return f"unexpected payload type {kind!r}"
