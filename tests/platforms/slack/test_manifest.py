"""slack/manifest.yml subscribes to exactly the events the adapter translates and points every
request URL at the one endpoint the adapter serves."""

from __future__ import annotations

import re
from pathlib import Path

from bot.platforms.slack.adapter import EVENTS_PATH
from bot.platforms.slack.translate import EVENT_TRANSLATORS

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yml"


def listed_under(key: str) -> list[str]:
    """The `- item` lines of a YAML list (comments dropped); enough for this flat manifest."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    items = []
    for line in lines[start + 1:]:
        if not line.strip().startswith("- "):
            break
        items.append(line.strip()[2:].split("#")[0].strip())
    return items


def test_events_are_exactly_those_the_adapter_translates() -> None:
    events = listed_under("bot_events")
    assert {event.split(".")[0] for event in events} == set(EVENT_TRANSLATORS)
    assert len(events) == len(set(events))


def test_command_shortcut_and_urls_match_the_adapter() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert "command: /community" in text
    assert "callback_id: flag_message" in text and "type: message" in text
    urls = re.findall(r"(?:url|request_url): (\S+)", text)
    assert len(urls) == 3 and all(url.endswith(EVENTS_PATH) for url in urls)
    scopes = listed_under("bot")
    assert scopes == sorted(scopes) and "commands" in scopes and "chat:write" in scopes
