"""`community-bot export`: members and metrics as CSV (two tables) or JSON (one document)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.export import ExportError, export
from storage.db import Store
from storage.models import Community
from tests.metrics.conftest import NOW, History, days_ago


def a_small_history(store: Store) -> None:
    with store.session() as session:
        community_id = session.execute(insert(Community).values(
            platform="console", external_id="workspace", name="Console",
            created_at=NOW - timedelta(days=100),
        ).returning(Community.id)).scalar_one()
        h = History(session, community_id)
        h.member("ana", joined=days_ago(40))
        h.member("ben", joined=days_ago(3))
        h.member("bot", is_bot=True)
        question = h.post("ana", days_ago(2), "Where are the docs?", channel="help")
        h.reply("ben", question, days_ago(2, hours=-1), channel="help")
        h.question("ana", question, days_ago(2), channel="help", responder="ben",
                   responded=days_ago(2, hours=-1))
        h.post("ana", days_ago(9), "last week")
        h.post("bot", days_ago(1), "beep")


def test_csv_writes_a_members_table_and_a_metrics_table(
    store: Store, config: CommunityConfig, tmp_path: Path
) -> None:
    a_small_history(store)

    written = export(store, config, period_word="7d", fmt="csv", output=tmp_path / "out.csv",
                     clock=ManualClock(NOW))

    assert written == [tmp_path / "out.csv", tmp_path / "out-metrics.csv"]
    members = list(csv.DictReader(written[0].open(encoding="utf-8")))
    assert [(m["member_id"], m["posts"], m["first_responses"], m["rung"], m["previous_rung"])
            for m in members] == [("ana", "1", "0", "creator", "creator"),
                                  ("ben", "1", "1", "commenter", "reader")]
    assert members[0]["last_post_at"] == days_ago(2).isoformat()
    metrics = {row["metric"]: row for row in csv.DictReader(written[1].open(encoding="utf-8"))}
    assert (metrics["posts"]["current"], metrics["posts"]["previous"]) == ("2", "1")
    assert metrics["questions_answered_rate"]["current"] == "1.0"
    assert metrics["median_first_response_seconds"]["current"] == "3600.0"
    assert metrics["posts_per_contributor"]["previous"] == "1.0"
    assert metrics["ladder_commenter"]["current"] == "1"


def test_json_goes_to_standard_output_as_one_document(
    store: Store, config: CommunityConfig
) -> None:
    a_small_history(store)
    out = io.StringIO()

    assert export(store, config, period_word="30d", fmt="json", output=None,
                  clock=ManualClock(NOW), stdout=out) == []

    document = json.loads(out.getvalue())
    assert document["community"] == {"platform": "console", "id": "workspace", "name": "Console"}
    assert document["period"]["end"] == NOW.isoformat()
    assert document["metrics"]["posts"] == {"current": 3, "previous": 0}
    assert document["metrics"]["adoption_members"]["current"] == 2  # the bot is no member
    assert [m["member_id"] for m in document["members"]] == ["ana", "ben"]


def test_several_communities_need_a_choice(store: Store, config: CommunityConfig) -> None:
    a_small_history(store)
    with store.session() as session:
        session.execute(insert(Community).values(
            platform="slack", external_id="T1", name="Acme", created_at=NOW,
        ))

    with pytest.raises(ExportError, match="pick one with --community: console:workspace"):
        export(store, config, period_word="7d", fmt="json", output=None, stdout=io.StringIO())
    out = io.StringIO()
    export(store, config, period_word="7d", fmt="json", output=None, community="Acme",
           stdout=out, clock=ManualClock(NOW))
    assert json.loads(out.getvalue())["members"] == []


def test_cli_checks_arguments_before_touching_the_database(tmp_path: Path, monkeypatch) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert main(["export", "--period", "forever"]) == 2
    assert not (tmp_path / "data").exists()
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert main(["export", "--database", url]) == 2  # an empty store: nothing to export
    a_small_history(Store.from_url(url))
    assert main(["export", "--database", url, "--format", "json",
                 "--output", str(tmp_path / "x.json")]) == 0
    assert json.loads((tmp_path / "x.json").read_text())["metrics"]["posts"]["current"] == 0
