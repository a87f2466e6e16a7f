"""People and channels to act on: at risk, silent newcomers, trending and quiet channels,
the most helpful members and the user of the month."""

from __future__ import annotations

from datetime import timedelta

from bot.metrics import people
from bot.metrics.topics import trending_topics, words_of
from tests.metrics.conftest import NOW, WEEK, History, days_ago


def test_members_who_went_quiet_after_being_active_are_at_risk(history: History) -> None:
    h = history
    for name in ("carl", "dina", "ed", "fay", "gone", "hana", "ivy"):
        h.member(name, joined=days_ago(200))
    for day in (60, 45, 30, 25, 20):
        h.post("carl", days_ago(day))  # 5 posts, silent for 20 days
        h.post("dina", days_ago(day - 18))  # still posting 2 days ago
        h.post("gone", days_ago(day))
    h.post("ed", days_ago(30))  # one post is not "active"
    for day in (40, 30):
        h.post("fay", days_ago(day))
    h.post("fay", days_ago(20), deleted=True)  # only 2 posts count
    h.leave("gone", days_ago(15))
    for day in (120, 110, 100, 30):
        h.post("hana", days_ago(day))  # one post in the 90 days
    for day in (60, 50, 40):
        h.post("ivy", days_ago(day))
    h.post("ivy", days_ago(2), deleted=True)  # a deleted post does not end the silence

    total, listed = people.at_risk(h.session, h.community_id, NOW, silent_days=14, min_posts=3)

    assert total == 2
    carl, ivy = listed
    assert (carl.person.name, carl.posts, carl.last_post_at) == ("carl", 5, days_ago(20))
    assert (ivy.person.name, ivy.posts, ivy.last_post_at) == ("ivy", 3, days_ago(40))


def test_newcomers_who_never_posted_oldest_first(history: History) -> None:
    h = history
    h.member("late", joined=days_ago(5))
    h.member("early", joined=days_ago(20))
    h.member("talker", joined=days_ago(4))
    h.member("shy", joined=days_ago(3))
    h.member("old", joined=days_ago(40))
    h.member("botty", joined=days_ago(2), is_bot=True)
    h.post("talker", days_ago(1))
    h.post("shy", days_ago(1), deleted=True)

    total, listed = people.silent_newcomers(h.session, h.community_id, NOW, days=30)

    assert total == 3
    assert [n.person.name for n in listed] == ["early", "late", "shy"]


def test_trending_and_quiet_channels_compare_with_the_period_before(history: History) -> None:
    h = history
    h.member("ana")
    h.member("ben")
    for _ in range(4):
        h.post("ana", days_ago(2), channel="help")
    h.post("ben", days_ago(2), channel="help")
    h.post("ana", days_ago(9), channel="help")
    for _ in range(6):
        h.post("ana", days_ago(9), channel="random")
    h.post("ana", days_ago(1), channel="random")
    h.post("ana", days_ago(9), channel="general")
    h.channel("secret", private=True)
    h.post("ana", days_ago(1), channel="secret")  # private channels are not listed

    activity = people.channel_trends(h.session, h.community_id, WEEK)
    trending = people.trending_channels(activity)
    quiet = people.quiet_channels(activity)

    assert [(t.name, t.posts, t.previous_posts, t.posters) for t in trending] == [
        ("help", 5, 1, 2), ("random", 1, 6, 1),
    ]
    assert [(t.name, t.posts, t.previous_posts) for t in quiet] == [("random", 1, 6)]


def test_helpful_members_answer_first_and_get_accepted(history: History) -> None:
    h = history
    for name in ("asker", "ben", "cleo", "dan"):
        h.member(name)
    for hours in (1, 2, 3):
        asked = days_ago(3, hours=hours)
        question = h.post("asker", asked, "how do I?", channel="help")
        first = h.reply("ben", question, asked + timedelta(minutes=5), channel="help")
        second = h.reply("cleo", question, asked + timedelta(minutes=9), channel="help")
        h.question("asker", question, asked, channel="help", responder="ben",
                   responded=asked + timedelta(minutes=5))
        h.react("asker", second, asked + timedelta(minutes=30), emoji="white_check_mark")
        h.react("dan", first, asked + timedelta(minutes=30), emoji="✅")  # not the asker's

    helpers = people.most_helpful(h.session, h.community_id, WEEK)

    assert [(x.person.name, x.first_responses, x.accepted) for x in helpers] == [
        ("cleo", 0, 3), ("ben", 3, 0),
    ]
    pick = people.user_of_the_month(h.session, h.community_id, NOW)
    assert pick is not None and pick.person.name == "cleo"


def test_no_answers_means_no_helpers_and_no_pick(history: History) -> None:
    history.member("asker")
    history.question("asker", history.post("asker", days_ago(1), "anyone?"), days_ago(1))

    assert people.most_helpful(history.session, history.community_id, WEEK) == []
    assert people.user_of_the_month(history.session, history.community_id, NOW) is None


def test_trending_topics_rise_against_the_period_before(history: History) -> None:
    h = history
    h.member("ana")
    for text in ("Kafka consumer lag again", "kafka partitions and kafka lag", "Terraform plan"):
        h.post("ana", days_ago(2), text)
    h.post("ana", days_ago(9), "terraform modules, terraform state")
    h.post("ana", days_ago(9), "terraform again")

    topics = trending_topics(h.session, h.community_id, WEEK)

    assert [(t.word, t.count, t.previous) for t in topics] == [("kafka", 2, 0), ("lag", 2, 0)]


def test_words_skip_links_mentions_code_and_stopwords() -> None:
    text = "Thanks <@U123>! See https://example.org/x and `rm -rf` about deploying kubernetes"
    assert words_of(text) == ["deploying", "kubernetes"]


def test_member_names_are_not_topics(history: History) -> None:
    history.member("ana")
    history.member("ben")
    for text in ("Welcome Ana! Great to have you", "Hi ana, welcome aboard"):
        history.post("ben", days_ago(1), text)

    topics = trending_topics(history.session, history.community_id, WEEK)

    assert [t.word for t in topics] == ["welcome"]
