"""Cron cadences in a time zone, and the explicit computation of which occurrences are due.

A cadence is a standard five-field crontab line (`minute hour day month weekday`, weekdays as
`mon`…`sun` or crontab numbers where 0 and 7 are Sunday) or six fields with seconds first.
APScheduler 3 numbers weekdays from Monday = 0, unlike crontab; weekdays are translated to names
here so that `0 10 * * 3` means Wednesday, as in crontab.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

CRON_HELP = (
    'five fields "minute hour day month weekday", e.g. "0 10 * * wed" '
    "(10:00 every Wednesday) or \"30 9 * * mon-fri\""
)
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab order: 0 and 7 are Sunday
_ONE_MICROSECOND = timedelta(microseconds=1)


class CadenceError(ValueError):
    """Not a cron expression or not a time zone; the message says how to write one."""


def _day_number(word: str) -> int:
    word = word.strip().lower()
    if word.isdigit() and 0 <= int(word) <= 7:
        return int(word) % 7
    if word[:3] in _DAYS:
        return _DAYS.index(word[:3])
    raise CadenceError(f"{word!r} is not a weekday (use mon…sun or 0–7)")


def _weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler weekday names (`1-5` → `mon,tue,wed,thu,fri`)."""
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            raise CadenceError(f"{part!r}: a step must be a number")
        step = int(step_text or 1)
        if span in ("*", "?"):
            first, last = 0, 6
        elif "-" in span:
            first_word, _, last_word = span.partition("-")
            first, last = _day_number(first_word), _day_number(last_word)
            if last_word.strip() == "7":
                last = 7  # `1-7` runs Monday to Sunday
        else:
            first = last = _day_number(span)
        if last < first:
            raise CadenceError(f"{part!r}: the range runs backwards")
        days |= {day % 7 for day in range(first, last + 1, max(step, 1))}
    if len(days) == 7:
        return "*"
    return ",".join(_DAYS[day] for day in sorted(days))


@dataclass(frozen=True)
class Cadence:
    cron: str
    timezone: str
    trigger: CronTrigger

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after `moment` (UTC)."""
        found = self.trigger.get_next_fire_time(None, moment + _ONE_MICROSECOND)
        return None if found is None else found.astimezone(UTC)

    def shortest_gap(self, start: datetime, samples: int = 8) -> timedelta | None:
        """The smallest gap between the next few occurrences: how often it really fires."""
        times: list[datetime] = []
        moment = start
        for _ in range(samples):
            found = self.next_after(moment)
            if found is None:
                break
            times.append(found)
            moment = found
        gaps = [later - earlier for earlier, later in pairwise(times)]
        return min(gaps) if gaps else None


def parse_cadence(cron: str, timezone: str) -> Cadence:
    """Build a cadence or raise `CadenceError` naming what is wrong."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CadenceError(f"unknown time zone {timezone!r}; use an IANA name") from None
    fields = cron.split()
    if len(fields) not in (5, 6):
        raise CadenceError(f"{cron!r} is not a cadence; write {CRON_HELP}")
    second = fields.pop(0) if len(fields) == 6 else "0"
    minute, hour, day, month, weekday = fields
    try:
        trigger = CronTrigger(
            second=second, minute=minute, hour=hour, day=day, month=month,
            day_of_week=_weekdays(weekday), timezone=zone,
        )
    except ValueError as exc:  # CadenceError included
        raise CadenceError(f"{cron!r}: {exc}; write {CRON_HELP}") from None
    return Cadence(" ".join(cron.split()), timezone, trigger)


@dataclass(frozen=True)
class DueOccurrences:
    """What to do now: `to_post` within grace, `skipped` beyond it (oldest first)."""

    to_post: tuple[datetime, ...]
    skipped: int
    last_skipped: datetime | None


def due_occurrences(
    cadence: Cadence, since: datetime, now: datetime, grace: timedelta, *, limit: int = 500
) -> DueOccurrences:
    """Occurrences after `since` (the last one recorded) up to `now`: those at most `grace`
    late are to be posted, older ones skipped. A clock that moved backwards (`now < since`)
    finds nothing. At most `limit` are walked per call; the rest are found next time."""
    to_post: list[datetime] = []
    skipped = 0
    last_skipped: datetime | None = None
    moment = since
    for _ in range(limit):
        found = cadence.next_after(moment)
        if found is None or found > now:
            break
        if now - found <= grace:
            to_post.append(found)
        else:
            skipped += 1
            last_skipped = found
        moment = found
    return DueOccurrences(tuple(to_post), skipped, last_skipped)


def next_local_time(now: datetime, timezone: str, text: str) -> datetime:
    """The next `[weekday] HH:MM` (e.g. `wed 10:05`) after `now` in `timezone`, as UTC."""
    words = text.lower().split()
    if not 1 <= len(words) <= 2 or ":" not in words[-1]:
        raise ValueError(f"not a time: {text!r} (use e.g. 10:05 or wed 10:05)")
    hour_text, _, minute_text = words[-1].partition(":")
    if not (hour_text.isdigit() and minute_text.isdigit()) or int(hour_text) > 23 \
            or int(minute_text) > 59:
        raise ValueError(f"not a time: {words[-1]!r} (use 24-hour HH:MM)")
    weekday = None
    if len(words) == 2:
        try:
            weekday = (_day_number(words[0]) - 1) % 7  # Python counts Monday as 0
        except CadenceError as exc:
            raise ValueError(str(exc)) from None
    local_now = now.astimezone(ZoneInfo(timezone))
    target = local_now.replace(hour=int(hour_text), minute=int(minute_text), second=0,
                               microsecond=0)
    for days in range(8):
        candidate = (target + timedelta(days=days)).replace(tzinfo=ZoneInfo(timezone))
        if candidate > local_now and (weekday is None or candidate.weekday() == weekday):
            return candidate.astimezone(UTC)
    raise AssertionError("unreachable: a weekday recurs within a week")


def describe_gap(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
