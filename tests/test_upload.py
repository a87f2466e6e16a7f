"""Files through the Chat port: an `upload` outbox row carries the bytes and is sent once."""

from __future__ import annotations

from pathlib import Path

from bot.clock import ManualClock
from bot.events import ChannelRef, UserRef
from bot.platforms.console.workspace import ConsoleWorkspace
from bot.sender import OutboxSender
from bot.text import Text
from storage.db import Store
from storage.directory import Directory
from storage.outbox import Outbox
from tests.events import CONSOLE

DATA = bytes(range(256)) * 40  # binary, not text: it must survive the JSON payload


def enqueue_upload(store: Store, clock: ManualClock, key: str) -> bool:
    with store.session() as session:
        community_id = Directory().community_id(session, CONSOLE, clock.now())
        outbox = Outbox(session, platform="console", community_id=community_id, now=clock.now())
        return outbox.upload(ChannelRef(id="", name="community-managers"), "chart.png", DATA,
                             Text.of("Numbers for {user}", user=UserRef(id="maria", name="maria")),
                             key=key)


async def test_an_uploaded_file_arrives_once_byte_for_byte(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    workspace = ConsoleWorkspace(uploads_dir=tmp_path)
    sender = OutboxSender(store, {"console": workspace}, clock)

    assert enqueue_upload(store, clock, "digest:1:2026-W02")
    assert not enqueue_upload(store, clock, "digest:1:2026-W02")  # the same week: no-op
    await sender.drain()
    await sender.drain()

    [message] = workspace.messages
    assert message.ref.channel.id == "community-managers"  # resolved from the config name
    assert message.text.startswith("Numbers for @maria\n📎 chart.png (")
    assert workspace.uploads[message.number].read_bytes() == DATA
    assert workspace.uploads[message.number].parent == tmp_path


class NoFiles(ConsoleWorkspace):
    """An adapter that cannot upload yet."""

    def __getattribute__(self, name: str):
        if name == "upload":
            raise AttributeError(name)
        return super().__getattribute__(name)


async def test_a_platform_without_uploads_still_gets_the_text(
    store: Store, clock: ManualClock
) -> None:
    workspace = NoFiles()
    enqueue_upload(store, clock, "digest:1:2026-W03")

    await OutboxSender(store, {"console": workspace}, clock).drain()

    assert [m.text for m in workspace.messages] == ["Numbers for @maria"]
