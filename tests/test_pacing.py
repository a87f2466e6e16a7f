"""Pacing to platform limits: Discord's sliding window counted in requests, and a slow channel
that never holds back the rest of the outbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from bot.clock import ManualClock
from bot.events import ChannelRef
from bot.pacing import Pace, SlidingWindow
from bot.platforms.console.workspace import ConsoleWorkspace
from bot.sender import OutboxSender
from storage.db import Store
from storage.directory import Directory
from storage.outbox import Outbox
from tests.events import CONSOLE


def test_window_is_spent_at_once_then_waits_a_window_after_the_answers() -> None:
    now = [0.0]
    window = SlidingWindow(3, 1.0, now=lambda: now[0])
    window.take(2)  # a DM to a new member: open the channel, then post
    window.take(1)
    assert window.wait_time() == SlidingWindow.POLL  # full of calls not yet answered

    now[0] = 0.25
    window.settled(2)
    window.settled(1)
    assert window.wait_time() == pytest.approx(1.0)  # a window after the answers
    now[0] = 1.25
    assert window.wait_time(2) == 0


def test_a_call_costing_two_waits_for_two_free_places() -> None:
    now = [0.0]
    window = SlidingWindow(3, 1.0, now=lambda: now[0])
    window.take(1)
    window.settled(1)
    now[0] = 0.5
    window.take(1)
    window.settled(1)
    assert window.wait_time(1) == 0
    assert window.wait_time(2) == pytest.approx(0.5)  # the first call must age out


def enqueue(store: Store, clock: ManualClock, *posts: tuple[str, str]) -> None:
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, clock.now())
        outbox = Outbox(session, platform="console", community_id=community_id, now=clock.now())
        for channel, text in posts:
            outbox.post(ChannelRef(id=channel), text)


async def until(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_channel_with_a_backlog_does_not_hold_back_other_channels(
    store: Store, clock: ManualClock
) -> None:
    workspace = ConsoleWorkspace()
    workspace.pace = Pace(channel_rate=5, channel_burst=1)  # 0.2 s between posts per channel

    def posted(channel: str) -> list[str]:
        return [m.text for m in workspace.messages if m.ref.channel.id == channel]

    sender = OutboxSender(store, {"console": workspace}, clock, idle_poll=0.05)
    enqueue(store, clock, *[("welcome", f"welcome {n}") for n in range(5)])
    await sender.start()
    try:
        await until(lambda: bool(posted("welcome")))  # the backlog is being sent
        enqueue(store, clock, ("help", "an answer"))
        sender.wake()
        await until(lambda: bool(posted("help")))
        assert len(posted("welcome")) < 5  # it did not wait for the whole welcome backlog
        await until(lambda: len(posted("welcome")) == 5)
        assert posted("welcome") == [f"welcome {n}" for n in range(5)]  # still in order
    finally:
        await sender.stop()
