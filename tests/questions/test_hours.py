"""Working hours: parsing, membership and SLA time counted within them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.questions.hours import Hours, add_working_time, parse_days, parse_span, zone

BERLIN = zone("Europe/Berlin")
OFFICE = Hours(time(9), time(17), parse_days("mon-fri"))


def test_spans_and_days_parse_or_explain() -> None:
    assert parse_span("09:00-17:30") == (time(9), time(17, 30))
    assert parse_span("22:00-24:00") == (time(22), time(0))
    assert parse_days("fri-mon") == {4, 5, 6, 0}
    assert parse_days("mon,wed") == {0, 2}
    for bad in ("9-5", "10:00-10:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_span(bad)
    with pytest.raises(ValueError, match="not a day"):
        parse_days("someday")
    with pytest.raises(ValueError, match="unknown time zone"):
        zone("Mars/Olympus")


def test_hours_contain_local_times_including_night_shifts() -> None:
    monday_10_berlin = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert OFFICE.contains(monday_10_berlin, BERLIN)
    assert not OFFICE.contains(monday_10_berlin + timedelta(days=5), BERLIN)  # Saturday
    night = Hours(time(22), time(6))
    assert night.contains(datetime(2026, 1, 6, 4, 0, tzinfo=UTC), BERLIN)  # 05:00 Tuesday
    assert not night.contains(datetime(2026, 1, 6, 11, 0, tzinfo=UTC), BERLIN)


def test_working_time_skips_nights_and_weekends_and_follows_daylight_saving() -> None:
    friday_1650 = datetime(2026, 1, 9, 15, 50, tzinfo=UTC)
    assert add_working_time(friday_1650, timedelta(minutes=30), OFFICE, BERLIN) == datetime(
        2026, 1, 12, 8, 20, tzinfo=UTC)  # Monday 09:20 in Berlin
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # clocks go forward that night
    assert add_working_time(saturday, timedelta(minutes=30), OFFICE, BERLIN) == datetime(
        2026, 3, 30, 7, 30, tzinfo=UTC)  # Monday 09:30 CEST
    assert add_working_time(friday_1650, timedelta(hours=1), None, BERLIN) == (
        friday_1650 + timedelta(hours=1))
