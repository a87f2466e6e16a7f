"""The community's own content and policy: channels, texts, roles, cadences (a TOML file).

Unknown keys and wrong types stop start-up with a message naming the key, so a typo never
silently turns a feature off.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.clock import parse_duration
from bot.programming_config import ProgrammingSection
from bot.questions.hours import Hours, parse_days, parse_span
from bot.settings import ConfigError, describe_errors

EXAMPLE_PATH = Path(__file__).with_name("community.example.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CommunitySection(_Strict):
    name: str = "Our community"
    timezone: str = "UTC"
    vision: str = ""
    code_of_conduct_url: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name like Europe/Berlin") from None
        return value


class ChannelsSection(_Strict):
    """Channels by name (without `#`), the same names on every platform."""

    welcome: str = "welcome"
    managers: str = "community-managers"
    moderators: str = "moderators"
    help: list[str] = Field(default_factory=lambda: ["help"])

    @cached_property
    def help_keys(self) -> frozenset[str]:
        """`help` lowercased without `#`, to match a channel's name or id (every message)."""
        return frozenset(name.lstrip("#").lower() for name in self.help)


class WelcomeSection(_Strict):
    enabled: bool = True
    batch_window: str = "2m"
    max_names_per_post: int = Field(default=50, ge=1, le=200)
    public_text: str = "Please give a warm welcome to {members}! 👋 Tell us a bit about yourself."
    dm_text: str = "Hi {name}, welcome to {community}! Here is how to get started."
    suggested_channels: list[str] = Field(default_factory=list)
    first_activities: list[str] = Field(default_factory=list)

    @field_validator("batch_window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def window(self) -> timedelta:
        return parse_duration(self.batch_window)


class RolesSection(_Strict):
    """People per role, written `platform:id` (`console:maria`, `slack:U0123`), or a whole
    Discord role / Slack user group as `platform:role:id` (`discord:role:1234`)."""

    managers: list[str] = Field(default_factory=list)
    moderators: list[str] = Field(default_factory=list)
    champions: list[str] = Field(default_factory=list)


class QuestionsSection(_Strict):
    """Unanswered questions: SLAs, the champion escalation chain, support hours, nudges."""

    enabled: bool = True
    sla: str = "30m"  # time to a first answer before a champion is called
    channel_sla: dict[str, str] = Field(default_factory=dict)  # channel name -> SLA
    escalation_step: str = "15m"  # how long each champion has to take it
    max_champion_steps: int = Field(default=2, ge=0, le=10)
    at_risk_before: str = "10m"  # `/community questions` warns this long before the SLA
    support_hours: str = ""  # e.g. "09:00-17:00": SLA time counts only then
    support_days: str = "mon-fri"
    default_capacity: int = Field(default=3, ge=1, le=50)
    detect_elsewhere: bool = True  # outside help channels, detect questions by heuristic / AI
    nudge: bool = True
    nudge_text: str = "no answer yet, so I've asked one of our champions to have a look."
    nudge_tip: str = (
        "Tip: saying what you tried, what you expected and the exact error helps people "
        "answer faster."
    )
    answered_emoji: list[str] = Field(
        default_factory=lambda: ["white_check_mark", "✅", "heavy_check_mark", "✔️"]
    )
    topics: dict[str, str] = Field(default_factory=dict)  # topic -> words that suggest it
    suggest_answers: bool = True  # with OpenAI: a labelled suggested answer from the FAQ

    @field_validator("sla", "escalation_step", "at_risk_before")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("channel_sla")
    @classmethod
    def _durations(cls, value: dict[str, str]) -> dict[str, str]:
        for sla in value.values():
            parse_duration(sla)
        return {name.lstrip("#").lower(): sla for name, sla in value.items()}

    @field_validator("support_hours")
    @classmethod
    def _span(cls, value: str) -> str:
        if value.strip():
            parse_span(value)
        return value.strip()

    @field_validator("support_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("answered_emoji")
    @classmethod
    def _emoji(cls, value: list[str]) -> list[str]:
        cleaned = [e.strip().strip(":") for e in value if e.strip().strip(":")]
        if not cleaned:
            raise ValueError("list at least one emoji that marks a question answered")
        return cleaned

    @field_validator("topics")
    @classmethod
    def _topics(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned = {name.strip().lower(): words for name, words in value.items()}
        if any(not name or len(name) > 40 for name in cleaned):
            raise ValueError("topic names must be 1 to 40 characters")
        return cleaned

    def sla_for(self, channel_name: str | None) -> timedelta:
        name = (channel_name or "").lstrip("#").lower()
        return parse_duration(self.channel_sla.get(name, self.sla))

    @property
    def step(self) -> timedelta:
        return parse_duration(self.escalation_step)

    @property
    def at_risk(self) -> timedelta:
        return parse_duration(self.at_risk_before)

    @property
    def hours(self) -> Hours | None:
        if not self.support_hours:
            return None
        start, end = parse_span(self.support_hours)
        return Hours(start, end, parse_days(self.support_days))


class WarningStep(_Strict):
    """When a member's warnings (within `warning_window`) reach `warnings`, tell `notify`."""

    warnings: int = Field(ge=1, le=100)
    notify: str = "managers"  # managers | moderators

    @field_validator("notify")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        if value not in ("managers", "moderators"):
            raise ValueError("notify must be 'managers' or 'moderators'")
        return value


class ModerationSection(_Strict):
    """Flags, their weights and thresholds, and what moderators' decisions lead to."""

    enabled: bool = True
    flag_emoji: list[str] = Field(default_factory=lambda: ["triangular_flag_on_post", "🚩"])
    member_weight: float = Field(default=1.0, ge=0, le=100)
    champion_weight: float = Field(default=2.0, ge=0, le=100)
    track_record_prior: float = Field(default=2.0, gt=0, le=100)
    review_threshold: float = Field(default=3.0, gt=0, le=1000)
    auto_hide_threshold: float | None = Field(default=None, gt=0, le=1000)
    flag_limit: int = Field(default=10, ge=1, le=1000)
    flag_limit_window: str = "1h"
    timeout_duration: str = "1d"
    warning_window: str = "90d"
    warning_steps: list[WarningStep] = Field(
        default_factory=lambda: [WarningStep(warnings=3, notify="managers")]
    )
    warning_text: str = "Please take a moment to re-read our code of conduct."
    appeal_window: str = "30d"

    @field_validator("flag_limit_window", "timeout_duration", "warning_window", "appeal_window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _hide_above_review(self) -> ModerationSection:
        if self.auto_hide_threshold is not None and (
            self.auto_hide_threshold <= self.review_threshold
        ):
            raise ValueError(
                f"auto_hide_threshold ({self.auto_hide_threshold:g}) must be higher than "
                f"review_threshold ({self.review_threshold:g}), or left out"
            )
        return self

    def duration(self, name: str) -> timedelta:
        """`flag_limit_window`, `timeout_duration`, `warning_window` or `appeal_window`."""
        return parse_duration(getattr(self, name))


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class LadderSection(_Strict):
    """Participation-ladder thresholds, per period: a creator started this many threads; a
    superuser posted this many times, this many of them replies in other people's threads."""

    creator_threads: int = Field(default=1, ge=1)
    superuser_posts: int = Field(default=10, ge=1)
    superuser_replies: int = Field(default=5, ge=0)


class MetricsSection(_Strict):
    """Health metrics, `/community stats` and the weekly digest to the managers' channel."""

    default_period: str = "7d"
    at_risk_silent_days: int = Field(default=14, ge=1, le=365)
    at_risk_min_posts: int = Field(default=3, ge=1)  # posts in the 90 days before going quiet
    newcomer_days: int = Field(default=30, ge=1, le=365)
    digest_enabled: bool = True
    digest_weekday: str = "monday"
    digest_hour: int = Field(default=9, ge=0, le=23)  # local time, [community] timezone
    ladder: LadderSection = LadderSection()

    @field_validator("default_period")
    @classmethod
    def _period(cls, value: str) -> str:
        from bot.metrics.periods import parse_period

        parse_period(value)
        return value

    @field_validator("digest_weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().lower()
        matches = [name for name in WEEKDAYS if name.startswith(day[:3])] if len(day) >= 3 else []
        if len(matches) != 1:
            raise ValueError(f"not a weekday; use one of {', '.join(WEEKDAYS)}")
        return matches[0]


class CommunityConfig(_Strict):
    community: CommunitySection = CommunitySection()
    channels: ChannelsSection = ChannelsSection()
    welcome: WelcomeSection = WelcomeSection()
    roles: RolesSection = RolesSection()
    questions: QuestionsSection = QuestionsSection()
    moderation: ModerationSection = ModerationSection()
    metrics: MetricsSection = MetricsSection()
    programming: ProgrammingSection = ProgrammingSection()


def load_community_config(path: Path | None) -> CommunityConfig:
    """Read the TOML file (the shipped example when no path is given)."""
    source = path or EXAMPLE_PATH
    if not source.is_file():
        raise ConfigError(
            f"COMMUNITY_CONFIG points to {source}, which does not exist. Copy "
            f"{EXAMPLE_PATH.name} from the bot package (or `community-bot config example`) "
            "and point COMMUNITY_CONFIG at it, or unset COMMUNITY_CONFIG to use the example."
        )
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}") from None
    try:
        return CommunityConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, source=str(source))) from None
