"""Rate limiting of the fake Slack: Web API tiers and the per-channel chat.postMessage limit."""

from __future__ import annotations

from collections.abc import Callable

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "apps.connections.open": 1,
    "files.upload": 2,
    "reactions.remove": 2,
    "chat.update": 3,
    "chat.delete": 3,
    "reactions.add": 3,
    "conversations.open": 3,
    "conversations.info": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.join": 3,
    "chat.postEphemeral": 4,
    "chat.getPermalink": 4,
    "users.info": 4,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}


class _Bucket:
    """Token bucket: ``capacity`` requests at once, refilled at ``rate`` per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity, self.rate, self.tokens, self.updated = capacity, rate, capacity, now

    def wait(self, now: float) -> float:
        """Seconds until one request is allowed (0 when allowed now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """Off until :meth:`enable`; then a token bucket per method and per posting channel."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.per_minute: dict[str, int] = {}
        self.channel_limit: tuple[float, int] | None = None
        self._buckets: dict[str, _Bucket] = {}

    def enable(
        self,
        per_minute: dict[str, int] | None = None,
        *,
        tiers: bool = True,
        channel_per_second: float | None = 1.0,
        channel_burst: int = 3,
    ) -> None:
        """Per-minute limits per method (Slack's tiers unless ``tiers=False``; ``per_minute``
        overrides them) and ``channel_per_second`` posts per channel with a small burst."""
        limits = {m: TIER_PER_MINUTE[t] for m, t in METHOD_TIERS.items()} if tiers else {}
        self.per_minute = {**limits, **(per_minute or {})}
        self.channel_limit = (channel_per_second, channel_burst) if channel_per_second else None
        self._buckets.clear()

    def disable(self) -> None:
        self.per_minute, self.channel_limit = {}, None
        self._buckets.clear()

    def check(self, method: str, channel_id: str | None) -> float:
        """Count one call; return 0 if allowed, else the seconds to wait (nothing counted)."""
        now, buckets = self.clock(), []
        if limit := self.per_minute.get(method):
            buckets.append(self._bucket(f"method:{method}", limit, limit / 60, now))
        if method == "chat.postMessage" and self.channel_limit and channel_id:
            rate, burst = self.channel_limit
            buckets.append(self._bucket(f"channel:{channel_id}", burst, rate, now))
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if not wait:
            for bucket in buckets:
                bucket.tokens -= 1
        return wait

    def _bucket(self, key: str, capacity: float, rate: float, now: float) -> _Bucket:
        return self._buckets.setdefault(key, _Bucket(capacity, rate, now))
