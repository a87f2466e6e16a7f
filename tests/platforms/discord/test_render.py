"""Rendering neutral text for Discord (no server needed)."""

from __future__ import annotations

import pytest

from bot.chat import Form, FormField, PermanentError
from bot.events import ChannelRef, UserRef
from bot.platforms.discord import render
from bot.text import Button, Link, Text


def channels(name: str) -> int | None:
    return {"help": 42}.get(name)


def test_mentions_links_and_unknown_channels_render_as_members_read_them() -> None:
    text = Text.of("{u} see {c}, {x}, {c2} and {link}", u=UserRef(id="7", name="ana"),
                   c=ChannelRef(id="", name="help"), x=ChannelRef(id="", name="nowhere"),
                   c2=ChannelRef(id="99"), link=Link("https://example.org", "the docs"))
    assert render.render_text(text, channels) == (
        "<@7> see <#42>, #nowhere, <#99> and [the docs](https://example.org)"
    )


async def test_long_texts_become_an_embed_and_buttons_carry_action_and_value() -> None:
    long = Text(("x" * 2500,)).with_buttons(Button("moderation:warn", "Warn", "12", "danger"))
    message = render.message(long, channels)
    assert message.content is None and len(message.embeds[0].description or "") == 2500
    [row] = message.view.to_components() if message.view else []
    assert row["components"][0]["custom_id"] == "moderation:warn:12"
    huge = render.message(Text(("y" * 9000,)), channels)
    assert len(huge.embeds[0].description or "") == render.MAX_EMBED


async def test_what_discord_cannot_carry_is_refused_with_the_reason() -> None:
    with pytest.raises(PermanentError, match="must not contain ':'"):
        render.buttons((Button("a", "A", "x:y"),))
    with pytest.raises(PermanentError, match="1 to 5 fields"):
        render.modal(Form("f", "Too many", tuple(FormField(str(i), "L") for i in range(6))), "f:")
    with pytest.raises(PermanentError, match="empty message"):
        render.message(Text(("  ",)), channels)


def test_emoji_names_nonces_and_custom_emoji() -> None:
    assert render.emoji("white_check_mark", lambda name: None) == "✅"
    assert render.emoji(":🚩:", lambda name: None) == "🚩"
    assert render.emoji("partyparrot", lambda name: "partyparrot:123") == "partyparrot:123"
    with pytest.raises(PermanentError, match="unknown emoji"):
        render.emoji("nope", lambda name: None)
    assert render.nonce_for("welcome-dm:1:2") == render.nonce_for("welcome-dm:1:2")
    assert len(render.nonce_for("k" * 500)) <= 25
