"""Starts the console workspace: the bot wired to a `ConsoleWorkspace`, fed typed or scripted
lines."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable

from rich.console import Console

from bot.app import build
from bot.assist import Assist
from bot.clock import ManualClock, OffsetClock
from bot.community_config import CommunityConfig
from bot.platforms.console.session import ConsoleSession
from bot.platforms.console.workspace import ConsoleWorkspace
from storage.db import Store

PROMPT_HINT = "Console workspace. /help lists commands, /quit leaves."


async def run_console(
    config: CommunityConfig, store: Store, *, lines: Iterable[str] | None = None,
    echo: bool = False, clock: OffsetClock | ManualClock | None = None,
    console: Console | None = None, assist: Assist | None = None,
) -> ConsoleSession:
    """Drive the console with `lines` (a script) or standard input; returns the session.
    With an `assist` (OPENAI_API_KEY set), questions are classified by it as on Slack."""
    out = console or Console(highlight=False)
    clock = clock or OffsetClock()
    session_ref: list[ConsoleSession] = []
    workspace = ConsoleWorkspace(show=lambda m, b: session_ref[0].show(m, b))
    ctx = build(config, store, {"console": workspace}, clock=clock, assist=assist)
    session = ConsoleSession(ctx, workspace, clock, out)
    session_ref.append(session)
    assert ctx.sender is not None
    await ctx.sender.drain()  # anything a previous run left queued
    interactive = lines is None and sys.stdin.isatty()
    if lines is None:
        out.print(f"[dim]{PROMPT_HINT}[/]")
    source = iter(lines) if lines is not None else None
    while session.running:
        if source is not None:
            line = next(source, None)
        else:
            prompt = f"{session.actor.user.id} in #{session.actor.channel.name}> "
            line = await asyncio.to_thread(_read_line, prompt if interactive else "")
        if line is None:
            break
        if echo:
            out.print(f"\n[bold]{session.actor.user.id}>[/] {line}")
        await session.handle_line(line)
    return session


def _read_line(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None
