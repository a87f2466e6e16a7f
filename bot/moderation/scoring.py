"""How much a flag weighs and when flags add up to a case: pure functions, no store.

Learned from Discourse's flag scores: a flag weighs by the flagger's standing (member,
champion) times their track record, a smoothed share of their past flags that moderators
upheld. A moderator's flag is a decision to review, so it reaches the review threshold alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.community_config import ModerationSection
from bot.roles import Role

REASONS: dict[str, str] = {
    "spam": "spam",
    "harassment": "harassment",
    "off-topic": "off-topic",
    "other": "other",
}
UNSPECIFIED = "unspecified"  # a flag reaction carries no reason
REASON_LABELS: dict[str, str] = {**REASONS, UNSPECIFIED: "flag reaction (no reason given)"}


@dataclass(frozen=True)
class Policy:
    member_weight: float = 1.0
    champion_weight: float = 2.0
    track_record_prior: float = 2.0
    review_threshold: float = 3.0
    auto_hide_threshold: float | None = None

    @classmethod
    def from_config(cls, section: ModerationSection) -> Policy:
        return cls(
            member_weight=section.member_weight, champion_weight=section.champion_weight,
            track_record_prior=section.track_record_prior,
            review_threshold=section.review_threshold,
            auto_hide_threshold=section.auto_hide_threshold,
        )


@dataclass(frozen=True)
class TrackRecord:
    """A flagger's past flags on decided cases."""

    upheld: int = 0
    dismissed: int = 0


def record_factor(record: TrackRecord, prior: float) -> float:
    """1 with no history, towards 2 as upheld flags accumulate, towards 0 as dismissed ones do.

    `prior` pseudo-flags on each side keep one early decision from swinging the weight."""
    return 2 * (record.upheld + prior) / (record.upheld + record.dismissed + 2 * prior)


def flag_weight(role: Role, record: TrackRecord, policy: Policy) -> float:
    if role >= Role.MODERATOR:
        return policy.review_threshold
    standing = policy.champion_weight if role == Role.CHAMPION else policy.member_weight
    return round(standing * record_factor(record, policy.track_record_prior), 2)


def reaches(score: float, threshold: float | None) -> bool:
    """Scores are sums of two-decimal weights: compare them rounded, not as raw floats."""
    return threshold is not None and round(score, 2) >= threshold


def needs_review(score: float, policy: Policy) -> bool:
    return reaches(score, policy.review_threshold)


def should_auto_hide(score: float, policy: Policy) -> bool:
    return reaches(score, policy.auto_hide_threshold)


def new_reasons(pending: Iterable[str], decided: Iterable[str]) -> set[str]:
    return set(pending) - set(decided)


def may_reopen(
    pending_score: float, pending_reasons: Iterable[str], decided_reasons: Iterable[str],
    policy: Policy,
) -> bool:
    """A decided message is reviewed again only when flags since the decision reach the review
    threshold and bring a reason the earlier review did not see."""
    return bool(new_reasons(pending_reasons, decided_reasons)) and needs_review(
        pending_score, policy
    )


def within_flag_limit(recent_flags: int, limit: int) -> bool:
    """True while a member's flags in the window leave room for one more."""
    return recent_flags < limit


def describe_reasons(counts: Mapping[str, int]) -> str:
    """`spam ×2, off-topic`, most frequent first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(
        REASON_LABELS.get(reason, reason) + (f" ×{count}" if count > 1 else "")
        for reason, count in ordered
    )
