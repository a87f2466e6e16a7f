"""Periods the metrics cover (`7d`, `30d`, `4w`) and their local calendar days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIOD_HINT = "a period is a number of days or weeks, like 7d, 30d or 4w (1 day to 365 days)"
_PERIOD = re.compile(r"(\d{1,3})([dw])")
MAX_DAYS = 365


def parse_period(word: str) -> timedelta:
    """`7d`, `30d`, `4w` → a length; anything else (or over a year) is a ValueError."""
    match = _PERIOD.fullmatch(word.strip().lower())
    if match is None:
        raise ValueError(f"{word!r} is not a period: {PERIOD_HINT}")
    days = int(match[1]) * (7 if match[2] == "w" else 1)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"{word!r} is out of range: {PERIOD_HINT}")
    return timedelta(days=days)


def describe_length(length: timedelta) -> str:
    days = length.days
    if days % 7 == 0 and days <= 28:
        return "week" if days == 7 else f"{days // 7} weeks"
    return "day" if days == 1 else f"{days} days"


@dataclass(frozen=True)
class Period:
    """`[start, end)` in UTC; `previous` is the equally long period just before it."""

    start: datetime
    end: datetime

    @classmethod
    def ending(cls, end: datetime, length: timedelta) -> Period:
        return cls(end - length, end)

    @classmethod
    def through(cls, now: datetime, length: timedelta) -> Period:
        """The `length` up to and including `now`: a post made this very instant counts."""
        return cls.ending(including(now), length)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def previous(self) -> Period:
        return Period(self.start - self.length, self.start)

    def local_days(self, zone: ZoneInfo) -> list[datetime]:
        """Boundaries (UTC) of the local calendar days the period touches: midnights from the
        day it starts to the day after it ends, clipped to the period itself."""
        first = self.start.astimezone(zone).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(zone).date()
        bounds = [self.start]
        day = first + timedelta(days=1)
        while day <= last:
            bounds.append(_midnight(day, zone))
            day += timedelta(days=1)
        bounds.append(self.end)
        return bounds

    def label(self, zone: ZoneInfo) -> str:
        start = self.start.astimezone(zone)
        last = (self.end - timedelta(microseconds=1)).astimezone(zone)
        if start.date() == last.date():
            return f"{start:%a %d %b %Y}"
        return f"{start:%a %d %b} – {last:%a %d %b %Y}"


def including(now: datetime) -> datetime:
    """An exclusive bound that still takes in `now` (periods are half-open, `[start, end)`)."""
    return now + timedelta(microseconds=1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of local midnight starting `moment`'s local day."""
    return _midnight(moment.astimezone(zone).date(), zone)
