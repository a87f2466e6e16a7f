"""`python -m bench [--full] [--json PATH] [NAME ...]` (or `community-bot bench …` in a source
checkout): run the benchmarks and print a table."""

from __future__ import annotations

import argparse
import importlib
import platform
from pathlib import Path

from rich.console import Console

from bench.harness import Row, print_rows, write_json

# Each module has `run(full: bool) -> list[Row]`.
BENCHMARKS = ("pipeline", "slack_overhead", "join_burst", "stats", "sla_sweep", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--full", action="store_true", help="the documented (large) sizes")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    if unknown := [name for name in args.names if name not in BENCHMARKS]:
        parser.error(f"no benchmark called {', '.join(unknown)}; "
                     f"choose from {', '.join(BENCHMARKS)}")
    console = Console()
    rows: list[Row] = []
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        console.print(f"[dim]running {name}…[/]")
        rows.extend(module.run(args.full))
    console.print(f"machine: {platform.machine()}, {platform.python_implementation()} "
                  f"{platform.python_version()}, {platform.system()}")
    print_rows(rows, console)
    if args.json:
        write_json(rows, args.json)


if __name__ == "__main__":
    main()
