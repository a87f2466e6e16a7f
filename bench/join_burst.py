"""Join burst: N members join at once (10,000; 300 at the quick size) and each must get one
getting-started DM and be named once in a batched public welcome, on fake platforms enforcing
the platforms' limits. Reported: the time from the first join until every greeting was
delivered, against the fastest those limits allow, with the 429s received, the members left
without a greeting (lost) and the greetings delivered twice (duplicates).

Slack (FakeSlack with enforced limits): `conversations.open` is Tier 3, a token bucket of 50
calls refilled at 50 a minute; `chat.postMessage` 1 per second per channel with a burst of 3.
Each DM is a `conversations.open` (the binding limit) and a post in the new DM channel; the
public welcomes are ceil(N / 50) posts in #welcome. So the minimum is

    max((N - 50) / (50 / 60 s), ceil(N / 50) - 3 seconds)

At these rates 10,000 DMs take 3.3 hours, so every rate, the fake's and the bot's pace alike,
is multiplied by a time scale K (bursts unchanged, Retry-After divided by K): the same run
K times faster, so the ratio is unchanged. K is in the row's notes.

Discord (FakeDiscord): at most 50 REST requests in any second, globally. Each DM is a
DM-channel creation and a message; the welcomes are ceil(N / 50) messages; with M requests
in all the minimum is ceil(M / 50) - 1 seconds (the first second's 50 go at once). That is
under 7 minutes for 10,000, so Discord runs at its real rate (K=1): scaling it up would
exaggerate the CPU the bot spends recording 10,000 joins, which real time dilutes.

Members join through the real adapters (signed `team_join` deliveries to the Slack HTTP
endpoint; `GUILD_MEMBER_ADD` over the Discord gateway); the sender runs as in production and
the sweeps (the welcome batch job among them) every quarter second, with a 1 s batch window.
`python -m bench.join_burst [--full]`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.harness import Row
from bench.slack_overhead import BOT_USER_ID, EVENTS_PATH, TEAM_ID, post_all, slack_bot
from bot.app import build, open_store
from bot.community_config import CommunityConfig, load_community_config
from bot.context import BotContext
from bot.jobs import run_sweeps
from bot.pacing import Pace
from bot.platforms.discord.adapter import DiscordAdapter
from bot.platforms.slack.adapter import SlackAdapter
from bot.settings import load_settings
from storage.models import OutboxMessage, Welcome
from tests.fakes.slack_server import Answer, FakeSlack

log = logging.getLogger(__name__)

NAMES_PER_POST = 50  # the config's max_names_per_post
SLACK_OPEN_PER_MINUTE = 50  # conversations.open, Tier 3: also the bucket's size
SLACK_CHANNEL_BURST = 3
DISCORD_PER_SECOND = 50
SWEEP_EVERY = 0.25
WELCOME, INTROS, HELP, ANNOUNCE = "C0WELCOME1", "C0INTROS01", "C0HELP0001", "C0ANNOUNC1"
MENTION = re.compile(r"<@!?(\w+)>")


@dataclass
class Outcome:
    members: int
    seconds: float
    minimum: float
    rate_limited: int
    lost: int
    duplicates: int
    notes: str = ""

    def row(self, platform: str, scale: float) -> Row:
        return Row(
            f"join burst on {platform} ({self.members:,} members)", self.seconds, "s",
            self.minimum, "fastest the enforced limits allow", higher_is_better=False,
            target="≤ 1.1×, 0 lost, 0 duplicates",
            notes=f"{self.rate_limited} 429s, {self.lost} lost, {self.duplicates} duplicates; "
                  f"time scale K={scale:g}{'; ' + self.notes if self.notes else ''}",
        )


def burst_config() -> CommunityConfig:
    """The shipped example config with a 1 s welcome batch window."""
    config = load_community_config(None)
    welcome = config.welcome.model_copy(update={"batch_window": "1s"})
    return config.model_copy(update={"welcome": welcome})


def scaled(pace: Pace, scale: float) -> Pace:
    return replace(pace, global_rate=pace.global_rate * scale,
                   channel_rate=pace.channel_rate * scale)


async def sweep_forever(ctx: BotContext) -> None:
    """What the scheduler does in production, more often (the batch window is short)."""
    while True:
        await asyncio.sleep(SWEEP_EVERY)
        try:
            await run_sweeps(ctx)
        except Exception:
            log.exception("sweeps failed")


async def wait_until_greeted(ctx: BotContext, members: int, timeout: float) -> datetime | None:
    """When the last greeting was delivered (the outbox's sent_at), once every member is
    welcomed and named publicly and nothing is left to send; None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        with ctx.store.session() as session:
            welcomed, unannounced = session.execute(select(
                func.count(), func.count().filter(Welcome.public_posted_at.is_(None))
            ).select_from(Welcome)).one()
            left = session.execute(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status.in_(("pending", "sending")))).scalar_one()
            if welcomed == members and not unannounced and not left:
                return session.execute(select(func.max(OutboxMessage.sent_at))).scalar_one()
    return None


def failed_rows(ctx: BotContext) -> int:
    with ctx.store.session() as session:
        return session.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "failed")).scalar_one()


def tally(expected: list[str], dms: Counter[str], named: Counter[str]) -> tuple[int, int]:
    """(lost, duplicates): members without a DM or never named in a welcome, and DMs or
    namings beyond the first."""
    lost = sum(1 for m in expected if not dms[m]) + sum(1 for m in expected if not named[m])
    duplicates = sum(n - 1 for n in dms.values() if n > 1)
    duplicates += sum(n - 1 for n in named.values() if n > 1)
    return lost, duplicates


@asynccontextmanager
async def sweeping(ctx: BotContext) -> AsyncIterator[None]:
    task = asyncio.create_task(sweep_forever(ctx))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


# --- Slack ----------------------------------------------------------------------------------


class ScaledSlack(FakeSlack):
    """FakeSlack whose rate limits run on a clock `scale` times faster, answering 429s with a
    Retry-After in real seconds. DM channels are looked up by user in a dict: the fake scans
    every channel for them, which at 10,000 members would eat the CPU the bot is measured on."""

    def __init__(self, scale: float) -> None:
        super().__init__(clock=lambda: time.monotonic() * scale)
        self.scale = scale
        self._dm_of: dict[str, str] = {}

    def _throttled(self, retry_after: int, status: int = 429) -> Answer:
        status, body, headers = super()._throttled(retry_after, status)
        if "Retry-After" in headers:
            headers["Retry-After"] = f"{retry_after / self.scale:.3f}"
        return status, body, headers

    def _resolve(self, ref: str) -> dict[str, Any] | None:
        return super()._resolve(ref) if ref else None  # no channel named "": no scan

    def open_dm(self, user_id: str) -> str:
        """FakeSlack.open_dm without its scan of every channel."""
        if user_id not in self._dm_of:
            channel_id = self._dm_of[user_id] = self.new_id("D")
            self.channels[channel_id] = {
                "id": channel_id, "created": int(time.time()), "is_im": True,
                "is_org_shared": False, "context_team_id": self.team_id, "user": user_id,
                "is_user_deleted": False, "priority": 0,
            }
        return self._dm_of[user_id]

    def api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users") or "")
        if params.get("channel") or "," in user or user not in self.users:
            return super().api_conversations_open(params)
        existed = user in self._dm_of
        body: dict[str, Any] = {"channel": {"id": self.open_dm(user)}}
        return {**body, "no_op": True, "already_open": True} if existed else body


def seed_slack(fake: FakeSlack, members: int) -> list[str]:
    for channel_id, name in ((WELCOME, "welcome"), (INTROS, "introductions"), (HELP, "help"),
                             (ANNOUNCE, "announcements")):
        fake.add_channel(channel_id, name)
    fake.handlers["conversations.list"] = lambda params: {
        "channels": [{k: v for k, v in c.items() if k != "members"}
                     for c in fake.channels.values() if c.get("name") and not c.get("is_im")],
        "response_metadata": {"next_cursor": ""},
    }
    ids = [f"U0JOIN{n:05d}" for n in range(members)]
    for n, user_id in enumerate(ids):
        fake.add_user(user_id, f"newcomer{n}")
    return ids


def team_joins(fake: FakeSlack, ids: list[str]) -> list[str]:
    """Signed-delivery bodies, shaped like tests/fixtures/slack/event_team_join.json."""
    now = time.time()
    bodies = []
    for n, user_id in enumerate(ids):
        event = {"type": "team_join", "user": fake.users[user_id], "cache_ts": int(now),
                 "event_ts": f"{now:.6f}"}
        bodies.append(json.dumps({
            "token": "fakeVerificationToken", "team_id": TEAM_ID, "api_app_id": fake.app_id,
            "event": event, "type": "event_callback", "event_id": f"Ev0J{n:08d}",
            "event_time": int(now), "authorizations": [{
                "enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }))
    return bodies


def slack_minimum(members: int, scale: float) -> float:
    opens = max(0, members - SLACK_OPEN_PER_MINUTE) / (SLACK_OPEN_PER_MINUTE / 60)
    posts = max(0, math.ceil(members / NAMES_PER_POST) - SLACK_CHANNEL_BURST) / 1.0
    return max(opens, posts) / scale


def pace_slack(scale: float) -> Callable[[SlackAdapter], None]:
    def prepare(adapter: SlackAdapter) -> None:
        adapter.chat.pace = scaled(adapter.chat.pace, scale)
        for method in adapter.web.limits.per_minute:
            bucket = adapter.web.limits.bucket(method)
            assert bucket is not None
            bucket.rate *= scale

    return prepare


async def slack_burst(members: int, scale: float) -> Outcome:
    minimum = slack_minimum(members, scale)
    async with ScaledSlack(scale) as fake:
        ids = seed_slack(fake, members)
        fake.enable_rate_limits(channel_per_second=1.0, channel_burst=SLACK_CHANNEL_BURST)
        bodies = team_joins(fake, ids)
        with tempfile.TemporaryDirectory() as tmp:
            async with slack_bot(fake, Path(tmp) / "bot.db", config=burst_config(),
                                 prepare=pace_slack(scale)) as (ctx, adapter), sweeping(ctx):
                started = datetime.now(UTC)
                _, statuses = await post_all(f"http://127.0.0.1:{adapter.port}{EVENTS_PATH}",
                                             bodies)
                finished = await wait_until_greeted(ctx, members, timeout=minimum * 3 + 60)
                failed = failed_rows(ctx)
    dms: Counter[str] = Counter()
    for channel in fake.channels.values():
        if channel.get("is_im"):
            dms[channel["user"]] += len(fake.messages(channel["id"]))
    named = Counter(m for post in fake.messages(WELCOME)
                    for m in MENTION.findall(post.get("text", "")))
    lost, duplicates = tally(ids, dms, named)
    refused = sum(n for status, n in statuses.items() if status != 200)
    seconds = (finished - started).total_seconds() if finished else float("inf")
    return Outcome(members, seconds, minimum, fake.rate_limited_count, lost, duplicates,
                   notes=f"{len(fake.messages(WELCOME))} welcome posts, {failed} failed rows"
                         + (f", {refused} joins refused" if refused else ""))


# --- Discord --------------------------------------------------------------------------------


def discord_minimum(requests: int, per_second: int) -> float:
    return max(0, math.ceil(requests / per_second) - 1)


async def discord_burst(members: int, scale: int = 1) -> Outcome:
    """`scale` multiplies the limit (50 × scale requests in any second) and the bot's pace,
    for quick checks; the benchmark runs at 1."""
    from tests.fakes.discord_server import FakeDiscord

    per_second = DISCORD_PER_SECOND * scale
    posts = math.ceil(members / NAMES_PER_POST)
    minimum = discord_minimum(2 * members + posts, per_second)
    async with FakeDiscord() as fake:
        guild_id = int(fake.add_guild("Bench")["id"])
        channels = {name: int(fake.add_channel(guild_id, name)["id"])
                    for name in ("welcome", "introductions", "help", "moderators",
                                 "community-managers")}
        users = [fake.add_user(f"newcomer{n}") for n in range(members)]
        settings = load_settings(env_file=None, discord_bot_token=fake.token,
                                 discord_api_base_url=fake.api_base,
                                 discord_gateway_url=fake.gateway_url)
        adapter = DiscordAdapter(settings, ready_timeout=10, guild_ready_timeout=0.05)
        adapter.chat.pace = scaled(adapter.chat.pace, scale)
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(f"sqlite:///{Path(tmp) / 'bot.db'}")
            ctx = build(burst_config(), store, {"discord": adapter.chat})
            assert ctx.sender is not None
            try:
                await adapter.start(ctx)
                await ctx.sender.start()
                fake.global_rate_limit = per_second
                fake.route_limit = per_second
                before = len(fake.requests)
                async with sweeping(ctx):
                    started = datetime.now(UTC)
                    for user in users:
                        await fake.member_add(guild_id, user)
                    finished = await wait_until_greeted(ctx, members, timeout=minimum * 3 + 60)
                failed = failed_rows(ctx)
            finally:
                await ctx.sender.stop()
                await adapter.stop()
                store.dispose()
        sent = fake.requests[before:]
        recipients = {cid: c["recipients"][0]["id"] for cid, c in fake.channels.items()
                      if c.get("type") == 1}
        nonces: dict[str, set[str]] = {}
        for request in sent:
            match = re.fullmatch(r"/channels/(\d+)/messages", request.path)
            if request.method == "POST" and request.status == 200 and match \
                    and int(match[1]) in recipients:
                nonces.setdefault(recipients[int(match[1])], set()).add(request.json["nonce"])
        dms = Counter({user: len(keys) for user, keys in nonces.items()})
        welcome_posts = fake.messages(channels["welcome"])
        named = Counter(m for post in welcome_posts for m in MENTION.findall(post["content"]))
        lost, duplicates = tally([u["id"] for u in users], dms, named)
        seconds = (finished - started).total_seconds() if finished else float("inf")
        return Outcome(members, seconds, minimum, fake.rate_limited_count, lost, duplicates,
                       notes=f"{len(sent)} requests, {len(welcome_posts)} welcome posts, "
                             f"{failed} failed rows")


def run(full: bool = False) -> list[Row]:
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    logging.getLogger("discord").setLevel(logging.ERROR)
    members = 10_000 if full else 300
    slack_scale, discord_scale = (100, 1) if full else (20, 1)
    slack = asyncio.run(slack_burst(members, slack_scale))
    discord = asyncio.run(discord_burst(members, discord_scale))
    return [slack.row("Slack", slack_scale), discord.row("Discord", discord_scale)]


if __name__ == "__main__":
    import sys

    from bench.harness import print_rows

    print_rows(run(full="--full" in sys.argv))
