"""Platform-neutral message text: plain strings with mentions and links that adapters render.

Features never write `<@U123>` or `<#C1>`; they build a `Text` and each adapter renders the
mentions in its own syntax.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from bot.events import ChannelRef, UserRef


@dataclass(frozen=True)
class Link:
    url: str
    label: str = ""


Segment = str | UserRef | ChannelRef | Link


@dataclass(frozen=True)
class Button:
    """A button under a message; clicking it arrives as an `ActionClicked` event."""

    action_id: str
    label: str
    value: str = ""
    style: str = "default"  # default | primary | danger


@dataclass(frozen=True)
class Text:
    segments: tuple[Segment, ...] = ()
    buttons: tuple[Button, ...] = field(default=())

    @classmethod
    def of(cls, template: str, **values: Segment) -> Text:
        """`Text.of("Welcome {user} to {channel}!", user=u, channel=c)`."""
        segments: list[Segment] = []
        for literal, name, _spec, _conv in string.Formatter().parse(template):
            if literal:
                segments.append(literal)
            if name is not None:
                segments.append(values[name])
        return cls(tuple(segments))

    def __add__(self, other: Text | str) -> Text:
        other_text = Text((other,)) if isinstance(other, str) else other
        return Text(self.segments + other_text.segments, self.buttons + other_text.buttons)

    def with_buttons(self, *buttons: Button) -> Text:
        return Text(self.segments, self.buttons + buttons)

    def plain(self) -> str:
        """The text as a person reads it, mentions shown as names."""
        return self.render(
            user=lambda u: f"@{u.name or u.id}",
            channel=lambda c: f"#{c.name or c.id}",
            link=lambda link: f"{link.label} ({link.url})" if link.label else link.url,
        )

    def render(self, *, user: Any, channel: Any, link: Any) -> str:
        """Render with one function per segment kind: the adapters' hook."""
        out: list[str] = []
        for seg in self.segments:
            if isinstance(seg, str):
                out.append(seg)
            elif isinstance(seg, UserRef):
                out.append(user(seg))
            elif isinstance(seg, ChannelRef):
                out.append(channel(seg))
            else:
                out.append(link(seg))
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        def seg_json(seg: Segment) -> dict[str, Any]:
            if isinstance(seg, str):
                return {"t": seg}
            if isinstance(seg, UserRef):
                return {"user": seg.id, "name": seg.name}
            if isinstance(seg, ChannelRef):
                return {"channel": seg.id, "name": seg.name}
            return {"link": seg.url, "label": seg.label}

        return {
            "segments": [seg_json(s) for s in self.segments],
            "buttons": [b.__dict__ for b in self.buttons],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Text:
        def seg_from(d: dict[str, Any]) -> Segment:
            if "t" in d:
                return d["t"]
            if "user" in d:
                return UserRef(id=d["user"], name=d.get("name"))
            if "channel" in d:
                return ChannelRef(id=d["channel"], name=d.get("name"))
            return Link(url=d["link"], label=d.get("label", ""))

        return cls(
            tuple(seg_from(d) for d in data.get("segments", [])),
            tuple(Button(**b) for b in data.get("buttons", [])),
        )


MESSAGE_SCHEME = "message:"


def message_link(channel_id: str, message_id: str, label: str) -> Link:
    """A link to a message, in a neutral form each adapter turns into its own permalink."""
    return Link(url=f"{MESSAGE_SCHEME}{channel_id}/{message_id}", label=label)


def linked_message(link: Link) -> tuple[str, str] | None:
    """(channel id, message id) when `link` points at a message, else None."""
    if not link.url.startswith(MESSAGE_SCHEME):
        return None
    channel_id, _, message_id = link.url[len(MESSAGE_SCHEME):].partition("/")
    return (channel_id, message_id) if channel_id and message_id else None


def as_text(value: Text | str) -> Text:
    return Text((value,)) if isinstance(value, str) else value
