"""Cron cadences: crontab weekday numbers, time zones across DST, and which occurrences are due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cadence import CadenceError, due_occurrences, next_local_time, parse_cadence

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_weekday_numbers_mean_what_they_mean_in_crontab() -> None:
    by_number = parse_cadence("0 10 * * 3", "UTC").next_after(MONDAY)
    by_name = parse_cadence("0 10 * * wed", "UTC").next_after(MONDAY)
    assert by_number == by_name == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    sunday = parse_cadence("0 10 * * 0", "UTC").next_after(MONDAY)
    assert sunday is not None and sunday.strftime("%A") == "Sunday"
    assert parse_cadence("0 10 * * 7", "UTC").next_after(MONDAY) == sunday
    weekdays = parse_cadence("0 9 * * 1-5", "UTC")
    assert weekdays.shortest_gap(MONDAY) == timedelta(days=1)


def test_a_cadence_keeps_local_time_across_daylight_saving() -> None:
    cadence = parse_cadence("0 10 * * thu", "Europe/Berlin")
    before = cadence.next_after(datetime(2026, 3, 20, tzinfo=UTC))
    after = cadence.next_after(datetime(2026, 3, 30, tzinfo=UTC))
    assert (before.hour, after.hour) == (9, 8)  # 10:00 in Berlin, winter and summer


@pytest.mark.parametrize("cron", ["", "0 10 * *", "0 10 * * funday", "0 10 * * 5-1", "61 * * * *"])
def test_bad_cadences_say_how_to_write_one(cron: str) -> None:
    with pytest.raises(CadenceError, match="minute hour day month weekday"):
        parse_cadence(cron, "UTC")


def test_due_occurrences_post_within_grace_and_skip_beyond_it() -> None:
    hourly = parse_cadence("0 * * * *", "UTC")
    due = due_occurrences(hourly, MONDAY, MONDAY + timedelta(hours=5, minutes=30),
                          grace=timedelta(hours=2))
    assert due.to_post == (MONDAY + timedelta(hours=4), MONDAY + timedelta(hours=5))
    assert (due.skipped, due.last_skipped) == (3, MONDAY + timedelta(hours=3))
    backwards = due_occurrences(hourly, MONDAY, MONDAY - timedelta(hours=3), timedelta(hours=2))
    assert backwards.to_post == () and backwards.skipped == 0


def test_next_local_time_for_the_console() -> None:
    assert next_local_time(MONDAY, "Europe/Berlin", "wed 10:05") == datetime(
        2026, 3, 4, 9, 5, tzinfo=UTC)
    assert next_local_time(MONDAY, "Europe/Berlin", "09:00") == datetime(
        2026, 3, 3, 8, 0, tzinfo=UTC)  # 10:00 Berlin has just passed: tomorrow
    with pytest.raises(ValueError, match="not a time"):
        next_local_time(MONDAY, "UTC", "soon")
