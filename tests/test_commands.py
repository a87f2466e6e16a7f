"""Reading `/community` arguments as people type them."""

from __future__ import annotations

import pytest

from bot.commands import UsageError, split_args


def test_apostrophes_are_letters_and_double_quotes_group_words() -> None:
    assert split_args('tip add What\'s new in "release 2"') == [
        "tip", "add", "What's", "new", "in", "release 2"
    ]


def test_unbalanced_double_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="could not read the arguments"):
        split_args('faq "unfinished')
