"""Bad configuration stops start-up with a message naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.community_config import load_community_config
from bot.settings import ConfigError, load_settings


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_example_config_is_valid() -> None:
    config = load_community_config(None)
    assert config.welcome.enabled and len(config.welcome.first_activities) == 5


def test_missing_config_file_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_community_config(tmp_path / "nope.toml")
    assert "COMMUNITY_CONFIG points to" in str(err.value)
    assert "does not exist" in str(err.value)


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml", '[welcome]\nenabeld = true\n')
    with pytest.raises(ConfigError) as err:
        load_community_config(path)
    assert "welcome.enabeld: unknown key; remove it or check its spelling" in str(err.value)


def test_wrong_type_is_named_with_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml", '[welcome]\nmax_names_per_post = "many"\n')
    with pytest.raises(ConfigError) as err:
        load_community_config(path)
    assert "welcome.max_names_per_post" in str(err.value) and "'many'" in str(err.value)


def test_bad_duration_and_time_zone_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml",
                 '[community]\ntimezone = "Mars/Olympus"\n[welcome]\nbatch_window = "soon"\n')
    with pytest.raises(ConfigError) as err:
        load_community_config(path)
    message = str(err.value)
    assert "community.timezone" in message and "IANA name" in message
    assert "welcome.batch_window" in message and "90s, 15m" in message


def test_invalid_toml_says_where(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml", "[welcome\n")
    with pytest.raises(ConfigError) as err:
        load_community_config(path)
    assert "is not valid TOML" in str(err.value)


def test_unknown_variable_in_env_file_is_named(tmp_path: Path) -> None:
    env = write(tmp_path, ".env", "SLACK_BOT_TOKN=xoxb-1\n")
    with pytest.raises(ConfigError) as err:
        load_settings(env_file=env)
    assert "slack_bot_tokn: unknown key" in str(err.value)


def test_wrong_type_in_environment_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_HTTP_PORT", "three thousand")
    with pytest.raises(ConfigError) as err:
        load_settings(env_file=None)
    assert "slack_http_port" in str(err.value)


def test_an_in_memory_or_malformed_database_url_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(ConfigError) as err:
        load_settings(env_file=None)
    assert "database_url" in str(err.value)
    assert "give a file, e.g. sqlite:///data/community-bot.db" in str(err.value)

    monkeypatch.setenv("DATABASE_URL", "sqlite:/data/bot.db")  # one slash short
    with pytest.raises(ConfigError) as err:
        load_settings(env_file=None)
    assert "database_url: Value error, not a database URL" in str(err.value)


def test_secrets_never_appear_in_settings_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    settings = load_settings(env_file=None)
    assert "xoxb-very-secret" not in repr(settings) and "xoxb-very-secret" not in str(settings)


def test_cli_reports_bad_config_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "c.toml", "[channels]\nwelcom = 'hi'\n")
    monkeypatch.setenv("COMMUNITY_CONFIG", str(path))
    assert main(["--env-file", str(tmp_path / "none"), "config", "check"]) == 2
    assert "channels.welcom: unknown key" in capsys.readouterr().err


def test_run_without_platform_tokens_points_to_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("SLACK_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--env-file", str(tmp_path / "none"), "run"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "DISCORD_BOT_TOKEN" in err
    assert "community-bot console" in err
