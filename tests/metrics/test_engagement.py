"""Engagement figures on hand-made histories with known answers."""

from __future__ import annotations

from datetime import timedelta

from bot.metrics.engagement import engagement
from bot.metrics.questions import question_figures
from tests.metrics.conftest import WEEK, History, days_ago


def test_no_activity_gives_zeros_and_no_ratios(history: History) -> None:
    history.member("ana", joined=days_ago(40))

    figures = engagement(history.session, history.community_id, WEEK)

    assert (figures.active_members, figures.posts, figures.threads, figures.reactions) == (
        0, 0, 0, 0)
    assert figures.posts_per_contributor is None and figures.reply_share is None
    assert figures.replies_per_thread is None and figures.reactions_per_post is None
    assert figures.questions.asked == 0 and figures.questions.answered_rate is None
    assert figures.questions.median_seconds is None and figures.questions.p90_seconds is None


def test_a_known_week_counts_people_not_bots_and_never_deleted_messages(history: History) -> None:
    h = history
    for name in ("ana", "ben", "cleo", "dan"):
        h.member(name, joined=days_ago(60))
    h.member("helperbot", is_bot=True)
    asked = days_ago(5)
    question = h.post("ana", asked, "How do I rotate the keys", channel="help")
    h.reply("helperbot", question, asked + timedelta(minutes=1), channel="help")  # a bot: no
    h.reply("ben", question, asked + timedelta(minutes=10), channel="help")
    h.reply("cleo", question, asked + timedelta(minutes=40), channel="help")
    h.question("ana", question, asked, channel="help", responder="ben",
               responded=asked + timedelta(minutes=10))
    weekend = h.post("ana", days_ago(4), "Any plans for the weekend?")
    h.question("ana", weekend, days_ago(4))  # nobody answered
    news = h.post("cleo", days_ago(3), "Just shipped v2")
    h.reply("ana", news, days_ago(3, hours=-1))
    h.post("ben", days_ago(2), "oops, wrong channel", deleted=True)
    h.react("dan", news, days_ago(2))  # dan only reads and reacts
    h.react("helperbot", question, days_ago(2))
    h.post("ana", days_ago(9), "last week")  # the previous period

    now = engagement(h.session, h.community_id, WEEK)
    before = engagement(h.session, h.community_id, WEEK.previous)

    assert now.posts == 6  # 3 threads + 3 human replies; the bot's and the deleted left out
    assert now.contributors == 3 and now.active_members == 4  # dan reacted
    assert now.posts_per_contributor == 2.0
    assert now.threads == 3 and now.threads_with_replies == 2 and now.replies == 3
    assert now.reply_share == 2 / 3 and now.replies_per_thread == 1.0
    assert now.reactions == 1 and now.reactions_per_post == 1 / 6
    assert (now.questions.asked, now.questions.answered) == (2, 1)
    assert now.questions.answered_rate == 0.5
    assert now.questions.median_seconds == 600.0
    assert (before.posts, before.active_members, before.questions.asked) == (1, 1, 0)


def test_percentiles_use_the_nearest_rank_in_sql(history: History) -> None:
    history.member("asker")
    history.member("answerer")
    for minutes in (7, 1, 10, 3, 5, 2, 9, 4, 8, 6):  # shuffled: SQL must sort them
        asked = days_ago(3, hours=minutes)
        root = history.post("asker", asked, f"question {minutes}?")
        history.question("asker", root, asked, responder="answerer",
                         responded=asked + timedelta(minutes=minutes))

    [figures] = question_figures(history.session, history.community_id, [WEEK])

    assert figures.asked == figures.answered == 10
    assert figures.median_seconds == 300.0  # ceil(0.5 × 10) = 5th of 1..10 minutes
    assert figures.p90_seconds == 540.0  # ceil(0.9 × 10) = 9th


def test_odd_count_median_is_the_middle_one(history: History) -> None:
    history.member("asker")
    history.member("answerer")
    for minutes in (30, 10, 20):
        asked = days_ago(2, hours=minutes)
        root = history.post("asker", asked, "where is the config?")
        history.question("asker", root, asked, responder="answerer",
                         responded=asked + timedelta(minutes=minutes))

    [figures] = question_figures(history.session, history.community_id, [WEEK])

    assert figures.median_seconds == 1200.0 and figures.p90_seconds == 1800.0


def test_questions_count_when_a_person_asked_and_nobody_took_them_back(
    history: History,
) -> None:
    h = history
    for name in ("ana", "ben", "cleo"):
        h.member(name)
    h.member("helperbot", is_bot=True)
    asked = days_ago(2)
    answered = h.post("ana", asked, "Is the API rate limited?", channel="help")
    h.question("ana", answered, asked, channel="help", responder="cleo",
               responded=asked + timedelta(minutes=20))
    ticked = h.post("ben", asked, "Where are the docs?", channel="help")
    h.question("ben", ticked, asked, channel="help", answered=asked + timedelta(hours=1))
    h.question("ana", h.post("ana", asked, "Why not?"), asked, status="dismissed")
    h.question("ben", h.post("ben", asked, "Typo?", deleted=True), asked, status="deleted")
    gone = h.post("cleo", asked, "Who knows?", deleted=True)  # deleted once answered
    h.question("cleo", gone, asked, responder="ben", responded=asked + timedelta(minutes=1))
    h.question("helperbot", h.post("helperbot", asked, "Any questions?"), asked)
    h.question("ana", h.post("ana", days_ago(8), "Last week?"), days_ago(8))

    [now, before] = question_figures(h.session, h.community_id, [WEEK, WEEK.previous])

    assert (now.asked, now.answered) == (2, 2)  # a ✅ answers a question without a reply
    assert now.median_seconds == now.p90_seconds == 1200.0  # only cleo's reply was a response
    assert (before.asked, before.answered, before.median_seconds) == (1, 0, None)
