"""A report is several independent statements; a `Reads` runs a batch of them.

- `in_order(session)`: one after another on one session (the export, the metrics' tests);
- `Store.read_at_once`: each on its own connection in a worker thread, all at once, so a big
  community's report uses every core (what `Turn.report` and the digest use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlmodel import Session

Read = Callable[[Session], Any]


class Reads(Protocol):
    def __call__(self, *reads: Read) -> list[Any]:
        """Each read's result, in the order given."""
        ...


def in_order(session: Session) -> Reads:
    def run(*reads: Read) -> list[Any]:
        return [read(session) for read in reads]

    return run
