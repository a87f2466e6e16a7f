"""The outbox sender: drains due rows per platform, paced, retried, each sent once.

Rows are claimed round-robin across their lanes (a channel, or a member's DMs; see
`storage.outbox.claim_due`); lanes run concurrently, each in order, behind the platform's
global and per-channel token buckets.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from bot.chat import Chat, ChatError, DirectMessagesBlocked, PermanentError, RateLimited
from bot.clock import Clock
from bot.events import ChannelRef, CommunityRef, MessageRef
from bot.pacing import Pacer
from bot.text import Text
from storage import outbox as ob
from storage.db import Store
from storage.models import Community, OutboxMessage

log = logging.getLogger(__name__)

# Rows held in lanes at most, in claim batches: claiming ahead lets a lane whose rows come
# later in id order (a burst's public welcomes, after its DMs) run alongside the others.
HELD_PER_BATCH = 10


class _NotReady(Exception):
    """The row depends on another row that is not sent yet."""


@dataclass
class SenderStats:
    sent: int = 0
    recovered: int = 0
    rate_limited: int = 0
    retried: int = 0
    failed: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff_base: float = 1.0
    backoff_max: float = 300.0
    wait_in_place: float = 15.0  # rate-limit waits up to this are slept, longer ones stored

    def backoff(self, attempts: int) -> float:
        delay = min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1))
        return delay * random.uniform(0.8, 1.2)


def calls_for(chat: Chat, row: OutboxMessage) -> int:
    """Platform calls sending `row` costs against the global pace: an adapter whose sends may
    take more than one (a Discord DM to a member whose DM channel is not open yet) says so
    with `calls_for(kind, payload)`."""
    count = getattr(chat, "calls_for", None)
    return int(count(row.kind, row.payload)) if count is not None else 1


class OutboxSender:
    def __init__(
        self, store: Store, chats: Mapping[str, Chat], clock: Clock, *,
        batch: int = 200, lease: timedelta = timedelta(seconds=120),
        retry: RetryPolicy | None = None, idle_poll: float = 1.0,
    ) -> None:
        self.store = store
        self.chats = dict(chats)
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.idle_poll = idle_poll
        self.stats = SenderStats()
        self._pacers = {name: Pacer(chat.pace) for name, chat in self.chats.items()}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Claimed rows waiting or being sent, per (platform, lane), each lane sent in order.
        self._lanes: dict[tuple[str, str], deque[OutboxMessage]] = {}
        self._lane_tasks: set[asyncio.Task[None]] = set()
        self._held: set[int] = set()
        self._renewed_at: datetime | None = None
        self._more_due = False
        self._communities: dict[int, CommunityRef] = {}

    async def start(self) -> None:
        """Recover rows a crashed single process left in flight, then drain in the background."""
        if self.store.is_sqlite:
            async with self.store.transaction() as session:
                for platform in self.chats:
                    ob.release_all_leases(session, platform, self.clock.now())
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Stop sending; rows claimed but not sent go again after a restart (or their lease)."""
        for task in [*([self._task] if self._task else []), *self._lane_tasks]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    async def _run(self) -> None:
        """Keep the lanes busy: claim more as lanes free up, so one slow lane (a channel paced
        at a post a second) never holds back the others, as waiting for a whole claimed batch
        would."""
        while True:
            self._wake.clear()
            try:
                claimed = await self._claim()
                await self._renew_leases()
            except Exception:
                log.exception("outbox sender pass failed; retrying")
                claimed = 0
            if not claimed or not self._room():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll)

    async def drain(self, max_passes: int = 1000) -> int:
        """Send until nothing is due (console and tests); returns how many were handled."""
        total = 0
        for _ in range(max_passes):
            handled = await self.send_due()
            if not handled:
                break
            total += handled
        return total

    async def send_due(self) -> int:
        """Claim what is due and send it; returns how many rows were claimed, once every
        lane is done."""
        claimed = await self._claim()
        while self._lane_tasks:
            await asyncio.gather(*list(self._lane_tasks), return_exceptions=True)
        return claimed

    def _room(self) -> bool:
        return len(self._held) < HELD_PER_BATCH * self.batch

    async def _claim(self) -> int:
        """Claim due rows into their lanes (a lane already sending gets them at its tail)."""
        claimed, more_due = 0, False
        for platform in self.chats:
            if not self._room():
                more_due = True
                break
            async with self.store.transaction() as session:
                # Lanes sending here take their later rows at their tail, in order.
                own = {lane for (p, lane) in self._lanes if p == platform}
                rows = ob.claim_due(session, platform, self.clock.now(), limit=self.batch,
                                    lease=self.lease, own_lanes=own)
            more_due |= len(rows) == self.batch  # probably: claim again when room frees
            for row in rows:
                if row.id is None or row.id in self._held:
                    continue  # already queued here (its lease ran out while it waited)
                self._held.add(row.id)
                key = (platform, row.lane)
                queue = self._lanes.get(key)
                if queue is None:
                    queue = self._lanes[key] = deque()
                    task = asyncio.create_task(self._send_lane(platform, key, queue),
                                               name=f"outbox-lane-{key[1]}")
                    self._lane_tasks.add(task)
                    task.add_done_callback(self._lane_tasks.discard)
                queue.append(row)
                claimed += 1
        self._more_due = more_due
        return claimed

    async def _renew_leases(self) -> None:
        """Rows waiting in a lane keep their claim: after the lease another process, or the
        next claim here, would take them again and send them twice."""
        now = self.clock.now()
        if not self._held or (self._renewed_at and now < self._renewed_at + self.lease / 3):
            return
        self._renewed_at = now
        async with self.store.transaction() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(list(self._held)), OutboxMessage.status == "sending")
                .values(lease_until=now + self.lease)
            )

    async def _send_lane(
        self, platform: str, key: tuple[str, str], queue: deque[OutboxMessage]
    ) -> None:
        chat, pacer, lane = self.chats[platform], self._pacers[platform], key[1]
        try:
            while queue:
                row = queue.popleft()
                try:
                    resume_at = await self._send_row(chat, pacer, lane, row, backlog=bool(queue))
                finally:
                    self._held.discard(row.id)  # type: ignore[arg-type]
                if resume_at is not None:
                    # The rest of the lane waits behind its head, so a channel keeps its order.
                    rest = [r.id for r in queue if r.id is not None]
                    queue.clear()
                    self._held.difference_update(rest)
                    del self._lanes[key]
                    async with self.store.transaction() as session:
                        ob.release(session, rest, resume_at)
        except Exception:
            # What is left stays claimed and goes again after its lease.
            log.exception("outbox lane %s failed; its rows are retried later", lane)
            self._held.difference_update(r.id for r in queue if r.id is not None)
        finally:
            if self._lanes.get(key) is queue:
                del self._lanes[key]
            if self._more_due and len(self._held) <= (HELD_PER_BATCH - 1) * self.batch:
                self._wake.set()  # a batch's worth of room for the rows still due

    async def _send_row(
        self, chat: Chat, pacer: Pacer, lane: str, row: OutboxMessage, *, backlog: bool = False
    ) -> datetime | None:
        """Send one row; returns when its lane may go on if the row had to wait, else None."""
        assert row.id is not None
        if row.attempts > 1 and row.kind in ("post", "dm", "upload"):
            found = await chat.find_sent(row.kind, row.key)
            if found is not None:
                await self._finish(row, ob.dump_ref(found))
                self.stats.recovered += 1
                return None
        while True:
            calls = calls_for(chat, row)
            await pacer.acquire(lane, calls, backlog=backlog)
            try:
                result = await self._deliver(chat, row)
            except RateLimited as exc:
                self.stats.rate_limited += 1
                (pacer.global_bucket if exc.is_global else pacer.channel(lane)).block_for(
                    exc.retry_after
                )
                if exc.retry_after <= self.retry.wait_in_place:
                    continue  # the buckets now hold the lane back until retry-after
                return await self._reschedule(row, exc.retry_after, str(exc))
            except _NotReady:
                return await self._reschedule(row, 1.0, "waiting for the message it edits")
            except PermanentError as exc:
                await self._fail(row, exc)
                return None
            except (ChatError, OSError, TimeoutError) as exc:
                return await self._retry_later(row, exc)
            except Exception as exc:
                log.exception("unexpected error sending outbox row %s (%s)", row.id, row.kind)
                return await self._retry_later(row, exc)
            finally:
                pacer.settled(calls)
            await self._finish(row, result)
            return None

    async def _finish(self, row: OutboxMessage, result: dict[str, Any] | None) -> None:
        async with self.store.transaction() as session:
            if ob.mark_sent(session, row.id, self.clock.now(), result):  # type: ignore[arg-type]
                self.stats.sent += 1
                self.stats.by_kind[row.kind] += 1

    async def _reschedule(self, row: OutboxMessage, delay: float, error: str) -> datetime:
        at = self.clock.now() + timedelta(seconds=delay)
        async with self.store.transaction() as session:
            ob.reschedule(session, row.id, at, error)  # type: ignore[arg-type]
        return at

    async def _retry_later(self, row: OutboxMessage, exc: BaseException) -> datetime | None:
        if row.attempts >= self.retry.max_attempts:
            await self._fail(row, exc)
            return None
        self.stats.retried += 1
        delay = self.retry.backoff(row.attempts)
        log.warning("outbox row %s (%s) failed, retry in %.1fs: %s", row.id, row.kind, delay, exc)
        return await self._reschedule(row, delay, f"{type(exc).__name__}: {exc}")

    async def _fail(self, row: OutboxMessage, exc: BaseException) -> None:
        self.stats.failed += 1
        log.warning("outbox row %s (%s) given up: %s", row.id, row.kind, exc)
        async with self.store.transaction() as session:
            ob.mark_failed(session, row.id, f"{type(exc).__name__}: {exc}")  # type: ignore[arg-type]
            fallback = row.payload.get("fallback")
            if isinstance(exc, DirectMessagesBlocked) and fallback:
                log.info("member %s blocks DMs; posting the fallback publicly instead",
                         row.payload["user"]["id"])
                outbox = ob.Outbox(session, platform=row.platform,
                                   community_id=row.community_id, now=self.clock.now())
                outbox.post(ob.load_channel(fallback["channel"]),
                            Text.from_json(fallback["text"]), key=row.key + ":fallback")
        self.wake()

    async def _deliver(self, chat: Chat, row: OutboxMessage) -> dict[str, Any] | None:
        p = row.payload
        text = Text.from_json(p["text"]) if "text" in p else Text()
        kind = row.kind
        if kind == "post":
            channel = await self._channel(chat, row)
            ref = await chat.post(channel, text, thread_id=p.get("thread_id"), key=row.key)
            return ob.dump_ref(ref)
        if kind == "dm":
            return ob.dump_ref(await chat.dm(ob.load_user(p["user"]), text, key=row.key))
        if kind == "upload":
            channel = await self._channel(chat, row)
            if not hasattr(chat, "upload"):  # an adapter that cannot post files: text only
                log.warning("%s cannot upload files; posting %s without it", chat.platform,
                            p["filename"])
                return ob.dump_ref(await chat.post(channel, text, thread_id=None, key=row.key))
            data = base64.b64decode(p["data"])
            return ob.dump_ref(await chat.upload(channel, p["filename"], data, text, key=row.key))
        if kind == "ephemeral":
            await chat.ephemeral(
                await self._channel(chat, row), ob.load_user(p["user"]), text,
                interaction=ob.load_interaction(p.get("interaction")), key=row.key,
            )
        elif kind == "react":
            await chat.react(ob.load_message(p["message"]), p["emoji"])
        elif kind == "unreact":
            user = ob.load_user(p["user"]) if p.get("user") else None
            await chat.unreact(ob.load_message(p["message"]), p["emoji"], user)
        elif kind == "update":
            await chat.update(await self._target(p), text)
        elif kind == "delete":
            await chat.delete(await self._target(p))
        elif kind == "home":
            await chat.publish_home(ob.load_user(p["user"]), text)
        elif kind == "timeout":
            community = await self._community(row.community_id)
            await chat.timeout(
                community, ob.load_user(p["user"]), datetime.fromisoformat(p["until"])
            )
        else:
            raise PermanentError(f"unknown outbox kind {kind!r}")
        return None

    async def _target(self, payload: dict[str, Any]) -> MessageRef:
        if payload.get("message"):
            return ob.load_message(payload["message"])
        async with self.store.transaction() as session:
            result = ob.sent_result(session, payload["sent_key"])
        if result is None:
            raise _NotReady()
        return ob.load_message(result)

    async def _channel(self, chat: Chat, row: OutboxMessage) -> ChannelRef:
        """The row's channel; a channel named in the config is looked up on the platform."""
        channel = ob.load_channel(row.payload["channel"])
        if channel.id:
            return channel
        community = await self._community(row.community_id)
        found = await chat.resolve_channel(community, channel.name or "")
        if found is None:
            raise PermanentError(
                f"channel #{channel.name} does not exist in {community.platform} community "
                f"{community.name or community.id}; create it or fix [channels] in the config"
            )
        return found

    async def _community(self, community_id: int) -> CommunityRef:
        cached = self._communities.get(community_id)
        if cached is None:
            async with self.store.transaction() as session:
                row = session.get(Community, community_id)
            assert row is not None, f"outbox row for unknown community {community_id}"
            cached = CommunityRef(platform=row.platform, id=row.external_id, name=row.name)
            self._communities[community_id] = cached
        return cached
