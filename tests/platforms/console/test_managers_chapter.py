"""The demo's last chapter, the manager's view, typed into the console after a little talk."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.platforms.console.demo import CHAPTERS, MANAGERS_VIEW
from bot.platforms.console.runner import run_console
from storage.db import Store

TALK = ["/join ana", "/join ben", "/as ana", "/in help", "How do I export my data?",
        "/advance 20m", "/as ben", "/reply last Settings, then Export: CSV or JSON."]


async def test_the_manager_sees_the_numbers_and_the_digest_arrives_on_monday_once(
    sqlite_store: Store, config: CommunityConfig
) -> None:
    assert CHAPTERS[-1] == MANAGERS_VIEW
    console = Console(record=True, width=200, color_system=None)
    lines = TALK + [line for line in MANAGERS_VIEW.splitlines()
                    if line.strip() and not line.startswith("# ")]
    session = await run_console(config, sqlite_store, lines=lines, echo=True, console=console,
                                clock=ManualClock(datetime(2026, 3, 6, 14, 5, tzinfo=UTC)))
    out = console.export_text()

    assert "#community-managers 🤖 bot: Community health:" in out  # --post: for the team
    assert "(only maria sees this) 🤖 bot: Participation ladder" in out
    assert "(only maria sees this) 🤖 bot: Members at risk" in out
    assert "Time to first response: median 20m" in out
    assert out.count("📊 Example Community digest:") == 2  # on demand, then Monday's, once
    assert "🙏 People to thank: @ben (1 first response)" in out
    assert "📊 Example Community digest: Mon 02 Mar – Sun 08 Mar 2026" in out
    assert len(session.workspace.uploads) == 2
