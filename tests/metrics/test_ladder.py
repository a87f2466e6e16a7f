"""The participation ladder: each member's rung from the period's activity, and movement."""

from __future__ import annotations

from bot.metrics.ladder import LadderRules, Rung, ladder, rung_of_member
from tests.metrics.conftest import WEEK, History, days_ago

RULES = LadderRules(creator_threads=1, superuser_posts=3, superuser_replies=2,
                    champions=frozenset({"fay"}))


def test_every_rung_from_activity(history: History) -> None:
    h = history
    for name in ("rita", "adam", "cora", "cruz", "sue", "fay", "gus"):
        h.member(name, joined=days_ago(60))
    h.member("robot", is_bot=True)
    root = h.post("cruz", days_ago(3), "a new thread")  # creator
    h.react("adam", root, days_ago(2))  # active reader
    h.reply("cora", root, days_ago(2))  # commenter
    other = h.post("gus", days_ago(4), "another thread")
    h.post("sue", days_ago(3), "sue's own thread")
    h.reply("sue", root, days_ago(2))
    h.reply("sue", other, days_ago(2))  # 3 posts, 2 of them in others' threads: superuser
    h.reply("fay", other, days_ago(1))  # a champion in the config, and posted
    h.grant("gus", "champion")  # granted by command, and posted
    h.post("robot", days_ago(1), "beep")  # bots are not on the ladder

    result = ladder(h.session, h.community_id, WEEK, RULES)

    assert result.now == {
        Rung.READER: 1, Rung.ACTIVE_READER: 1, Rung.COMMENTER: 1, Rung.CREATOR: 1,
        Rung.SUPERUSER: 1, Rung.CHAMPION: 2,
    }
    assert rung_of_member(h.session, h.community_id, WEEK, RULES, h.members["rita"]) == (
        Rung.READER, Rung.READER)
    assert rung_of_member(h.session, h.community_id, WEEK, RULES, h.members["sue"])[0] == (
        Rung.SUPERUSER)


def test_a_silent_champion_falls_to_their_activity(history: History) -> None:
    history.member("fay", joined=days_ago(60))

    result = ladder(history.session, history.community_id, WEEK, RULES)

    assert result.now[Rung.CHAMPION] == 0 and result.now[Rung.READER] == 1


def test_movement_since_the_previous_period(history: History) -> None:
    h = history
    for name in ("ana", "ben", "cleo"):
        h.member(name, joined=days_ago(60))
    last_week = h.post("ben", days_ago(10), "ben started something")
    h.reply("ana", last_week, days_ago(10))  # ana: commenter last week ...
    h.post("ana", days_ago(2), "ana's first thread")  # ... creator this week
    h.post("cleo", days_ago(9), "cleo's thread")
    h.post("cleo", days_ago(1), "and another")  # creator both weeks; ben went quiet

    result = ladder(h.session, h.community_id, WEEK, RULES)

    assert (result.moved_up, result.moved_down) == (1, 1)
    assert result.before[Rung.CREATOR] == 2 and result.now[Rung.CREATOR] == 2
    [climber] = result.climbers
    assert (climber.name, climber.before, climber.now) == ("ana", Rung.COMMENTER, Rung.CREATOR)


def test_deleted_posts_do_not_lift_anyone(history: History) -> None:
    history.member("ana", joined=days_ago(60))
    history.post("ana", days_ago(1), "regret", deleted=True)

    result = ladder(history.session, history.community_id, WEEK, RULES)

    assert result.now[Rung.READER] == 1 and result.moved_up == 0


def test_thresholds_and_champions_come_from_the_config() -> None:
    from bot.community_config import CommunityConfig

    config = CommunityConfig.model_validate({
        "roles": {"champions": ["console:fay", "slack:U1", "console:role:experts"]},
        "metrics": {"ladder": {"superuser_posts": 20, "superuser_replies": 8}},
    })

    rules = LadderRules.from_config(config, "console")

    assert (rules.creator_threads, rules.superuser_posts, rules.superuser_replies) == (1, 20, 8)
    assert rules.champions == frozenset({"fay"})
