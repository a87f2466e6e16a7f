"""discord.py objects to neutral events: one function per kind, no I/O.

Identity on Discord:
- a community is a guild; a member's `groups` are their role ids (config: `discord:role:ID`);
- a message in a thread (or forum post) belongs to the thread's parent channel, with the thread
  id as `thread_id`: the starter message of a thread made from a channel message sits in the
  parent with no `thread_id`, like a Slack thread root, and its id is the thread's id;
- event ids are Discord's own where it has one (message and interaction snowflakes); joins,
  leaves, edits and deletes are named after what happened (`join:GUILD:USER:JOINED_AT`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

from bot.events import (
    ActionClicked,
    ChannelRef,
    CommandInvoked,
    CommunityRef,
    FormSubmitted,
    InteractionRef,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    MessageShortcut,
    ReactionAdded,
    ReactionRemoved,
    UserRef,
)

FLAG_SHORTCUT = "flag_message"
MEMBER_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


@dataclass(frozen=True)
class Place:
    """Where a message lives in neutral terms: its channel and, in a thread, the thread id."""

    channel: ChannelRef
    thread_id: str | None = None

    def message(self, message_id: int | str) -> MessageRef:
        return MessageRef(channel=self.channel, id=str(message_id), thread_id=self.thread_id)


# --- references ---------------------------------------------------------------------------


def community(guild: discord.Guild) -> CommunityRef:
    return CommunityRef(platform="discord", id=str(guild.id), name=guild.name)


def user(person: discord.abc.User) -> UserRef:
    roles: Iterable[discord.Role] = getattr(person, "roles", ())
    return UserRef(
        id=str(person.id), name=person.display_name, is_bot=person.bot,
        groups=tuple(str(role.id) for role in roles if not role.is_default()),
    )


def channel(found: Any) -> ChannelRef:
    """A guild channel (not a thread) or a DM channel."""
    if isinstance(found, discord.DMChannel):
        return ChannelRef(id=str(found.id), name=None, is_dm=True)
    guild = getattr(found, "guild", None)
    private = False
    if guild is not None and hasattr(found, "permissions_for"):
        private = not found.permissions_for(guild.default_role).view_channel
    return ChannelRef(id=str(found.id), name=getattr(found, "name", None), is_private=private)


def place(found: Any) -> Place:
    """The neutral place of a discord.py channel object; a thread answers with its parent."""
    if isinstance(found, discord.Thread):
        parent = found.parent
        parent_ref = channel(parent) if parent is not None else ChannelRef(id=str(found.parent_id))
        return Place(parent_ref, thread_id=str(found.id))
    return Place(channel(found))


def interaction_ref(interaction: discord.Interaction, kind: str) -> InteractionRef:
    """`token` is `interaction id:interaction token`; only this adapter reads it."""
    return InteractionRef(token=f"{interaction.id}:{interaction.token}", trigger=kind)


# --- gateway events -------------------------------------------------------------------------


def member_joined(member: discord.Member, at: datetime) -> MemberJoined:
    joined = (member.joined_at or at).isoformat()
    return MemberJoined(
        event_id=f"join:{member.guild.id}:{member.id}:{joined}",
        community=community(member.guild), at=at, user=user(member),
    )


def member_left(
    where: CommunityRef, person: discord.abc.User, at: datetime, joined_at: datetime | None
) -> MemberLeft:
    """A leave names the membership it ends (its join time) when discord.py knew the member."""
    stamp = (joined_at or at).isoformat()
    return MemberLeft(
        event_id=f"leave:{where.id}:{person.id}:{stamp}", community=where, at=at,
        user=user(person),
    )


def message_posted(
    where: CommunityRef, message: discord.Message, at: datetime, bot_id: int | None
) -> MessagePosted | None:
    """A member's message; bots (this one included), webhooks and system messages are None."""
    if message.author.bot or message.webhook_id or message.type not in MEMBER_MESSAGE_TYPES:
        return None
    return MessagePosted(
        event_id=str(message.id), community=where, at=at,
        message=place(message.channel).message(message.id), author=user(message.author),
        text=message.content,
        mentions_bot=bot_id is not None and any(m.id == bot_id for m in message.mentions),
    )


def message_edited(
    where: CommunityRef, message: discord.Message, at: datetime
) -> MessageEdited | None:
    """A content edit; embed unfurls (no edit time) and bots' edits are None."""
    if message.author.bot or message.edited_at is None:
        return None
    return MessageEdited(
        event_id=f"edit:{message.id}:{message.edited_at.isoformat()}", community=where, at=at,
        message=place(message.channel).message(message.id), text=message.content,
        editor=user(message.author),
    )


def message_deleted(
    where: CommunityRef, at_place: Place, message_id: int, at: datetime
) -> MessageDeleted:
    return MessageDeleted(
        event_id=f"delete:{message_id}", community=where, at=at,
        message=at_place.message(message_id),
    )


def reaction_emoji(emoji: discord.PartialEmoji) -> str:
    """Unicode emoji as themselves, a server's own emoji by name."""
    return emoji.name or str(emoji.id)


def reaction(
    where: CommunityRef, at_place: Place, payload: discord.RawReactionActionEvent,
    person: UserRef, at: datetime, received_second: int,
) -> ReactionAdded | ReactionRemoved:
    """Reaction payloads carry no id or time: the second they arrived tells a re-add after a
    removal from a repeated delivery (and reaction handlers are idempotent either way)."""
    added = payload.event_type == "REACTION_ADD"
    kind = "react" if added else "unreact"
    emoji = reaction_emoji(payload.emoji)
    event_id = f"{kind}:{payload.message_id}:{payload.user_id}:{emoji}:{received_second}"
    fields: dict[str, Any] = {
        "event_id": event_id, "community": where, "at": at,
        "message": at_place.message(payload.message_id), "user": person, "emoji": emoji,
    }
    return ReactionAdded(**fields) if added else ReactionRemoved(**fields)


# --- interactions ---------------------------------------------------------------------------


def command_invoked(
    where: CommunityRef, interaction: discord.Interaction, at_place: Place, args: str,
    at: datetime,
) -> CommandInvoked:
    """`args` is the subcommand's name and its options as typed; a mention stays `<@id>`,
    which the core's argument parser (bot.command_args) reads on every platform."""
    return CommandInvoked(
        event_id=str(interaction.id), community=where, at=at, user=user(interaction.user),
        channel=at_place.channel, command="community", args=args,
        interaction=interaction_ref(interaction, "command"),
    )


def message_shortcut(
    where: CommunityRef, interaction: discord.Interaction, target: discord.Message,
    at_place: Place, at: datetime,
) -> MessageShortcut:
    return MessageShortcut(
        event_id=str(interaction.id), community=where, at=at, user=user(interaction.user),
        shortcut_id=FLAG_SHORTCUT, message=at_place.message(target.id),
        author=user(target.author), text=target.content,
        interaction=interaction_ref(interaction, "context_menu"),
    )


def action_clicked(
    where: CommunityRef, interaction: discord.Interaction, at_place: Place | None,
    at: datetime,
) -> ActionClicked | None:
    """A button: `custom_id` is `action_id:value`; select menus answer their first value."""
    data: Mapping[str, Any] = interaction.data or {}
    custom_id = str(data.get("custom_id") or "")
    if ":" not in custom_id:
        return None  # not one of ours
    action_id, _, value = custom_id.rpartition(":")
    values = data.get("values")
    if values:
        value = str(values[0])
    message = interaction.message
    return ActionClicked(
        event_id=str(interaction.id), community=where, at=at, user=user(interaction.user),
        channel=at_place.channel if at_place else None, action_id=action_id, value=value,
        message=at_place.message(message.id) if at_place and message else None,
        interaction=interaction_ref(interaction, "component"),
    )


def form_values(components: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Field values of a modal submission: text inputs (in action rows or labels) and
    select menus (their first choice)."""
    values: dict[str, str] = {}
    for component in components:
        if component.get("type") == 1:
            values.update(form_values(component.get("components") or ()))
        elif component.get("type") == 18 and component.get("component"):
            values.update(form_values([component["component"]]))
        elif component.get("custom_id"):
            if "values" in component:
                chosen = component.get("values") or []
                values[component["custom_id"]] = str(chosen[0]) if chosen else ""
            else:
                values[component["custom_id"]] = str(component.get("value") or "")
    return values


def form_submitted(
    where: CommunityRef, interaction: discord.Interaction, form_id: str, context: str,
    at: datetime,
) -> FormSubmitted | None:
    """`form_id` and `context` as the modal's custom id carried them (see FormContexts)."""
    data: Mapping[str, Any] = interaction.data or {}
    if not form_id:
        return None
    return FormSubmitted(
        event_id=str(interaction.id), community=where, at=at, user=user(interaction.user),
        form_id=form_id, values=form_values(data.get("components") or ()), context=context,
        interaction=interaction_ref(interaction, "form"),
    )
