"""Adoption figures: shares of the members present at the end of the period."""

from __future__ import annotations

from bot.metrics.adoption import adoption
from tests.metrics.conftest import WEEK, History, days_ago


def test_shares_of_present_members_with_newcomers(history: History) -> None:
    h = history
    h.member("ana", joined=days_ago(40))
    h.member("ben", joined=days_ago(3))
    h.member("cleo", joined=days_ago(2))
    h.member("dan", joined=days_ago(60))
    h.member("eve", joined=days_ago(90), left=days_ago(10))
    h.member("botty", joined=days_ago(3), is_bot=True)
    h.post("ana", days_ago(20), "older post")
    h.post("ben", days_ago(1), "hi all")
    h.post("botty", days_ago(1), "beep")
    h.post("cleo", days_ago(1), "never mind", deleted=True)
    h.react("dan", h.post("eve", days_ago(11), "before leaving"), days_ago(1))

    figures = adoption(h.session, h.community_id, WEEK)

    assert figures.members == 4  # eve left, botty is a bot
    assert (figures.active, figures.active_share) == (2, 0.5)  # ben posted, dan reacted
    assert (figures.contributors, figures.contributor_share) == (1, 0.25)
    assert (figures.readers, figures.reader_share) == (2, 0.5)  # cleo's post was deleted
    assert (figures.newcomers, figures.newcomers_posted) == (2, 1)


def test_a_community_of_one_who_posts_is_fully_adopted(history: History) -> None:
    history.member("ana", joined=days_ago(3))
    history.post("ana", days_ago(1))

    figures = adoption(history.session, history.community_id, WEEK)

    assert figures.members == 1
    assert figures.active_share == figures.contributor_share == 1.0
    assert figures.reader_share == 0.0


def test_an_empty_community_has_no_shares(history: History) -> None:
    figures = adoption(history.session, history.community_id, WEEK)

    assert figures.members == 0
    assert figures.active_share is None and figures.reader_share is None


def test_members_who_joined_after_the_period_are_not_counted_in_it(history: History) -> None:
    history.member("ana", joined=days_ago(1))

    before = adoption(history.session, history.community_id, WEEK.previous)

    assert before.members == 0 and before.newcomers == 0
