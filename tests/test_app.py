"""Start-up housekeeping of the composition root."""

from __future__ import annotations

import gc

from bot.app import freeze_startup_objects


def test_objects_alive_at_start_up_are_left_out_of_later_collections() -> None:
    """What start-up made lives for the process: a full collection must not walk it again
    (it took ~80 ms a pass, holding the event loop)."""
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 50_000  # modules, SDKs, table metadata so far
        assert len(gc.get_objects(generation=2)) < 1_000
        made_by_traffic = [[n] for n in range(100)]  # lists: always tracked
        gc.collect()
        assert len(gc.get_objects(generation=2)) >= len(made_by_traffic)  # still collected
    finally:
        gc.unfreeze()
