"""The router: each event reaches its handlers once; a failing handler harms no other."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.community_config import CommunityConfig
from bot.context import BotContext, Turn
from bot.events import Event, MemberJoined, MessagePosted
from bot.router import Router
from storage.db import Store
from storage.models import Message
from tests.events import joined, posted


def make_ctx(store: Store, config: CommunityConfig, clock: ManualClock, router: Router) -> (
    BotContext
):
    return BotContext(config=config, store=store, clock=clock, router=router)


async def test_each_event_reaches_only_its_handlers_in_order(
    store: Store, config: CommunityConfig, clock: ManualClock
) -> None:
    router, seen = Router(), []

    @router.on(MemberJoined)
    async def first(event: MemberJoined, turn: Turn) -> None:
        seen.append(("first", event.user.id))

    @router.on(MemberJoined)
    async def second(event: MemberJoined, turn: Turn) -> None:
        seen.append(("second", event.user.id))

    @router.on(MessagePosted)
    async def on_message(event: MessagePosted, turn: Turn) -> None:
        seen.append(("message", event.text))

    @router.on(Event)
    async def every_event(event: Event, turn: Turn) -> None:
        seen.append(("any", type(event).__name__))

    ctx = make_ctx(store, config, clock, router)
    await router.dispatch(ctx, joined("ana", clock.now()))
    await router.dispatch(ctx, posted("ana", "hello", clock.now()))

    assert seen == [
        ("first", "ana"), ("second", "ana"), ("any", "MemberJoined"),
        ("message", "hello"), ("any", "MessagePosted"),
    ]


async def test_failing_handler_is_logged_and_rolled_back_while_others_keep_effects(
    store: Store, config: CommunityConfig, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.handlers import activity

    router = Router()
    activity.register(router)

    @router.on(MessagePosted)
    async def broken(event: MessagePosted, turn: Turn) -> None:
        turn.outbox.post(event.message.channel, "this must never be sent")
        raise RuntimeError("boom")

    survivors: list[str] = []

    @router.on(MessagePosted)
    async def after_broken(event: MessagePosted, turn: Turn) -> None:
        survivors.append(event.text)

    ctx = make_ctx(store, config, clock, router)
    with caplog.at_level(logging.ERROR):
        result = await router.dispatch(ctx, posted("ana", "hi there", clock.now()))

    assert [name.rsplit(".", 1)[-1] for name in result.failed] == ["broken"]
    assert survivors == ["hi there"]
    assert "broken failed on MessagePosted" in caplog.text
    assert router.stats.handler_failures == 1
    with store.session() as session:
        assert session.execute(select(Message.text)).scalars().all() == ["hi there"]
        from storage.models import OutboxMessage

        assert session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 0


async def test_second_delivery_of_same_event_has_no_effect(
    store: Store, config: CommunityConfig, clock: ManualClock
) -> None:
    router, calls = Router(), []

    @router.on(MemberJoined)
    async def count(event: MemberJoined, turn: Turn) -> None:
        calls.append(event.event_id)

    ctx = make_ctx(store, config, clock, router)
    event = joined("ana", clock.now(), event_id="Ev0001")
    first = await router.dispatch(ctx, event)
    again = await router.dispatch(ctx, event)

    assert calls == ["Ev0001"]
    assert not first.duplicate and again.duplicate
    assert router.stats.duplicates == 1


def batch_sizes(router: Router) -> list[int]:
    """The size of each batch the router commits from now on, appended as it runs."""
    sizes: list[int] = []
    run_together = router._run_together

    async def counting(ctx: BotContext, batch: list[Event]) -> object:
        sizes.append(len(batch))
        return await run_together(ctx, batch)

    router._run_together = counting  # type: ignore[method-assign]
    return sizes


async def test_concurrent_deliveries_are_committed_together_and_a_failure_stays_isolated(
    store: Store, config: CommunityConfig, clock: ManualClock
) -> None:
    import asyncio

    from bot.handlers import activity

    router = Router()
    activity.register(router)

    @router.on(MessagePosted)
    async def picky(event: MessagePosted, turn: Turn) -> None:
        if event.text == "poison":
            raise ValueError("cannot handle this one")

    ctx = make_ctx(store, config, clock, router)
    events = [posted("ana", f"message {i}", clock.now()) for i in range(30)]
    events.insert(17, posted("ben", "poison", clock.now()))
    events.append(events[3])  # a retried delivery inside the same burst

    batches = batch_sizes(router)
    results = await asyncio.gather(*(router.dispatch(ctx, e) for e in events))

    assert max(batches) > 1  # they were committed together, not one by one

    assert [r.duplicate for r in results].count(True) == 1
    assert [bool(r.failed) for r in results].count(True) == 1
    with store.session() as session:
        texts = session.execute(select(Message.text)).scalars().all()
    assert sorted(texts) == sorted([f"message {i}" for i in range(30)] + ["poison"])
    assert router.stats.events == 31 and router.stats.duplicates == 1


async def test_deliveries_a_few_loop_turns_apart_share_one_commit(
    store: Store, config: CommunityConfig, clock: ManualClock
) -> None:
    """HTTP requests in flight reach the router a loop turn or two apart (parsing, signature
    checks): a batch waits for them rather than committing each on its own."""
    import asyncio

    from bot.handlers import activity

    router = Router()
    activity.register(router)
    ctx = make_ctx(store, config, clock, router)
    batches = batch_sizes(router)

    async def arrive(i: int) -> None:
        for _ in range(i % 4):  # 0 to 3 loop turns late
            await asyncio.sleep(0)
        await router.dispatch(ctx, posted("ana", f"message {i}", clock.now()))

    await asyncio.gather(*(arrive(i) for i in range(12)))
    assert batches == [12]
