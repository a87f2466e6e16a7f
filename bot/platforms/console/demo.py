"""`community-bot demo`: a scripted tour of every feature, played through the console."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from rich.console import Console

from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.platforms.console.runner import run_console
from bot.platforms.console.session import ConsoleSession
from storage.db import Store

# Monday morning, so a week of programming unfolds in order.
DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Each chapter is typed into the console in order. Lines starting with "# " are narration;
# messages are referred to as `last` (the latest member message in the channel) so that
# chapters do not depend on each other's message numbers.
WELCOME_WAGON = """\
# Welcome wagon: three people join within a minute.
/join ana
/join ben
/advance 30s
/join chloe
# Each got a private getting-started DM; once the batch window passes, one public welcome.
/advance 2m
# Ana leaves and comes back: nobody is welcomed twice.
/leave ana
/join ana
/advance 3m
"""

CONVERSATION = """\
# Members talk; the bot records who says what, in threads too.
/as ana
/in introductions
Hi all, I'm Ana, I build data pipelines.
/as ben
/reply last Welcome Ana! Ben here, I do infra.
"""

COMMANDS = """\
# Anyone can ask the bot what it can do; managers see more.
/in general
/community help
/as maria
/community help
"""

CHAPTERS: tuple[str, ...] = (WELCOME_WAGON, CONVERSATION, COMMANDS)


async def play_demo(
    config: CommunityConfig, store: Store, console: Console | None = None
) -> ConsoleSession:
    out = console or Console(highlight=False)
    return await run_console(
        config, store, lines=_narrated("".join(CHAPTERS), out), echo=True,
        clock=ManualClock(DEMO_START), console=out,
    )


def _narrated(script: str, out: Console) -> Iterator[str]:
    for line in script.splitlines():
        if line.startswith("# "):
            out.print(f"\n[bold blue]── {line[2:]}[/]")
        elif line.strip():
            yield line
