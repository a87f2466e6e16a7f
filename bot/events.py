"""The platform-neutral vocabulary: references to people and places, and inbound events.

Adapters translate each platform payload into one of these frozen objects; handlers see nothing
else. `event_id` is the platform's own delivery id (Slack `event_id`, Discord interaction or
message id, console counter): the router de-duplicates on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class CommunityRef:
    """One Slack workspace, Discord guild or console workspace."""

    platform: str  # "slack" | "discord" | "console"
    id: str
    name: str = ""


@dataclass(frozen=True)
class UserRef:
    id: str
    name: str | None = None
    is_bot: bool = False
    groups: tuple[str, ...] = ()  # platform roles / user groups the adapter knows of


@dataclass(frozen=True)
class ChannelRef:
    id: str
    name: str | None = None
    is_private: bool = False
    is_dm: bool = False


@dataclass(frozen=True)
class MessageRef:
    """A message; `thread_id` is the id of its thread's root, when it sits in a thread."""

    channel: ChannelRef
    id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class InteractionRef:
    """An opaque handle for answering one command or click (Slack response_url / trigger_id,
    Discord interaction id and token); only the adapter that made it reads it."""

    token: str
    trigger: str = ""


@dataclass(frozen=True, kw_only=True)
class Event:
    event_id: str
    community: CommunityRef
    at: datetime


@dataclass(frozen=True, kw_only=True)
class MemberJoined(Event):
    user: UserRef


@dataclass(frozen=True, kw_only=True)
class MemberLeft(Event):
    user: UserRef


@dataclass(frozen=True, kw_only=True)
class ChannelJoined(Event):
    """A member joined one channel (Slack `member_joined_channel`); not a newcomer as such."""

    user: UserRef
    channel: ChannelRef


@dataclass(frozen=True, kw_only=True)
class MessagePosted(Event):
    message: MessageRef
    author: UserRef
    text: str
    mentions_bot: bool = False


@dataclass(frozen=True, kw_only=True)
class MessageEdited(Event):
    message: MessageRef
    text: str
    editor: UserRef | None = None


@dataclass(frozen=True, kw_only=True)
class MessageDeleted(Event):
    message: MessageRef


@dataclass(frozen=True, kw_only=True)
class ReactionAdded(Event):
    message: MessageRef
    user: UserRef
    emoji: str  # a name without colons ("white_check_mark") or a unicode emoji ("✅")


@dataclass(frozen=True, kw_only=True)
class ReactionRemoved(Event):
    message: MessageRef
    user: UserRef
    emoji: str


@dataclass(frozen=True, kw_only=True)
class CommandInvoked(Event):
    """`/community <args>`: `args` is the text after the command name."""

    user: UserRef
    channel: ChannelRef
    command: str
    args: str
    interaction: InteractionRef | None = None


@dataclass(frozen=True, kw_only=True)
class ActionClicked(Event):
    user: UserRef
    channel: ChannelRef | None
    action_id: str
    value: str = ""
    message: MessageRef | None = None
    interaction: InteractionRef | None = None


@dataclass(frozen=True, kw_only=True)
class FormSubmitted(Event):
    user: UserRef
    form_id: str
    values: Mapping[str, str] = field(default_factory=dict)
    context: str = ""  # what the form was opened about, as the opener encoded it
    interaction: InteractionRef | None = None


@dataclass(frozen=True, kw_only=True)
class MessageShortcut(Event):
    """A message action ("Flag message") chosen from a message's menu."""

    user: UserRef
    shortcut_id: str
    message: MessageRef
    author: UserRef | None = None
    text: str = ""
    interaction: InteractionRef | None = None


@dataclass(frozen=True, kw_only=True)
class HomeOpened(Event):
    """A member opened the bot's home (Slack App Home): time to publish their page."""

    user: UserRef
