"""Token buckets that pace outgoing calls to a platform's limits, in real (monotonic) time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pace:
    """A platform's send limits: overall and per channel (rate per second, burst)."""

    global_rate: float = 0.0  # 0 = unlimited
    global_burst: int = 1
    channel_rate: float = 0.0
    channel_burst: int = 1


class TokenBucket:
    def __init__(
        self, rate: float, burst: int, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.capacity = max(1, burst)
        self.tokens = float(self.capacity)
        self._now = now
        self._stamp = now()
        self._blocked_until = 0.0

    def _refill(self) -> float:
        t = self._now()
        self.tokens = min(self.capacity, self.tokens + (t - self._stamp) * self.rate)
        self._stamp = t
        return t

    def wait_time(self) -> float:
        """Seconds until a token is free (0 when one is free now)."""
        if self.rate <= 0:
            return max(0.0, self._blocked_until - self._now())
        t = self._refill()
        blocked = max(0.0, self._blocked_until - t)
        missing = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(blocked, missing)

    def take(self) -> None:
        if self.rate > 0:
            self._refill()
            self.tokens -= 1

    def block_for(self, seconds: float) -> None:
        """The platform said to wait (429 Retry-After): no token until then."""
        self._blocked_until = max(self._blocked_until, self._now() + seconds)
        if self.rate > 0:
            self.tokens = min(self.tokens, 0.0)

    async def acquire(self) -> None:
        while (wait := self.wait_time()) > 0:
            await asyncio.sleep(wait)
        self.take()


class Pacer:
    """One global bucket and one bucket per channel for a platform."""

    def __init__(self, pace: Pace) -> None:
        self.pace = pace
        self.global_bucket = TokenBucket(pace.global_rate, pace.global_burst)
        self._channels: dict[str, TokenBucket] = {}

    def channel(self, lane: str) -> TokenBucket:
        bucket = self._channels.get(lane)
        if bucket is None:
            bucket = self._channels[lane] = TokenBucket(
                self.pace.channel_rate, self.pace.channel_burst
            )
        return bucket

    async def acquire(self, lane: str) -> None:
        await self.channel(lane).acquire()
        await self.global_bucket.acquire()
