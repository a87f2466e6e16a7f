"""Neutral text and forms in Slack's terms: mrkdwn with `<@U…>` / `<#C…>` mentions, Block Kit
sections and buttons, and modal / home views — within Slack's size limits, so an odd or huge
text is cut rather than refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.chat import Form, FormField
from bot.events import ChannelRef, UserRef
from bot.text import Button, Link, Text, linked_message

MAX_TEXT = 39_000  # Slack truncates message text at 40,000 characters
MAX_SECTION = 3_000
MAX_BUTTONS_PER_BLOCK = 25
MAX_BLOCKS = {"message": 50, "home": 100}
MAX_METADATA = 3_000  # a modal's private_metadata


def escape(text: str) -> str:
    """Slack's three control characters; everything else is sent as is."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit) or " ", "emoji": True}


def channels_to_resolve(text: Text) -> set[str]:
    """Names of channels the text mentions by name only (`ChannelRef(id="", name="help")`)."""
    return {seg.name.lower() for seg in text.segments
            if isinstance(seg, ChannelRef) and not seg.id and seg.name}


def permalink(team_url: str, channel_id: str, message_id: str) -> str:
    """Slack's archive link to a message (`ts` without its dot)."""
    return f"{team_url.rstrip('/')}/archives/{channel_id}/p{message_id.replace('.', '')}"


def mrkdwn(
    text: Text, channels: Mapping[str, ChannelRef] | None = None, team_url: str = ""
) -> str:
    """The message text; a channel named but unknown in Slack stays a plain `#name`; a link
    to a message becomes its permalink (or just its label before the team URL is known)."""
    channels = channels or {}
    out: list[str] = []
    for seg in text.segments:
        if isinstance(seg, str):
            out.append(escape(seg))
        elif isinstance(seg, UserRef):
            out.append(f"<@{seg.id}>")
        elif isinstance(seg, ChannelRef):
            found = seg if seg.id else channels.get((seg.name or "").lower())
            out.append(f"<#{found.id}>" if found and found.id else "#" + escape(seg.name or ""))
        elif isinstance(seg, Link):
            target = linked_message(seg)
            if target is not None and not team_url:
                out.append(escape(seg.label))
                continue
            url = permalink(team_url, *target) if target is not None else seg.url
            url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
            out.append(f"<{url}|{escape(seg.label)}>" if seg.label else f"<{url}>")
    return _cut("".join(out), MAX_TEXT)


def _chunks(text: str, size: int) -> list[str]:
    """Split at line breaks where possible, so a section never cuts a line in two."""
    chunks: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks


def _button(button: Button, action_id: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button", "action_id": action_id[:255], "text": plain(button.label),
        "value": button.value[:2000],
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def blocks(
    body: str, buttons: Sequence[Button], *, surface: str = "message"
) -> list[dict[str, Any]]:
    """Sections for the text, then actions blocks of up to 25 buttons each.

    Slack wants action_ids unique per block; a repeated one gets a `~n` suffix that
    `translate.block_actions` strips again, so features see their own ids.
    """
    seen: dict[str, int] = {}
    elements = []
    for button in buttons:
        count = seen[button.action_id] = seen.get(button.action_id, 0) + 1
        action_id = button.action_id if count == 1 else f"{button.action_id}~{count}"
        elements.append(_button(button, action_id))
    actions = [
        {"type": "actions", "elements": elements[start:start + MAX_BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), MAX_BUTTONS_PER_BLOCK)
    ]
    room = max(1, MAX_BLOCKS[surface] - len(actions))
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
                for chunk in _chunks(body, MAX_SECTION)][:room]
    return [*sections, *actions][: MAX_BLOCKS[surface]]


def home_view(body: str, buttons: Sequence[Button]) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks(body or " ", buttons, surface="home")}


def _input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any]
    if field.kind == "select":
        element = {
            "type": "static_select", "action_id": field.field_id,
            "options": [{"text": plain(label), "value": value[:150]}
                        for value, label in field.options[:100]],
        }
    else:
        element = {
            "type": "plain_text_input", "action_id": field.field_id,
            "multiline": field.kind == "multiline", "max_length": min(field.max_length, 3000),
        }
    return {
        "type": "input", "block_id": field.field_id, "label": plain(field.label, 2000),
        "optional": not field.required, "element": element,
    }


def modal(form: Form) -> dict[str, Any]:
    """A modal whose `callback_id` is the form id and whose private_metadata is its context."""
    if len(form.context) > MAX_METADATA:
        raise ValueError(f"form context is {len(form.context)} characters; Slack keeps 3000")
    return {
        "type": "modal", "callback_id": form.form_id, "title": plain(form.title, 24),
        "submit": plain(form.submit_label, 24), "close": plain("Cancel", 24),
        "private_metadata": form.context, "blocks": [_input(f) for f in form.fields],
    }
