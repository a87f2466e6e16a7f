"""The Chat port: everything the bot can do on a platform, and the errors a platform can answer.

Adapters implement `Chat`; only the outbox sender calls it (features enqueue through
`storage.outbox.Outbox`), except `open_form`, which must answer an interaction within seconds
and has nothing to lose or double.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.events import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef
from bot.pacing import Pace
from bot.text import Text


class ChatError(Exception):
    """A platform refused or failed an outbound call."""


class RateLimited(ChatError):
    def __init__(self, retry_after: float, *, is_global: bool = False, detail: str = "") -> None:
        super().__init__(f"rate limited, retry after {retry_after:.2f}s {detail}".strip())
        self.retry_after = retry_after
        self.is_global = is_global


class TransientError(ChatError):
    """Worth retrying later: timeouts, 5xx, connection resets."""


class PermanentError(ChatError):
    """Retrying cannot help: unknown channel, missing permission, bad request."""


class DirectMessagesBlocked(PermanentError):
    """The member does not accept DMs from the bot."""


class Unsupported(PermanentError):
    """The platform cannot do this at all (Slack cannot time a member out)."""


@dataclass(frozen=True)
class FormField:
    field_id: str
    label: str
    kind: str = "text"  # text | multiline | select
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for select
    required: bool = True
    max_length: int = 1000


@dataclass(frozen=True)
class Form:
    """A modal dialog; its submission arrives as `FormSubmitted` with the same `form_id`."""

    form_id: str
    title: str
    fields: tuple[FormField, ...] = field(default=())
    submit_label: str = "Submit"
    context: str = ""


class Chat(Protocol):
    platform: str
    pace: Pace
    # Whether `delete` works on members' messages (Slack bots may delete only their own).
    removes_member_messages: bool

    async def find_sent(self, kind: str, key: str) -> MessageRef | None:
        """After a crash mid-send: the message already posted under `key`, if the platform
        can tell (console journal, Slack message metadata); None when it cannot or did not."""
        ...

    async def resolve_channel(self, community: CommunityRef, name: str) -> ChannelRef | None:
        """A channel named in the community config (`welcome`), or None if there is none."""
        ...

    async def post(
        self, channel: ChannelRef, text: Text, *, thread_id: str | None, key: str
    ) -> MessageRef: ...

    async def dm(self, user: UserRef, text: Text, *, key: str) -> MessageRef: ...

    async def upload(
        self, channel: ChannelRef, filename: str, data: bytes, text: Text, *, key: str
    ) -> MessageRef:
        """Post a file (a chart PNG) with `text` as its message; `key` as for `post`."""
        ...

    async def ephemeral(
        self, channel: ChannelRef, user: UserRef, text: Text, *,
        interaction: InteractionRef | None, key: str,
    ) -> None: ...

    async def react(self, message: MessageRef, emoji: str) -> None: ...

    async def unreact(self, message: MessageRef, emoji: str, user: UserRef | None) -> None: ...

    async def update(self, message: MessageRef, text: Text) -> None: ...

    async def delete(self, message: MessageRef) -> None: ...

    async def timeout(self, community: CommunityRef, user: UserRef, until: datetime) -> None: ...

    async def open_form(self, interaction: InteractionRef, form: Form) -> None: ...

    async def publish_home(self, user: UserRef, text: Text) -> None:
        """Replace the member's home page (Slack App Home); `Unsupported` elsewhere."""
        ...
