"""Start-up housekeeping of the composition root."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import YOUNG_COLLECTION_EVERY, tune_garbage_collection


@pytest.fixture
def tuned() -> Iterator[None]:
    defaults = gc.get_threshold()
    try:
        tune_garbage_collection()
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*defaults)


def test_objects_alive_at_start_up_are_left_out_of_later_collections(tuned: None) -> None:
    """What start-up made lives for the process: a full collection must not walk it again
    (it took ~80 ms a pass, holding the event loop)."""
    assert gc.get_freeze_count() > 50_000  # modules, SDKs, table metadata so far
    assert len(gc.get_objects(generation=2)) < 1_000
    made_by_traffic = [[n] for n in range(100)]  # lists: always tracked
    gc.collect()
    assert len(gc.get_objects(generation=2)) >= len(made_by_traffic)  # still collected


def test_young_collections_run_per_ten_thousand_new_objects_not_per_700(tuned: None) -> None:
    """A batch of events holds a few thousand objects at once; at Python's default a young
    collection ran every 700 of them. The collector still runs once more accumulate."""
    collections: list[int] = []

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        batch = [{"event": n} for n in range(YOUNG_COLLECTION_EVERY // 2)]
        during_a_batch = len(collections)
        kept = [{"event": n} for n in range(YOUNG_COLLECTION_EVERY * 2)]
    finally:
        gc.callbacks.remove(count)
    assert during_a_batch == 0
    assert collections and len(collections) <= 3
    del batch, kept
