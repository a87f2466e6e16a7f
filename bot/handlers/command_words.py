"""Reading command arguments people type: channels, members, numbers, cron lines and free text,
in whichever form the platform delivers them (`#general`, `<#C1|general>`, `@ana`, `<@U1>`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.commands import UsageError
from bot.context import Turn
from bot.events import CommandInvoked

_CHANNEL_MENTION = re.compile(r"^<#([A-Za-z0-9]+)(?:\|([^>]*))?>$")
_USER_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
_QUOTES = "\"'“”‘’"


def channel_word(word: str) -> tuple[str, str]:
    """(name, platform id) of a channel given as `#name`, `name` or a platform mention."""
    mention = _CHANNEL_MENTION.match(word)
    if mention:
        return (mention.group(2) or "").lower(), mention.group(1)
    name = word.lstrip("#").lower()
    if not _NAME.match(name):
        raise UsageError(f"{word!r} is not a channel; write it like #general")
    return name, ""


def user_word(word: str) -> str:
    """A member's platform id from `@name`, `name` or a platform mention."""
    mention = _USER_MENTION.match(word)
    if mention:
        return mention.group(1)
    handle = word.lstrip("@")
    if not handle or len(handle) > 64 or not re.match(r"^[\w.\-]+$", handle):
        raise UsageError(f"{word!r} is not a member; write it like @ana")
    return handle


def number_word(word: str, what: str) -> int:
    digits = word.lstrip("#")
    if not digits.isdigit() or len(digits) > 9:
        raise UsageError(f"{word!r} is not a {what} number")
    return int(digits)


def take_cron(words: Sequence[str]) -> tuple[str, list[str]]:
    """A cron line typed in quotes (one word) or as five bare words; and the words after it.
    Quotes a chat client made curly are taken off too."""
    if not words:
        raise UsageError("the cadence is missing")
    first = words[0].strip(_QUOTES)
    if " " in first:
        return first, list(words[1:])
    if len(words) < 5:
        raise UsageError("the cadence needs five fields")
    return " ".join(w.strip(_QUOTES) for w in words[:5]), list(words[5:])


def free_text(turn: Turn, words: Sequence[str], skip: int) -> str:
    """The text after the first `skip` words of the raw command, as typed (quotes and
    spacing kept), falling back to the parsed words."""
    event = turn.event
    if isinstance(event, CommandInvoked):
        parts = event.args.strip().split(None, skip)
        if len(parts) > skip:
            raw = parts[skip].strip()
            if len(raw) > 1 and raw[0] in _QUOTES and raw[-1] in _QUOTES and raw.count(raw[0]) == 2:
                raw = raw[1:-1].strip()
            return raw
    return " ".join(words).strip()
