"""A link to a message is neutral in features and a real permalink on each platform."""

from __future__ import annotations

from bot.platforms.discord import render as discord_render
from bot.platforms.slack import render as slack_render
from bot.text import Text, linked_message, message_link


def test_message_link_round_trips() -> None:
    link = message_link("C123", "1700000000.000100", "the question")
    assert linked_message(link) == ("C123", "1700000000.000100")


def test_slack_renders_a_message_link_as_its_archive_permalink() -> None:
    text = Text.of("Open {q}", q=message_link("C123", "1700000000.000100", "the question"))
    body = slack_render.mrkdwn(text, team_url="https://acme.slack.com/")
    assert body == "Open <https://acme.slack.com/archives/C123/p1700000000000100|the question>"
    assert slack_render.mrkdwn(text) == "Open the question"  # before auth.test answered


def test_discord_renders_a_message_link_as_a_jump_url() -> None:
    text = Text.of("Open {q}", q=message_link("42", "99", "the question"))
    body = discord_render.render_text(
        text, lambda name: None, lambda channel, message: f"https://discord.com/channels/7/{channel}/{message}"
    )
    assert body == "Open [the question](https://discord.com/channels/7/42/99)"
    assert discord_render.render_text(text, lambda name: None) == "Open the question"
