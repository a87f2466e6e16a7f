"""The console workspace, driven as a person would: typed lines in, conversation out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from bot.community_config import CommunityConfig
from bot.platforms.console.demo import play_demo
from bot.platforms.console.runner import run_console
from storage.db import Store

ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str, stdin: str = "", cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("DATABASE_URL", None)
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        cwd=cwd, env=env, timeout=60,
    )


def test_console_through_a_pipe_welcomes_and_remembers_across_restarts(tmp_path: Path) -> None:
    script = "/join ana\n/advance 3m\n/as ana\nhello everyone\n/community help\n/quit\n"
    first = run_cli("console", stdin=script, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "DM to ana (only they see this)" in out and "welcome to Example Community" in out
    assert "#welcome" in out and "Please give a warm welcome to @ana!" in out
    assert "#general ana: hello everyone" in out
    assert "(only ana sees this)" in out and "/community help" in out

    again = run_cli("console", stdin="/join ana\n/advance 3m\n", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "warm welcome" not in again.stdout and "DM to ana" not in again.stdout
    assert (tmp_path / "data" / "community-bot.db").is_file()


def test_console_explains_mistakes_instead_of_crashing(tmp_path: Path) -> None:
    script = "\n".join([
        "/frobnicate", "/reply x", "/react 99 👍", "/advance soon", "/in #nowhere",
        "/click 7", "/community \"unbalanced", "/community nosuch", "x" * 50_000, "/quit",
    ])
    result = run_cli("console", stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "unknown console command /frobnicate" in out
    assert "usage: /reply N TEXT" in out
    assert "no message #99" in out
    assert "not a duration: 'soon'" in out
    assert "no channel #nowhere" in out
    assert "usage: /click N or /click LABEL" in out
    assert "could not read the arguments" in out
    assert "I don't know `/community nosuch`" in out
    assert "Traceback" not in result.stderr


def test_console_in_a_terminal_shows_a_prompt(tmp_path: Path) -> None:
    import pty

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on a real terminal
        os.chdir(tmp_path)
        os.execvpe(sys.executable, [sys.executable, "-m", "bot", "console"], env)
    output = b""

    def read_until(marker: bytes) -> None:
        nonlocal output
        while marker not in output:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"console ended before {marker!r}: {output!r}")
            output += chunk

    read_until(b"you in #general> ")
    os.write(fd, b"/as ana\n")
    read_until(b"ana in #general> ")
    os.write(fd, b"/quit\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0


async def test_demo_shows_newcomers_welcomed_publicly_and_privately(
    sqlite_store: Store, config: CommunityConfig
) -> None:
    console = Console(record=True, width=200, color_system=None)
    session = await play_demo(config, sqlite_store, console=console)
    out = console.export_text()
    assert out.count("welcome to Example Community!") == 3  # three private DMs
    assert "Please give a warm welcome to @ana, @ben and @chloe!" in out
    assert out.count("warm welcome") == 1  # nobody welcomed twice, even after a rejoin
    assert "thread of #5" in out
    assert "you are a manager" in out
    assert session.workspace.messages


async def test_scripted_console_posts_replies_reactions_and_edits_into_the_store(
    sqlite_store: Store, config: CommunityConfig
) -> None:
    from sqlalchemy import select

    from storage.models import Message, Reaction

    console = Console(record=True, width=200, color_system=None)
    await run_console(config, sqlite_store, console=console, lines=[
        "/as ana", "first post", "/as ben", "/reply 1 a reply", "/react 1 ✅",
        "/as ana", "/edit 1 first post, edited", "/delete 1",
    ])
    with sqlite_store.session() as session:
        rows = session.execute(
            select(Message.text, Message.thread_external_id, Message.deleted_at.is_not(None))
            .order_by(Message.id)
        ).all()
        reactions = session.execute(select(Reaction.emoji)).scalars().all()
    assert rows[0][0] == "first post, edited" and rows[0][2]  # text kept after deletion
    assert rows[1][0] == "a reply" and rows[1][1] is not None
    assert reactions == ["✅"]
