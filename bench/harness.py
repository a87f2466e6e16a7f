"""What every benchmark returns and how the results are printed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Row:
    """One measurement: our figure, the baseline measured in the same run, and their ratio."""

    name: str
    figure: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    higher_is_better: bool = True
    target: str = ""
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.figure / self.baseline


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """`with stopwatch() as elapsed: ...; elapsed()` in seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def print_rows(rows: list[Row], console: Console | None = None) -> None:
    table = Table(title="community-bot benchmarks")
    for column in ("benchmark", "figure", "baseline", "ratio", "target", "notes"):
        table.add_column(column)
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "—"
        baseline = f"{row.baseline:,.2f} ({row.baseline_name})" if row.baseline else "—"
        table.add_row(row.name, f"{row.figure:,.2f} {row.unit}", baseline, ratio, row.target,
                      row.notes)
    (console or Console()).print(table)


def write_json(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{**asdict(r), "ratio": r.ratio} for r in rows], indent=2))
