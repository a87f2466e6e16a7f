"""The community's own content and policy: channels, texts, roles, cadences (a TOML file).

Unknown keys and wrong types stop start-up with a message naming the key, so a typo never
silently turns a feature off.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.clock import parse_duration
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


class CommunityConfig(_Strict):
    community: CommunitySection = CommunitySection()
    channels: ChannelsSection = ChannelsSection()
    welcome: WelcomeSection = WelcomeSection()
    roles: RolesSection = RolesSection()


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
