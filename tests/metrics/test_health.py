"""The report's period beside the one before it, and the digest chart's local days."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.metrics.health import daily, health
from bot.metrics.reads import in_order
from tests.metrics.conftest import WEEK, History, days_ago

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_report_pairs_the_week_with_the_week_before(history: History) -> None:
    h = history
    h.member("ana", joined=days_ago(30))
    h.member("ben", joined=days_ago(10))
    h.member("cleo", joined=days_ago(3))
    h.post("ana", days_ago(9), "last week")
    h.post("ben", days_ago(8), "me too")
    h.react("cleo", h.post("ana", days_ago(2), "this week"), days_ago(1))
    asked = days_ago(1)
    h.question("ben", h.post("ben", asked, "anyone?"), asked, responder="ana",
               responded=asked + timedelta(minutes=30))

    report = health(in_order(h.session), h.community_id, WEEK)

    now, before = report.now, report.before
    assert (now.period, before.period) == (WEEK, WEEK.previous)
    assert (now.engagement.posts, before.engagement.posts) == (2, 2)
    assert (now.engagement.active_members, before.engagement.active_members) == (3, 2)
    assert (now.engagement.reactions, before.engagement.reactions) == (1, 0)
    assert now.engagement.questions.median_seconds == 1800.0
    assert before.engagement.questions.asked == 0
    assert (now.adoption.members, before.adoption.members) == (3, 2)  # cleo came this week
    assert (now.adoption.readers, before.adoption.readers) == (1, 0)  # cleo only reacted
    assert (now.adoption.newcomers, now.adoption.newcomers_posted) == (1, 0)


def test_each_local_day_has_its_posts_people_and_questions(history: History) -> None:
    h = history
    for name in ("ana", "ben", "cleo"):
        h.member(name, joined=days_ago(30))
    late = days_ago(3, hours=0.5)  # 23:30 UTC is already the next day in Berlin
    first = h.post("ana", late, "how do I export?", channel="help")
    h.question("ana", first, late, channel="help", responder="ben",
               responded=late + timedelta(minutes=10))
    second = h.post("cleo", late + timedelta(hours=2), "and import?", channel="help")
    h.question("cleo", second, late + timedelta(hours=2), channel="help")
    h.react("ben", first, late + timedelta(hours=1))

    days = {day.start.astimezone(BERLIN).date(): day
            for day in daily(h.session, h.community_id, WEEK, BERLIN)}

    assert len(days) == 8  # the week's first and last local days are partial
    busy = days[date(2026, 2, 27)]
    assert (busy.posts, busy.active_members, busy.answered, busy.unanswered) == (2, 3, 1, 1)
    assert busy.median_response_seconds == 600.0
    quiet = days[date(2026, 2, 26)]
    assert (quiet.posts, quiet.active_members, quiet.median_response_seconds) == (0, 0, None)
