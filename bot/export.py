"""`community-bot export`: members and metrics for a spreadsheet or a BI tool.

JSON is one document (community, periods, metrics now and before, the ladder, members).
CSV is two tables, one per file: the members at `--output` and the metrics next to it
(`<name>-metrics.csv`). Members are read with one set-based query and streamed out.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlmodel import Session

from bot.clock import Clock, SystemClock
from bot.community_config import CommunityConfig
from bot.metrics.health import Health, health
from bot.metrics.ladder import LadderRules, Rung, activity, ladder, member_rungs
from bot.metrics.periods import Period, parse_period
from bot.metrics.questions import accepted_answers, first_responses
from bot.metrics.reads import in_order
from storage.db import Store
from storage.models import Community, Member, Message

MEMBER_COLUMNS = (
    "member_id", "name", "joined_at", "last_post_at", "posts", "threads_started",
    "replies_to_others", "reactions_given", "first_responses", "accepted_answers", "rung",
    "previous_rung",
)


class ExportError(Exception):
    """Bad arguments or an ambiguous community: the message says what to do."""


@dataclass(frozen=True)
class Target:
    community_id: int
    platform: str
    external_id: str
    name: str


def find_community(session: Session, wanted: str | None) -> Target:
    """`platform:id` (or a name); without one, the only community in the store."""
    rows = session.execute(
        select(Community.id, Community.platform, Community.external_id, Community.name)
        .order_by(Community.id)
    ).all()
    if wanted:
        rows = [r for r in rows if wanted in (f"{r.platform}:{r.external_id}", r.name)]
    if len(rows) == 1:
        return Target(*rows[0])
    if not rows:
        raise ExportError(f"no community {wanted!r} in the store" if wanted else
                          "the store holds no community yet: run the bot first")
    choices = ", ".join(f"{r.platform}:{r.external_id} ({r.name})" for r in rows)
    raise ExportError(f"several communities in the store; pick one with --community: {choices}")


def metric_rows(figures: Health) -> Iterator[tuple[str, Any, Any]]:
    """(metric, current, previous) for every engagement and adoption figure."""
    pairs = ((figures.now.engagement, figures.before.engagement),
             (figures.now.adoption, figures.before.adoption))
    names = {
        0: ("active_members", "contributors", "posts", "posts_per_contributor", "threads",
            "threads_with_replies", "reply_share", "replies_per_thread", "reactions_per_post"),
        1: ("members", "active", "active_share", "contributors", "contributor_share", "readers",
            "reader_share", "newcomers", "newcomers_posted"),
    }
    for index, (now, before) in enumerate(pairs):
        prefix = "adoption_" if index else ""
        for name in names[index]:
            yield prefix + name, _round(getattr(now, name)), _round(getattr(before, name))
    questions_now, questions_before = (figures.now.engagement.questions,
                                       figures.before.engagement.questions)
    for name in ("asked", "answered", "answered_rate", "median_seconds", "p90_seconds"):
        label = {"median_seconds": "median_first_response_seconds",
                 "p90_seconds": "p90_first_response_seconds"}.get(name, f"questions_{name}")
        yield label, _round(getattr(questions_now, name)), _round(getattr(questions_before, name))


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def member_rows(
    session: Session, community_id: int, period: Period, rules: LadderRules
) -> Iterator[dict[str, Any]]:
    """One row per member present at the period's end, streamed from one query."""
    rungs = member_rungs(community_id, period, rules)
    acts = activity(community_id, period, "export_acts")
    firsts = first_responses(community_id, period).subquery("export_firsts")
    accepted = accepted_answers(community_id, period)
    accepted_counts = select(accepted.c.answerer_id, func.count().label("accepted")) \
        .group_by(accepted.c.answerer_id).subquery("export_accepted")
    last_post = select(Message.author_id, func.max(Message.posted_at).label("at")) \
        .where(Message.community_id == community_id, Message.deleted_at.is_(None),
               Message.posted_at < period.end) \
        .group_by(Message.author_id).subquery("export_last")
    statement = (
        select(
            rungs.c.external_id, rungs.c.display_name, Member.joined_at, last_post.c.at,
            func.coalesce(acts.c.posts, 0), func.coalesce(acts.c.threads, 0),
            func.coalesce(acts.c.replies, 0), func.coalesce(acts.c.reactions, 0),
            func.coalesce(firsts.c.first_responses, 0),
            func.coalesce(accepted_counts.c.accepted, 0), rungs.c.now, rungs.c.before,
        )
        .join(Member, Member.id == rungs.c.member_id)
        .outerjoin(acts, acts.c.member_id == rungs.c.member_id)
        .outerjoin(firsts, firsts.c.member_id == rungs.c.member_id)
        .outerjoin(accepted_counts, accepted_counts.c.answerer_id == rungs.c.member_id)
        .outerjoin(last_post, last_post.c.author_id == rungs.c.member_id)
        .order_by(rungs.c.external_id)
    )
    for row in session.execute(statement.execution_options(yield_per=1000)):
        values = list(row)
        values[1] = values[1] or values[0]
        values[-2], values[-1] = Rung(values[-2]).label, Rung(values[-1]).label
        yield {column: _cell(value) for column, value in zip(MEMBER_COLUMNS, values,
                                                              strict=True)}


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):  # PostgreSQL's SUM over integers
        return int(value) if value == value.to_integral_value() else float(value)
    return value.isoformat() if isinstance(value, datetime) else value


def check_arguments(config: CommunityConfig, period_word: str | None, fmt: str) -> timedelta:
    """The period's length, or an `ExportError` before anything is opened or written."""
    if fmt not in ("csv", "json"):
        raise ExportError(f"unknown format {fmt!r}: use csv or json")
    try:
        return parse_period(period_word or config.metrics.default_period)
    except ValueError as exc:
        raise ExportError(str(exc)) from None


def export(
    store: Store, config: CommunityConfig, *, period_word: str | None, fmt: str,
    output: Path | None, community: str | None = None, clock: Clock | None = None,
    stdout: TextIO | None = None,
) -> list[Path]:
    """Write the export; returns the files written (none when JSON went to stdout)."""
    length = check_arguments(config, period_word, fmt)
    period = Period.ending((clock or SystemClock()).now(), length)
    with store.session() as session:
        target = find_community(session, community)
        rules = LadderRules.from_config(config, target.platform)
        figures = health(in_order(session), target.community_id, period)
        metrics = list(metric_rows(figures))
        rungs = ladder(session, target.community_id, period, rules)
        metrics += [(f"ladder_{rung.name.lower()}", rungs.now[rung], rungs.before[rung])
                    for rung in Rung]
        members = member_rows(session, target.community_id, period, rules)
        if fmt == "json":
            return _write_json(target, period, metrics, members, output, stdout)
        return _write_csv(metrics, members, output or Path("community-export.csv"))


def _write_json(
    target: Target, period: Period, metrics: list[tuple[str, Any, Any]],
    members: Iterator[dict[str, Any]], output: Path | None, stdout: TextIO | None,
) -> list[Path]:
    document = {
        "community": {"platform": target.platform, "id": target.external_id,
                      "name": target.name},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "previous_period": {"start": period.previous.start.isoformat(),
                            "end": period.previous.end.isoformat()},
        "metrics": {name: {"current": now, "previous": before} for name, now, before in metrics},
        "members": list(members),
    }
    if output is None:
        out = stdout or sys.stdout
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return []
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [output]


def _write_csv(
    metrics: list[tuple[str, Any, Any]], members: Iterator[dict[str, Any]], output: Path
) -> list[Path]:
    metrics_path = output.with_name(f"{output.stem}-metrics{output.suffix or '.csv'}")
    with output.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=MEMBER_COLUMNS)
        writer.writeheader()
        writer.writerows(members)
    buffer = io.StringIO()
    table = csv.writer(buffer)
    table.writerow(("metric", "current", "previous"))
    table.writerows(("" if value is None else value for value in row) for row in metrics)
    metrics_path.write_text(buffer.getvalue(), encoding="utf-8")
    return [output, metrics_path]

