"""Process settings from the environment and `.env`, built once at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import ArgumentError

from storage.db import IN_MEMORY, in_memory_sqlite


class ConfigError(Exception):
    """Configuration that stops start-up; the message names the key and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="forbid", case_sensitive=False
    )

    database_url: str = "sqlite:///data/community-bot.db"
    community_config: Path | None = None
    log_level: str | None = None  # default: INFO for `run`, WARNING in the console

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_base_url: str | None = None
    slack_http_port: int = 3000

    discord_bot_token: SecretStr | None = None
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    discord_shard_ids: str | None = None
    discord_shard_count: int | None = None

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"

    @field_validator("database_url")
    @classmethod
    def _kept_in_a_file(cls, value: str) -> str:
        try:
            memory = in_memory_sqlite(value)
        except ArgumentError:
            raise ValueError("not a database URL; e.g. sqlite:///data/community-bot.db or "
                             "postgresql://user@host/dbname") from None
        if memory:
            raise ValueError(IN_MEMORY)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_bot_token is not None


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    """Build the settings or raise `ConfigError` naming each bad key and how to fix it."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, source=f"environment / {env_file}")) from None


def describe_errors(exc: ValidationError, source: str) -> str:
    lines = [f"Invalid configuration in {source}:"]
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            lines.append(f"  - {key}: unknown key; remove it or check its spelling")
        elif any(word in key.lower() for word in ("token", "secret", "api_key", "url")):
            lines.append(f"  - {key}: {err['msg']}")  # never echo a secret
        else:
            lines.append(f"  - {key}: {err['msg']} (got {err.get('input')!r})")
    return "\n".join(lines)
