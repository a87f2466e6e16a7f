"""Limiters that pace outgoing calls to a platform's limits, in real (monotonic) time: token
buckets (Slack's tiers, per-channel limits) and a sliding window (Discord's global "50
requests in any second"). Waiters are served in arrival order, one sleeping at a time, so a
burst of queued sends neither stampedes on every freed token nor overtakes itself."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pace:
    """A platform's send limits: overall and per channel (rate per second, burst).

    With `global_window` set, the overall limit is a sliding window of `global_rate ×
    global_window` calls in any `global_window` seconds instead of a token bucket: it may
    spend a whole window's worth at once yet never exceeds the count in any window."""

    global_rate: float = 0.0  # 0 = unlimited
    global_burst: int = 1
    channel_rate: float = 0.0
    channel_burst: int = 1
    global_window: float = 0.0


class Limiter:
    """What the sender and the adapters need of a limiter."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._blocked_until = 0.0
        self._turn = asyncio.Lock()

    def wait_time(self, calls: int = 1) -> float:
        """Seconds until `calls` may be made (0 when they may be made now)."""
        return max(0.0, self._blocked_until - self._now())

    def take(self, calls: int = 1) -> None:
        """Count `calls` made now."""

    def settled(self, calls: int = 1) -> None:
        """The `calls` taken earlier have been answered."""

    def block_for(self, seconds: float) -> None:
        """The platform said to wait (429 Retry-After): nothing goes out until then."""
        self._blocked_until = max(self._blocked_until, self._now() + seconds)

    async def acquire(self, calls: int = 1, *, ahead: bool = False) -> None:
        """Wait for the budget and take it: first come, first served, except that a caller
        `ahead` does not queue (a channel with a backlog, which its own channel limit already
        holds to a trickle, must not wait behind every single-message lane)."""
        if ahead:
            await self._wait_and_take(calls)
            return
        async with self._turn:
            await self._wait_and_take(calls)

    async def _wait_and_take(self, calls: int) -> None:
        while (wait := self.wait_time(calls)) > 0:
            await asyncio.sleep(wait)
        self.take(calls)


class TokenBucket(Limiter):
    def __init__(
        self, rate: float, burst: int, now: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(now)
        self.rate = rate
        self.capacity = max(1, burst)
        self.tokens = float(self.capacity)
        self._stamp = now()

    def _refill(self) -> float:
        t = self._now()
        self.tokens = min(self.capacity, self.tokens + (t - self._stamp) * self.rate)
        self._stamp = t
        return t

    def wait_time(self, calls: int = 1) -> float:
        if self.rate <= 0:
            return super().wait_time(calls)
        t = self._refill()
        blocked = max(0.0, self._blocked_until - t)
        need = min(calls, self.capacity)  # a bigger cost waits for a full bucket, then owes
        missing = 0.0 if self.tokens >= need else (need - self.tokens) / self.rate
        return max(blocked, missing)

    def take(self, calls: int = 1) -> None:
        if self.rate > 0:
            self._refill()
            self.tokens -= calls

    def block_for(self, seconds: float) -> None:
        super().block_for(seconds)
        if self.rate > 0:
            self.tokens = min(self.tokens, 0.0)


class SlidingWindow(Limiter):
    """At most `limit` calls in any `window` seconds, as the platform counts them.

    A call counts from when it is taken until a window after it was answered: the platform
    saw it somewhere in between, and a burst whose first calls were slow to leave (new
    connections, a busy loop) must not let the next window's calls catch up with them."""

    POLL = 0.005  # seconds between looks while the window is full of unanswered calls

    def __init__(
        self, limit: int, window: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(now)
        self.limit = max(1, limit)
        self.window = window
        self._answered: deque[float] = deque()
        self._in_flight = 0

    def _forget(self, t: float) -> None:
        while self._answered and self._answered[0] <= t - self.window:
            self._answered.popleft()

    def wait_time(self, calls: int = 1) -> float:
        t = self._now()
        self._forget(t)
        blocked = max(0.0, self._blocked_until - t)
        over = len(self._answered) + self._in_flight + min(calls, self.limit) - self.limit
        if over <= 0:
            missing = 0.0
        elif over <= len(self._answered):
            missing = self._answered[over - 1] + self.window - t
        else:
            missing = self.POLL
        return max(blocked, missing)

    def take(self, calls: int = 1) -> None:
        self._in_flight += calls

    def settled(self, calls: int = 1) -> None:
        calls = min(calls, self._in_flight)
        self._in_flight -= calls
        self._answered.extend([self._now()] * calls)


class Pacer:
    """One overall limiter and one token bucket per channel for a platform."""

    def __init__(self, pace: Pace) -> None:
        self.pace = pace
        self.global_bucket: Limiter = (
            SlidingWindow(round(pace.global_rate * pace.global_window), pace.global_window)
            if pace.global_window > 0 and pace.global_rate > 0
            else TokenBucket(pace.global_rate, pace.global_burst)
        )
        self._channels: dict[str, TokenBucket] = {}

    def channel(self, lane: str) -> TokenBucket:
        bucket = self._channels.get(lane)
        if bucket is None:
            bucket = self._channels[lane] = TokenBucket(
                self.pace.channel_rate, self.pace.channel_burst
            )
        return bucket

    async def acquire(self, lane: str, calls: int = 1, *, backlog: bool = False) -> None:
        """One message in `lane`, costing `calls` platform calls overall; call `settled`
        with the same `calls` once it was answered (or failed). A lane with a `backlog` of
        messages goes ahead of the queue for the overall limit (see `Limiter.acquire`)."""
        await self.channel(lane).acquire()
        await self.global_bucket.acquire(calls, ahead=backlog)

    def settled(self, calls: int = 1) -> None:
        self.global_bucket.settled(calls)
