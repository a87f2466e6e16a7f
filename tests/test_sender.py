"""The outbox sender: paced, retried, in order per channel, each message sent once."""

from __future__ import annotations

import time
from datetime import timedelta

from bot.chat import PermanentError, RateLimited, TransientError
from bot.clock import ManualClock
from bot.events import ChannelRef, MessageRef, UserRef
from bot.pacing import Pace
from bot.platforms.console.workspace import ConsoleWorkspace
from bot.sender import OutboxSender, RetryPolicy
from bot.text import Text
from storage.db import Store
from storage.directory import Directory
from storage.outbox import Outbox, pending_count
from tests.events import CONSOLE


class FlakyWorkspace(ConsoleWorkspace):
    """A console workspace whose next posts fail as scripted."""

    def __init__(self, failures: list[Exception], pace: Pace | None = None) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0
        if pace is not None:
            self.pace = pace

    async def post(self, channel, text, *, thread_id, key):
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        return await super().post(channel, text, thread_id=thread_id, key=key)


def enqueue(store: Store, clock: ManualClock, *posts: tuple[str, str]) -> None:
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, clock.now())
        outbox = Outbox(session, platform="console", community_id=community_id, now=clock.now())
        for channel, text in posts:
            outbox.post(ChannelRef(id=channel), text)


def texts(workspace: ConsoleWorkspace) -> list[str]:
    return [m.text for m in workspace.messages]


async def test_rate_limit_retry_after_is_waited_out_and_message_sent_once(
    store: Store, clock: ManualClock
) -> None:
    chat = FlakyWorkspace([RateLimited(0.3)])
    sender = OutboxSender(store, {"console": chat}, clock)
    enqueue(store, clock, ("general", "hello"))

    started = time.monotonic()
    await sender.drain()

    assert time.monotonic() - started >= 0.3
    assert texts(chat) == ["hello"]
    assert chat.attempts == 2 and sender.stats.rate_limited == 1 and sender.stats.sent == 1


async def test_transient_failure_is_retried_after_backoff(store: Store, clock: ManualClock) -> None:
    chat = FlakyWorkspace([TransientError("502 bad gateway")])
    sender = OutboxSender(store, {"console": chat}, clock, retry=RetryPolicy(backoff_base=30))
    enqueue(store, clock, ("general", "first"), ("general", "second"))

    await sender.drain()
    assert texts(chat) == []  # the lane waits behind its failed head, keeping order
    clock.advance(timedelta(seconds=20))
    await sender.drain()
    assert texts(chat) == []
    clock.advance(timedelta(seconds=30))
    await sender.drain()

    assert texts(chat) == ["first", "second"]
    with store.session() as session:
        assert pending_count(session) == 0


async def test_permanent_failure_is_given_up_and_the_lane_goes_on(
    store: Store, clock: ManualClock
) -> None:
    chat = FlakyWorkspace([PermanentError("channel_not_found")])
    sender = OutboxSender(store, {"console": chat}, clock)
    enqueue(store, clock, ("general", "lost"), ("general", "kept"))

    await sender.drain()

    assert texts(chat) == ["kept"]
    assert sender.stats.failed == 1 and chat.attempts == 2


async def test_a_post_held_back_by_a_long_retry_after_is_not_overtaken_in_its_channel(
    store: Store, clock: ManualClock
) -> None:
    chat = FlakyWorkspace([RateLimited(0.05)])
    sender = OutboxSender(store, {"console": chat}, clock, retry=RetryPolicy(wait_in_place=0.01))
    enqueue(store, clock, ("general", "first"), ("general", "second"))
    await sender.drain()
    assert texts(chat) == []  # "first" is stored until its Retry-After, "second" behind it

    enqueue(store, clock, ("general", "third"), ("help", "elsewhere"))
    await sender.drain()
    assert texts(chat) == ["elsewhere"]  # only the other channel goes on

    clock.advance(timedelta(seconds=1))
    await sender.drain()
    assert texts(chat) == ["elsewhere", "first", "second", "third"]
    assert sender.stats.sent == 4 and chat.attempts == 5  # one refused, four delivered


async def test_a_channel_post_enqueued_after_a_dm_backlog_goes_out_with_the_first_batch(
    store: Store, clock: ManualClock
) -> None:
    """A burst's public welcome is not held back until every newcomer's DM was sent."""
    chat = ConsoleWorkspace()
    sender = OutboxSender(store, {"console": chat}, clock, batch=50)
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, clock.now())
        outbox = Outbox(session, platform="console", community_id=community_id, now=clock.now())
        for n in range(500):
            outbox.dm(UserRef(id=f"newcomer{n}"), "welcome! here is how to start")
        outbox.post(ChannelRef(id="welcome"), "please welcome our 500 newcomers")

    await sender.send_due()  # one batch of 50

    assert len(chat.messages) == 50
    assert "please welcome our 500 newcomers" in texts(chat)
    await sender.drain()
    assert len(chat.messages) == 501 and sender.stats.sent == 501


async def test_gives_up_after_max_attempts(store: Store, clock: ManualClock) -> None:
    chat = FlakyWorkspace([TransientError("timeout")] * 3)
    sender = OutboxSender(store, {"console": chat}, clock,
                          retry=RetryPolicy(max_attempts=3, backoff_base=1))
    enqueue(store, clock, ("general", "never"))
    for _ in range(4):
        await sender.drain()
        clock.advance(timedelta(seconds=10))

    assert texts(chat) == [] and chat.attempts == 3 and sender.stats.failed == 1


async def test_per_channel_pace_spaces_posts_but_channels_run_in_parallel(
    store: Store, clock: ManualClock
) -> None:
    chat = FlakyWorkspace([], pace=Pace(channel_rate=10, channel_burst=1))
    sender = OutboxSender(store, {"console": chat}, clock)
    enqueue(store, clock, *[("general", f"g{i}") for i in range(4)])

    started = time.monotonic()
    await sender.drain()
    one_channel = time.monotonic() - started
    assert one_channel >= 0.3  # 4 posts, one token per 0.1 s after the first

    for name in ("help", "welcome", "introductions", "announcements"):
        enqueue(store, clock, (name, f"to {name}"))
    started = time.monotonic()
    await sender.drain()
    assert time.monotonic() - started < 0.2  # four channels, one post each: no waiting

    assert texts(chat)[:4] == ["g0", "g1", "g2", "g3"]


async def test_update_of_an_unsent_post_waits_for_it(store: Store, clock: ManualClock) -> None:
    chat = FlakyWorkspace([TransientError("flaky")])
    sender = OutboxSender(store, {"console": chat}, clock, retry=RetryPolicy(backoff_base=5))
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, clock.now())
        outbox = Outbox(session, platform="console", community_id=community_id, now=clock.now())
        outbox.post(ChannelRef(id="moderators"), "case #1: open", key="case-1")
        outbox.update_sent("case-1", Text.of("case #1: dismissed"))

    await sender.drain()
    clock.advance(timedelta(seconds=10))
    await sender.drain()

    assert texts(chat) == ["case #1: dismissed"]
    with store.session() as session:
        assert pending_count(session) == 0


async def test_same_key_enqueued_twice_is_sent_once(store: Store, clock: ManualClock) -> None:
    chat = ConsoleWorkspace()
    sender = OutboxSender(store, {"console": chat}, clock)
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, clock.now())
        outbox = Outbox(session, platform="console", community_id=community_id, now=clock.now())
        assert outbox.post(ChannelRef(id="general"), "once", key="k1")
        assert not outbox.post(ChannelRef(id="general"), "once", key="k1")
    await sender.drain()
    assert texts(chat) == ["once"]


async def test_react_and_delete_reach_the_platform(store: Store, clock: ManualClock) -> None:
    chat = ConsoleWorkspace()
    sender = OutboxSender(store, {"console": chat}, clock)
    message = chat.record(ChannelRef(id="general"), chat.user("ana"), "spam spam")
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, clock.now())
        outbox = Outbox(session, platform="console", community_id=community_id, now=clock.now())
        outbox.react(message.ref, "eyes")
        outbox.delete(MessageRef(channel=message.ref.channel, id=message.ref.id))
    await sender.drain()
    assert message.reactions == {"eyes": {"bot"}} and message.deleted
