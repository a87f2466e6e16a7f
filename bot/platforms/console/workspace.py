"""The console workspace: users, channels and messages held locally, and the Chat port on it.

It plays the platform's part: it numbers messages, shows them to the terminal, honours
idempotency keys like Discord's enforced nonces, and can keep a journal file so that a restarted
process knows what was already delivered.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.chat import DirectMessagesBlocked, Form, PermanentError
from bot.events import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef
from bot.pacing import Pace
from bot.text import Button, Link, Text, linked_message

log = logging.getLogger(__name__)

BOT = UserRef(id="bot", name="community-bot", is_bot=True)
DEFAULT_CHANNELS = (
    "general", "welcome", "introductions", "help", "announcements",
    "community-managers", "moderators",
)


@dataclass
class ConsoleMessage:
    number: int
    ref: MessageRef
    author: UserRef
    text: str
    audience: str  # "channel" | "dm:<user>" | "only:<user>"
    buttons: tuple[Button, ...] = ()
    deleted: bool = False
    reactions: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class ShownButton:
    number: int
    button: Button
    message: MessageRef
    audience: str


Show = Callable[[ConsoleMessage, list[ShownButton]], None]


class ConsoleWorkspace:
    """The platform side of the console: state plus the `Chat` port the sender calls."""

    platform = "console"
    pace = Pace()  # a terminal has no rate limits
    removes_member_messages = True

    def __init__(
        self, show: Show | None = None, *, run_id: str = "r", journal: Path | None = None,
        uploads_dir: Path | None = None,
    ) -> None:
        self.community = CommunityRef(platform="console", id="workspace", name="Console")
        self.users: dict[str, UserRef] = {"bot": BOT}
        self.channels: dict[str, ChannelRef] = {
            name: ChannelRef(id=name, name=name,
                             is_private=name in ("community-managers", "moderators"))
            for name in DEFAULT_CHANNELS
        }
        self.messages: list[ConsoleMessage] = []
        self.buttons: list[ShownButton] = []
        self.forms: list[tuple[InteractionRef, Form]] = []
        self.homes: dict[str, str] = {}
        self.timeouts: dict[str, datetime] = {}
        self.dm_blocked: set[str] = set()
        self._by_key: dict[str, MessageRef] = {}
        self._uploads_dir = uploads_dir
        self.uploads: dict[int, Path] = {}  # message number -> the file it carries
        self._show = show or (lambda message, buttons: None)
        self._run_id = run_id
        self._journal = journal
        if journal is not None and journal.exists():
            for line in journal.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                self._by_key[entry["key"]] = MessageRef(
                    channel=ChannelRef(id=entry["channel"]), id=entry["id"]
                )

    # --- people and places --------------------------------------------------------------

    def user(self, name: str) -> UserRef:
        handle = name.strip().lstrip("@").lower()
        if not handle or not handle.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"not a user name: {name!r} (letters, digits, - and _)")
        if handle not in self.users:
            self.users[handle] = UserRef(id=handle, name=handle)
        return self.users[handle]

    def channel(self, name: str) -> ChannelRef:
        handle = name.strip().lstrip("#").lower()
        if handle not in self.channels:
            raise ValueError(f"no channel #{handle}; channels: {', '.join(sorted(self.channels))}")
        return self.channels[handle]

    def message(self, number: int) -> ConsoleMessage:
        if not 1 <= number <= len(self.messages):
            raise ValueError(f"no message #{number}")
        return self.messages[number - 1]

    def record(
        self, channel: ChannelRef, author: UserRef, text: str, *, thread_id: str | None = None,
        audience: str = "channel", buttons: tuple[Button, ...] = (),
    ) -> ConsoleMessage:
        number = len(self.messages) + 1
        ref = MessageRef(channel=channel, id=f"{self._run_id}.{number}", thread_id=thread_id)
        message = ConsoleMessage(number, ref, author, text, audience, buttons)
        self.messages.append(message)
        shown = []
        for button in buttons:
            shown.append(ShownButton(len(self.buttons) + 1, button, ref, audience))
            self.buttons.append(shown[-1])
        self._show(message, shown)
        return message

    def _remember_key(self, key: str, ref: MessageRef) -> None:
        self._by_key[key] = ref
        if self._journal is not None:
            with self._journal.open("a", encoding="utf-8") as journal:
                journal.write(json.dumps({"key": key, "channel": ref.channel.id, "id": ref.id}))
                journal.write("\n")

    def number_of(self, ref: MessageRef) -> int | None:
        """The number the console shows for a message."""
        return next((m.number for m in self.messages if m.ref.id == ref.id), None)

    def _plain(self, text: Text) -> str:
        """Text as the terminal shows it: a link to a message names its number."""

        def link(found: Link) -> str:
            target = linked_message(found)
            if target is None:
                return f"{found.label} ({found.url})" if found.label else found.url
            number = next((m.number for m in self.messages if m.ref.id == target[1]), None)
            return f"{found.label} (#{number})" if number else found.label

        return text.render(user=lambda u: f"@{u.name or u.id}",
                           channel=lambda c: f"#{c.name or c.id}", link=link)

    # --- the Chat port --------------------------------------------------------------------

    async def find_sent(self, kind: str, key: str) -> MessageRef | None:
        return self._by_key.get(key)

    async def resolve_channel(self, community: CommunityRef, name: str) -> ChannelRef | None:
        return self.channels.get(name.lstrip("#").lower())

    async def post(
        self, channel: ChannelRef, text: Text, *, thread_id: str | None, key: str
    ) -> MessageRef:
        if key in self._by_key:
            return self._by_key[key]
        if channel.id not in self.channels:
            raise PermanentError(f"channel_not_found: {channel.id}")
        message = self.record(self.channels[channel.id], BOT, self._plain(text),
                              thread_id=thread_id, buttons=text.buttons)
        self._remember_key(key, message.ref)
        return message.ref

    async def dm(self, user: UserRef, text: Text, *, key: str) -> MessageRef:
        if key in self._by_key:
            return self._by_key[key]
        if user.id in self.dm_blocked:
            raise DirectMessagesBlocked(f"{user.id} does not accept direct messages")
        channel = ChannelRef(id=f"dm-{user.id}", name=f"dm-{user.id}", is_dm=True)
        message = self.record(channel, BOT, self._plain(text), audience=f"dm:{user.id}",
                              buttons=text.buttons)
        self._remember_key(key, message.ref)
        return message.ref

    async def upload(
        self, channel: ChannelRef, filename: str, data: bytes, text: Text, *, key: str
    ) -> MessageRef:
        """Writes the file under the uploads directory (a temporary one unless given) and
        shows a message pointing at it."""
        if key in self._by_key:
            return self._by_key[key]
        if channel.id not in self.channels:
            raise PermanentError(f"channel_not_found: {channel.id}")
        if self._uploads_dir is None:
            self._uploads_dir = Path(tempfile.mkdtemp(prefix="community-bot-uploads-"))
        self._uploads_dir.mkdir(parents=True, exist_ok=True)
        path = self._uploads_dir / f"{len(self.messages) + 1}-{Path(filename).name}"
        path.write_bytes(data)
        attachment = f"📎 {filename} ({path})"
        body = self._plain(text)
        message = self.record(self.channels[channel.id], BOT,
                              f"{body}\n{attachment}" if body else attachment,
                              buttons=text.buttons)
        self.uploads[message.number] = path
        self._remember_key(key, message.ref)
        return message.ref

    async def ephemeral(
        self, channel: ChannelRef, user: UserRef, text: Text, *,
        interaction: InteractionRef | None, key: str,
    ) -> None:
        if key in self._by_key:
            return
        message = self.record(channel, BOT, self._plain(text), audience=f"only:{user.id}",
                              buttons=text.buttons)
        self._remember_key(key, message.ref)

    def _find(self, ref: MessageRef) -> ConsoleMessage:
        for message in self.messages:
            if message.ref.id == ref.id:
                return message
        raise PermanentError(f"message_not_found: {ref.id}")

    async def react(self, message: MessageRef, emoji: str) -> None:
        self._find(message).reactions.setdefault(emoji, set()).add(BOT.id)

    async def unreact(self, message: MessageRef, emoji: str, user: UserRef | None) -> None:
        self._find(message).reactions.get(emoji, set()).discard((user or BOT).id)

    async def update(self, message: MessageRef, text: Text) -> None:
        found = self._find(message)
        found.text = self._plain(text)
        found.buttons = text.buttons
        shown = []
        for button in text.buttons:
            shown.append(ShownButton(len(self.buttons) + 1, button, found.ref, found.audience))
            self.buttons.append(shown[-1])
        self._show(found, shown)

    async def delete(self, message: MessageRef) -> None:
        found = self._find(message)
        found.deleted = True
        self._show(found, [])

    async def timeout(self, community: CommunityRef, user: UserRef, until: datetime) -> None:
        self.timeouts[user.id] = until

    async def open_form(self, interaction: InteractionRef, form: Form) -> None:
        self.forms.append((interaction, form))

    async def publish_home(self, user: UserRef, text: Text) -> None:
        self.homes[user.id] = self._plain(text)
        self.record(ChannelRef(id=f"home-{user.id}", name="home"), BOT, self._plain(text),
                    audience=f"only:{user.id}", buttons=text.buttons)
