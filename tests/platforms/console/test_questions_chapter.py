"""The demo's unanswered-questions chapter, typed into the console on its own."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.platforms.console.demo import UNANSWERED_QUESTIONS
from bot.platforms.console.runner import run_console
from storage.db import Store


async def test_the_chapter_walks_a_question_from_help_to_a_champion_to_the_faq(
    sqlite_store: Store, config: CommunityConfig
) -> None:
    console = Console(record=True, width=200, color_system=None)
    lines = [line for line in UNANSWERED_QUESTIONS.splitlines()
             if line.strip() and not line.startswith("# ")]
    await run_console(config, sqlite_store, lines=lines, echo=True, console=console,
                      clock=ManualClock(datetime(2026, 3, 9, 9, 30, tzinfo=UTC)))
    out = console.export_text()
    assert "DM to chloe (only they see this) 🤖 bot: 👋 Could you help? @ana asked in #help" in out
    assert "I'll take it  (/click" in out and "Not mine  (/click" in out
    assert "@ana, no answer yet, so I've asked one of our champions to have a look." in out
    assert "👍 No problem, I'll ask someone else." in out
    assert "DM to ben (only they see this) 🤖 bot: 👋 Could you help?" in out
    assert "asked @chloe (passed), @ben (pending)" in out
    assert "@ana, @ben is looking into this. 🙌" in out
    assert "Questions: 0 open — 0 past their SLA, 0 at risk. 1 answered in the last 7 days." in out
    assert "A: Set autovacuum_enabled = false on that table during the import" in out
    assert "still unanswered" not in out  # the chain stopped before the managers
