"""Neutral output in Discord's shapes: `Text` to content, embeds and buttons; `Form` to a modal;
emoji names to what the REST API accepts; outbox keys to message nonces.

Buttons and modals are built with discord.ui but stopped before sending, so discord.py
serialises them without keeping them in its view store: every click and submission then
arrives as a raw interaction that any process (or this one after a restart) can handle.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import discord

from bot.chat import Form, PermanentError
from bot.events import ChannelRef, UserRef
from bot.text import Button, Link, Text, linked_message

log = logging.getLogger(__name__)

MAX_CONTENT = 2000  # characters in a message's content
MAX_EMBED = 4096  # characters in an embed's description
MAX_CUSTOM_ID = 100
MAX_BUTTONS = 25  # five rows of five
MAX_MODAL_FIELDS = 5

BUTTON_STYLES = {
    "default": discord.ButtonStyle.secondary,
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}

# Shortcodes features use (Slack-style names) and the unicode emoji Discord wants for them.
EMOJI = {
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "x": "❌", "eyes": "👀",
    "wave": "👋", "tada": "🎉", "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎",
    "warning": "⚠️", "triangular_flag_on_post": "🚩", "raising_hand": "🙋", "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳", "heart": "❤️", "question": "❓", "bulb": "💡",
    "pray": "🙏", "rocket": "🚀", "star": "⭐", "fire": "🔥", "speech_balloon": "💬",
    "no_entry": "⛔", "bell": "🔔", "sparkles": "✨", "memo": "📝", "pushpin": "📌",
}

ChannelLookup = Callable[[str], int | None]  # a channel's name -> its id in the community
MessageUrl = Callable[[str, str], str | None]  # (channel id, message id) -> its jump URL


@dataclass
class Message:
    """One message's parts, ready for discord.py's `send` / `edit` keyword arguments."""

    content: str | None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None

    def send_kwargs(self) -> dict[str, object]:
        kwargs: dict[str, object] = {"content": self.content, "embeds": self.embeds}
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs

    def edit_kwargs(self) -> dict[str, object]:
        """An edit replaces everything, so missing buttons or embeds are removed."""
        return {"content": self.content, "embeds": self.embeds, "view": self.view}


def nonce_for(key: str) -> str:
    """Discord nonces hold at most 25 characters: 24 hex digits of the outbox key's digest."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=12).hexdigest()


def render_text(
    text: Text, channel_id: ChannelLookup, message_url: MessageUrl | None = None
) -> str:
    """Mentions as `<@id>` / `<#id>`; a channel known only by name is looked up in the
    community, and stays `#name` when it does not exist there."""

    def user(ref: UserRef) -> str:
        return f"<@{ref.id}>" if ref.id.isdigit() else f"@{ref.name or ref.id}"

    def channel(ref: ChannelRef) -> str:
        if ref.id.isdigit():
            return f"<#{ref.id}>"
        found = channel_id(ref.name or "") if ref.name else None
        return f"<#{found}>" if found else f"#{ref.name or ref.id}"

    def link(ref: Link) -> str:
        url = ref.url
        if (target := linked_message(ref)) is not None:
            found = message_url(*target) if message_url else None
            if found is None:
                return ref.label
            url = found
        if not ref.label:
            return url
        return f"[{ref.label.replace('[', '(').replace(']', ')')}]({url})"

    return text.render(user=user, channel=channel, link=link)


def message(
    text: Text, channel_id: ChannelLookup, *, allow_empty: bool = False,
    message_url: MessageUrl | None = None,
) -> Message:
    """Short texts as content; longer ones (a getting-started kit) read better as an embed,
    which holds 4096 characters; beyond that the text is cut, visibly, rather than refused."""
    body = render_text(text, channel_id, message_url)
    view = buttons(text.buttons)
    if not body.strip():
        if view is None and not allow_empty:
            raise PermanentError("refusing to send an empty message")
        return Message(content=None, view=view)
    if len(body) <= MAX_CONTENT:
        return Message(content=body, view=view)
    if len(body) > MAX_EMBED:
        log.warning("text of %d characters cut to Discord's %d", len(body), MAX_EMBED)
        body = body[: MAX_EMBED - 1] + "…"
    return Message(content=None, embeds=[discord.Embed(description=body)], view=view)


def custom_id(action_id: str, value: str) -> str:
    """A button's `custom_id` is `action_id:value`, read back up to the last colon, so action
    ids may hold colons (`moderation:warn`) and values may not."""
    if ":" in value:
        raise PermanentError(f"button {action_id!r}: its value {value!r} must not contain ':'")
    result = f"{action_id}:{value}"
    if len(result) > MAX_CUSTOM_ID:
        raise PermanentError(
            f"button {action_id!r}: action id and value exceed Discord's {MAX_CUSTOM_ID} "
            f"characters ({len(result)})"
        )
    return result


def buttons(items: tuple[Button, ...]) -> discord.ui.View | None:
    if not items:
        return None
    if len(items) > MAX_BUTTONS:
        raise PermanentError(f"{len(items)} buttons; a Discord message holds {MAX_BUTTONS}")
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(discord.ui.Button(
            label=item.label[:80], custom_id=custom_id(item.action_id, item.value),
            style=BUTTON_STYLES.get(item.style, discord.ButtonStyle.secondary),
        ))
    view.stop()  # serialise only; clicks are handled as raw interactions
    return view


def modal(form: Form, modal_id: str) -> discord.ui.Modal:
    """A modal; `modal_id` brings the form id and its context back with the submission."""
    if not 1 <= len(form.fields) <= MAX_MODAL_FIELDS:
        raise PermanentError(f"a Discord modal holds 1 to {MAX_MODAL_FIELDS} fields")
    dialog = discord.ui.Modal(title=form.title[:45], custom_id=modal_id, timeout=None)
    for spec in form.fields:
        component: discord.ui.Item[discord.ui.Modal]
        if spec.kind == "select":
            component = discord.ui.Select(
                custom_id=spec.field_id, required=spec.required,
                options=[discord.SelectOption(label=label[:100], value=value[:100])
                         for value, label in spec.options[:25]],
            )
        else:
            style = (discord.TextStyle.paragraph if spec.kind == "multiline"
                     else discord.TextStyle.short)
            component = discord.ui.TextInput(
                custom_id=spec.field_id, style=style, required=spec.required,
                max_length=max(1, min(spec.max_length, 4000)),
            )
        dialog.add_item(discord.ui.Label(text=spec.label[:45], component=component))
    dialog.stop()  # the submission arrives as a raw interaction, like button clicks
    return dialog


def emoji(name: str, custom: Callable[[str], str | None]) -> str:
    """What `add_reaction` accepts: a unicode emoji, or `name:id` for a server's own emoji."""
    bare = name.strip().strip(":")
    if bare in EMOJI:
        return EMOJI[bare]
    if bare and not bare.isascii():
        return bare
    found = custom(bare) if bare else None
    if found is None:
        raise PermanentError(
            f"unknown emoji {name!r}: use a unicode emoji, a common name like "
            "white_check_mark, or the name of one of the server's emoji"
        )
    return found
