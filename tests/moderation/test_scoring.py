"""Flag weights and thresholds: the arithmetic behind every case."""

from __future__ import annotations

import pytest

from bot.community_config import ModerationSection
from bot.moderation.scoring import (
    Policy,
    TrackRecord,
    describe_reasons,
    flag_weight,
    may_reopen,
    needs_review,
    record_factor,
    should_auto_hide,
    within_flag_limit,
)
from bot.roles import Role

POLICY = Policy(member_weight=1.0, champion_weight=2.0, track_record_prior=2.0,
                review_threshold=3.0, auto_hide_threshold=6.0)
NEW = TrackRecord()


def test_members_weigh_one_champions_two_with_no_history() -> None:
    assert flag_weight(Role.MEMBER, NEW, POLICY) == 1.0
    assert flag_weight(Role.CHAMPION, NEW, POLICY) == 2.0


def test_a_moderators_flag_reaches_review_on_its_own() -> None:
    for role in (Role.MODERATOR, Role.MANAGER):
        assert needs_review(flag_weight(role, NEW, POLICY), POLICY)


def test_three_members_or_a_member_and_a_champion_reach_review_two_members_do_not() -> None:
    member = flag_weight(Role.MEMBER, NEW, POLICY)
    champion = flag_weight(Role.CHAMPION, NEW, POLICY)
    assert not needs_review(member * 2, POLICY)
    assert needs_review(member * 3, POLICY)
    assert needs_review(member + champion, POLICY)


def test_upheld_flags_raise_a_flaggers_weight_and_dismissed_ones_lower_it() -> None:
    assert record_factor(NEW, prior=2.0) == 1.0
    assert flag_weight(Role.MEMBER, TrackRecord(upheld=2), POLICY) == 1.33
    assert flag_weight(Role.MEMBER, TrackRecord(dismissed=2), POLICY) == 0.67
    assert flag_weight(Role.CHAMPION, TrackRecord(upheld=2), POLICY) == 2.67
    # Bounded: a long record approaches, never passes, twice (or nothing) the standing.
    assert 1.9 < flag_weight(Role.MEMBER, TrackRecord(upheld=200), POLICY) < 2.0
    assert 0 < flag_weight(Role.MEMBER, TrackRecord(dismissed=200), POLICY) < 0.1


def test_a_larger_prior_makes_one_decision_count_less() -> None:
    one_upheld = TrackRecord(upheld=1)
    assert record_factor(one_upheld, prior=1.0) > record_factor(one_upheld, prior=5.0) > 1.0


def test_weights_that_sum_to_a_threshold_reach_it_despite_float_rounding() -> None:
    # 1.33 + 0.67 + 1.0 is 2.9999999999999996 in binary floating point.
    assert needs_review(1.33 + 0.67 + 1.0, POLICY)
    assert not needs_review(2.99, POLICY)


def test_auto_hide_only_at_its_own_higher_threshold_and_never_when_unset() -> None:
    assert not should_auto_hide(5.99, POLICY)
    assert should_auto_hide(6.0, POLICY)
    assert not should_auto_hide(100.0, Policy(auto_hide_threshold=None))


def test_a_decided_message_reopens_only_with_a_new_reason_and_enough_score() -> None:
    assert not may_reopen(5.0, ["spam"], ["spam"], POLICY)
    assert not may_reopen(2.0, ["harassment"], ["spam"], POLICY)
    assert may_reopen(3.0, ["spam", "harassment"], ["spam"], POLICY)


def test_the_flag_limit_leaves_room_until_it_is_reached() -> None:
    assert within_flag_limit(9, 10)
    assert not within_flag_limit(10, 10)


def test_reasons_read_most_frequent_first() -> None:
    assert describe_reasons({"off-topic": 1, "spam": 2}) == "spam ×2, off-topic"
    assert describe_reasons({"unspecified": 1}) == "flag reaction (no reason given)"


def test_policy_comes_from_the_moderation_config() -> None:
    section = ModerationSection(member_weight=0.5, champion_weight=3, review_threshold=4,
                                auto_hide_threshold=8)
    policy = Policy.from_config(section)
    assert flag_weight(Role.CHAMPION, NEW, policy) == 3.0
    assert needs_review(4.0, policy) and should_auto_hide(8.0, policy)


def test_config_refuses_an_auto_hide_threshold_at_or_below_review() -> None:
    with pytest.raises(ValueError, match=r"auto_hide_threshold .* must be higher"):
        ModerationSection(review_threshold=3, auto_hide_threshold=3)
