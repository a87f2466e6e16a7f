"""Working hours in a time zone: when a champion can be pinged and how SLA time is counted.

A window is a daily `start-end` span of local time on some weekdays; `end` before `start` means
it runs past midnight (a night shift). Arithmetic is done on aware UTC datetimes, so daylight
saving changes shift windows the way a wall clock does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Hours:
    start: time
    end: time
    days: frozenset[int] = EVERY_DAY  # 0 = Monday

    def __str__(self) -> str:
        days = "" if self.days == EVERY_DAY else " " + describe_days(self.days)
        return f"{self.start:%H:%M}-{self.end:%H:%M}{days}"

    def window_on(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The window that opens on local `day`, in UTC, or None if it does not open then."""
        if day.weekday() not in self.days:
            return None
        opens = datetime.combine(day, self.start, tzinfo=zone)
        closes_day = day if self.end > self.start else day + timedelta(days=1)
        closes = datetime.combine(closes_day, self.end, tzinfo=zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone).date()
        for day in (local - timedelta(days=1), local):  # yesterday's night shift may still run
            window = self.window_on(day, zone)
            if window and window[0] <= moment < window[1]:
                return True
        return False


def parse_span(text: str) -> tuple[time, time]:
    """`09:00-17:00` (or `22:00-06:00`, past midnight) as two times."""
    found = _SPAN.match(text.strip())
    if not found:
        raise ValueError(f"not a span of hours: {text!r} (write it like 09:00-17:00)")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"not a time of day in {text!r}")
    start, end = time(h1, m1), time(0, 0) if h2 == 24 else time(h2, m2)
    if start == end:
        raise ValueError(f"{text!r} is an empty span; start and end must differ")
    return start, end


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri`, `sat-sun` or `every day`."""
    words = text.strip().lower()
    if words in ("every day", "daily", "all", "mon-sun"):
        return EVERY_DAY
    days: set[int] = set()
    for part in words.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first[:3] not in DAY_NAMES or (last and last[:3] not in DAY_NAMES):
            raise ValueError(f"not a day: {part!r} (use mon, tue, … sun, or ranges like mon-fri)")
        a = DAY_NAMES.index(first[:3])
        b = DAY_NAMES.index(last[:3]) if last else a
        index = a
        days.add(index)
        while index != b:
            index = (index + 1) % 7
            days.add(index)
    return frozenset(days)


def describe_days(days: frozenset[int]) -> str:
    if days == EVERY_DAY:
        return "every day"
    if days == frozenset(range(5)):
        return "mon-fri"
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def days_mask(days: frozenset[int]) -> int:
    return sum(1 << d for d in days)


def days_from_mask(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask & (1 << d))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        ) from None


def is_zone_name(word: str) -> bool:
    if "/" not in word and word.upper() != "UTC":
        return False
    try:
        zone(word)
    except ValueError:
        return False
    return True


def add_working_time(
    start: datetime, duration: timedelta, hours: Hours | None, tz: ZoneInfo
) -> datetime:
    """The moment `duration` of time inside `hours` has passed since `start` (no hours: all
    time counts). An SLA of 30 minutes asked at 16:50 with hours 09:00-17:00 ends at 09:20."""
    if hours is None:
        return start + duration
    remaining = duration
    cursor = start
    day = start.astimezone(tz).date() - timedelta(days=1)
    for _ in range(800):  # every weekday set is non-empty, so a window comes within a week
        window = hours.window_on(day, tz)
        day += timedelta(days=1)
        if window is None or window[1] <= cursor:
            continue
        begin = max(cursor, window[0])
        room = window[1] - begin
        if remaining <= room:
            return begin + remaining
        remaining -= room
        cursor = window[1]
    raise ValueError("working hours never open")  # pragma: no cover - guarded by parse_days
