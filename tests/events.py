"""Builders for platform-neutral events in tests."""

from __future__ import annotations

import itertools
from datetime import datetime

from bot.events import (
    ChannelRef,
    CommandInvoked,
    CommunityRef,
    InteractionRef,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    MessageRef,
    UserRef,
)

CONSOLE = CommunityRef(platform="console", id="workspace", name="Console")
_ids = itertools.count(1)


def next_id() -> str:
    return f"evt-{next(_ids)}"


def joined(name: str, at: datetime, event_id: str | None = None) -> MemberJoined:
    return MemberJoined(event_id=event_id or next_id(), community=CONSOLE, at=at,
                        user=UserRef(id=name, name=name))


def left(name: str, at: datetime) -> MemberLeft:
    return MemberLeft(event_id=next_id(), community=CONSOLE, at=at,
                      user=UserRef(id=name, name=name))


def posted(
    name: str, text: str, at: datetime, *, channel: str = "general", message_id: str | None = None,
    thread_id: str | None = None,
) -> MessagePosted:
    ref = MessageRef(channel=ChannelRef(id=channel, name=channel), id=message_id or next_id(),
                     thread_id=thread_id)
    return MessagePosted(event_id=next_id(), community=CONSOLE, at=at, message=ref,
                         author=UserRef(id=name, name=name), text=text)


def command(name: str, args: str, at: datetime, *, channel: str = "general") -> CommandInvoked:
    return CommandInvoked(
        event_id=next_id(), community=CONSOLE, at=at, user=UserRef(id=name, name=name),
        channel=ChannelRef(id=channel, name=channel), command="community", args=args,
        interaction=InteractionRef(token=next_id()),
    )
