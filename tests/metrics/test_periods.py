"""Periods: what `/community stats 30d` accepts, and local days across a clock change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.metrics.periods import Period, parse_period


@pytest.mark.parametrize(("word", "days"), [("7d", 7), ("30D", 30), ("4w", 28), ("365d", 365)])
def test_periods_in_days_or_weeks(word: str, days: int) -> None:
    assert parse_period(word) == timedelta(days=days)


@pytest.mark.parametrize("word", ["", "7", "d", "0d", "366d", "53w", "1h", "7 d", "-7d", "1e3d"])
def test_anything_else_is_refused_with_examples(word: str) -> None:
    with pytest.raises(ValueError, match="like 7d, 30d or 4w"):
        parse_period(word)


def test_local_days_follow_the_community_clock_across_summer_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    end = datetime(2026, 3, 30, 22, 0, tzinfo=UTC)  # Tuesday 00:00 in Berlin (summer time)
    period = Period.ending(end, timedelta(days=3))

    bounds = period.local_days(berlin)

    assert [b.astimezone(berlin).strftime("%a %H:%M") for b in bounds] == [
        "Fri 23:00", "Sat 00:00", "Sun 00:00", "Mon 00:00", "Tue 00:00",
    ]  # a partial Friday first: the period starts at 22:00 UTC, 23:00 in Berlin
    assert bounds[3] - bounds[2] == timedelta(hours=23)  # Sunday, when the clocks went forward
    assert period.previous == Period(end - timedelta(days=6), end - timedelta(days=3))


@pytest.mark.parametrize(("section", "message"), [
    ({"default_period": "soon"}, "like 7d, 30d or 4w"),
    ({"digest_weekday": "someday"}, "not a weekday"),
    ({"digest_hour": 24}, "less than or equal to 23"),
    ({"ladder": {"superuser_posts": 0}}, "greater than or equal to 1"),
    ({"digest_day": "monday"}, "Extra inputs are not permitted"),
])
def test_bad_metrics_settings_are_refused_by_name(section: dict, message: str) -> None:
    from pydantic import ValidationError

    from bot.community_config import CommunityConfig

    with pytest.raises(ValidationError, match=message):
        CommunityConfig.model_validate({"metrics": section})


def test_weekdays_may_be_abbreviated() -> None:
    from bot.community_config import CommunityConfig

    config = CommunityConfig.model_validate({"metrics": {"digest_weekday": "Fri"}})
    assert config.metrics.digest_weekday == "friday"
