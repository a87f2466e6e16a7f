"""The `/community` namespace: subcommands register here with a usage line and a role."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.roles import Role
from bot.text import Text

if TYPE_CHECKING:
    from bot.context import Turn


class UsageError(Exception):
    """Wrong arguments: the reply is this message plus the usage line."""


@dataclass(frozen=True)
class CommandCall:
    words: tuple[str, ...]  # the arguments after the subcommand's name
    role: Role


@dataclass(frozen=True)
class Subcommand:
    name: str  # one or more words: "help", "tip add"
    usage: str  # arguments, e.g. "<text>"
    summary: str
    role: Role
    run: Callable[[CommandCall, Turn], Awaitable[Text | str]]

    @property
    def usage_line(self) -> str:
        return f"/community {self.name} {self.usage}".rstrip()


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, Subcommand] = {}

    def add(self, command: Subcommand) -> None:
        if command.name in self._commands:
            raise ValueError(f"subcommand {command.name!r} registered twice")
        self._commands[command.name] = command

    def find(self, words: list[str]) -> tuple[Subcommand | None, list[str]]:
        """The longest registered name that starts `words`, and the words after it."""
        lowered = [w.lower() for w in words]
        for length in range(min(3, len(words)), 0, -1):
            found = self._commands.get(" ".join(lowered[:length]))
            if found:
                return found, words[length:]
        return None, words

    def visible_to(self, role: Role) -> list[Subcommand]:
        return sorted(
            (c for c in self._commands.values() if c.role <= role), key=lambda c: c.name
        )


POST_FLAG = "--post"


@dataclass(frozen=True)
class PublicReply:
    """A reply a moderator or manager asked to post in the channel (a trailing `--post`)."""

    text: Text | str


def take_post_flag(words: list[str]) -> tuple[list[str], bool]:
    """`/community stats 30d --post`: the words without a trailing `--post`, and whether it
    was there. Replies are private unless asked for."""
    if words and words[-1].lower() == POST_FLAG:
        return words[:-1], True
    return words, False


def split_args(text: str) -> list[str]:
    """Words, with "double quotes" grouping words; an apostrophe is just a letter (`What's
    new`), and an unbalanced double quote is a usage error."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.commenters = ""
    lexer.escape = ""
    try:
        return list(lexer)
    except ValueError as exc:
        raise UsageError(f"could not read the arguments: {exc}") from None
