"""Moderation in the console: `/flag`, `/dm` and `/submit` drive the same events as Slack and
Discord, and the demo shows a case from flag to decision to appeal."""

from __future__ import annotations

import re

from rich.console import Console

from bot.community_config import CommunityConfig
from bot.platforms.console.demo import play_demo
from bot.platforms.console.runner import run_console
from storage.db import Store


async def play(config: CommunityConfig, store: Store, lines: list[str]) -> str:
    console = Console(record=True, width=200, color_system=None)
    await run_console(config, store, console=console, lines=lines)
    return console.export_text()


async def test_console_flags_warns_with_a_note_and_takes_an_appeal(
    sqlite_store: Store, config: CommunityConfig
) -> None:
    out = await play(config, sqlite_store, [
        "/as sam", "Cheap followers at spam.example",
        "/as quinn", "/flag last spam ads again", "/as rhea", "/flag 1 off-topic",
        "/as tess", "/flag last spam",
        "/as mo", "/click Warn author", "/submit No ads, please.",
        "/as sam", "/dm Understood, sorry.",
        "/as mo", "/community modlog @sam",
    ])

    assert "(only quinn sees this) 🤖 bot: Thanks, your flag is in." in out
    assert "#moderators 🤖 bot: 🚩 Case #1: score 3 (review at 3)" in out
    assert "Reasons: spam ×2, off-topic" in out
    assert "DM to sam (only they see this) 🤖 bot: A moderator is warning you" in out
    assert "Moderator's note: No ads, please." in out
    assert "• Warned the author by @mo" in out
    assert "📨 Appeal on case #1 from @sam:\n> Understood, sorry." in out
    assert "Moderation history of @sam:" in out and "author warned by @mo" in out


async def test_console_explains_flag_dm_and_submit_mistakes(
    sqlite_store: Store, config: CommunityConfig
) -> None:
    out = await play(config, sqlite_store, [
        "/flag", "/flag x spam", "/flag 99 spam", "/flag 1", "/dm", "/submit",
        "hello", "/flag last boring", "/flag last spam",
    ])

    assert "usage: /flag N REASON [NOTE]" in out
    assert "no message #99" in out
    assert "usage: /dm TEXT" in out
    assert "no form is open" in out
    assert "Please choose a reason: spam, harassment, off-topic, other." in out
    assert "That's your own message" in out  # `you` flagged your own message


async def test_demo_shows_a_case_from_flag_to_decision_to_appeal(
    sqlite_store: Store, config: CommunityConfig
) -> None:
    console = Console(record=True, width=200, color_system=None)
    await play_demo(config, sqlite_store, console=console)
    out = console.export_text()
    chapter = out[out.index("── Moderation"):]

    assert "🚩 Case #1: score 4 (review at 3)" in chapter
    assert "(message removed)" in chapter
    assert "DM to sam (only they see this) 🤖 bot: A moderator removed your message" in chapter
    assert "Our code of conduct: https://example.org/code-of-conduct" in chapter
    assert "📨 Appeal on case #1 from @sam" in chapter
    assert "case #1 (@sam in #general): removed by @mo" in chapter
    first_case = chapter.split("🚩 Case #1", 1)[1].split("Open: waiting for a moderator.")[0]
    assert not re.search(r"\b(ana|ben|chloe)\b", first_case)  # no flagger is named
