"""Injected time: handlers and jobs ask a clock, so tests and the console can move it."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        self._now = when


class OffsetClock:
    """Wall-clock time plus an offset the console can grow with `/advance`."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@functools.lru_cache(maxsize=256)  # the config's few durations, read on every question
def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `15m`, `2h`, `3d`, `1w` or combinations like `1h30m`."""
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    total = timedelta()
    number = ""
    for char in text.strip().lower():
        if char.isdigit():
            number += char
        elif char in units and number:
            total += timedelta(**{units[char]: int(number)})
            number = ""
        else:
            raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 3d, 1w)")
    if number or total <= timedelta():
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 3d, 1w)")
    return total
