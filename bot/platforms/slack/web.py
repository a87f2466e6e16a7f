"""The Web API as the bot uses it: each method paced by its Slack rate-limit tier, and Slack's
answers mapped onto the Chat port's errors, so the outbox sender can retry, wait or give up.

The SDK's own retries are off (`retry_handlers=[]`): a retried `chat.postMessage` whose first
attempt did reach Slack would post twice, while the outbox retries only after `find_sent`.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import ChatError, DirectMessagesBlocked, PermanentError, RateLimited, TransientError
from bot.pacing import TokenBucket

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://slack.com/api/"

# Calls per minute per workspace (Slack's tiers 2, 3 and 4). chat.postMessage is limited per
# channel instead, which the outbox's channel lanes pace.
TIER_PER_MINUTE = {
    "conversations.list": 20, "reactions.remove": 20, "usergroups.list": 20,
    "conversations.open": 50, "conversations.info": 50, "conversations.history": 50,
    "conversations.replies": 50, "conversations.join": 50, "reactions.add": 50,
    "chat.update": 50, "chat.delete": 50, "files.upload_v2": 50,
    "chat.postEphemeral": 100, "users.info": 100, "views.open": 100, "views.publish": 100,
}
PER_CHANNEL_METHODS = frozenset({"chat.postMessage"})
TRANSIENT_ERRORS = frozenset({
    "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "team_added_to_org", "ekm_access_denied",
})
DM_BLOCKED_ERRORS = frozenset({"messages_tab_disabled", "user_not_visible", "restricted_action"})


def api_base_url(configured: str | None) -> str:
    """SLACK_API_BASE_URL with the trailing slash the SDK's `urljoin` needs to keep `/api/`."""
    url = (configured or DEFAULT_BASE_URL).strip()
    return url if url.endswith("/") else url + "/"


def make_client(token: str, base_url: str | None, *, timeout: int = 15) -> AsyncWebClient:
    return AsyncWebClient(
        token=token, base_url=api_base_url(base_url), timeout=timeout, retry_handlers=[]
    )


def slack_error(exc: BaseException) -> str:
    """The Slack error code (`channel_not_found`) behind a mapped error, or ""."""
    cause = exc.__cause__
    if isinstance(cause, SlackApiError):
        return str(cause.response.get("error") or "")
    return ""


def retry_after_of(headers: Any, default: float = 1.0) -> float:
    for name, value in dict(headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return default
    return default


def map_api_error(method: str, exc: SlackApiError, *, dm: bool = False) -> ChatError:
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = str(response.get("error") or "") if response is not None else ""
    if status == 429 or error in ("ratelimited", "rate_limited"):
        return RateLimited(
            retry_after_of(getattr(response, "headers", None)),
            is_global=method not in PER_CHANNEL_METHODS, detail=f"({method})",
        )
    if status >= 500 or error in TRANSIENT_ERRORS:
        return TransientError(f"{method}: {error or f'HTTP {status}'}")
    if dm and error in DM_BLOCKED_ERRORS:
        return DirectMessagesBlocked(f"{method}: {error}")
    return PermanentError(f"{method}: {error or f'HTTP {status}'}")


class MethodLimits:
    """One token bucket per tiered method, holding a minute's worth of calls but one: Slack
    counts each tier per minute and allows bursts, so a join burst spends the minute's budget
    at once and then goes on at the tier's rate (a smaller bucket only makes it wait longer).
    The call kept back absorbs network jitter, which would otherwise cost a 429 now and then."""

    def __init__(self, per_minute: dict[str, int] | None = None) -> None:
        self.per_minute = dict(TIER_PER_MINUTE if per_minute is None else per_minute)
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, method: str) -> TokenBucket | None:
        limit = self.per_minute.get(method)
        if not limit:
            return None
        if method not in self._buckets:
            self._buckets[method] = TokenBucket(limit / 60, max(1, limit - 1))
        return self._buckets[method]


class SlackWeb:
    """Calls Web API methods by name through the SDK client."""

    def __init__(self, client: AsyncWebClient, limits: MethodLimits | None = None) -> None:
        self.client = client
        self.limits = limits or MethodLimits()

    async def call(
        self, method: str, *, wait: bool = True, dm: bool = False, **params: Any
    ) -> dict[str, Any]:
        """Call `method` (e.g. "chat.postMessage"); raise a Chat port error on failure.

        `wait=False` is for the inbound path, which must answer Slack within 3 s: when the
        method's budget is spent it raises `RateLimited` at once instead of waiting.
        """
        bucket = self.limits.bucket(method)
        if bucket is not None and not wait:
            if (pause := bucket.wait_time()) > 0:
                raise RateLimited(pause, is_global=True, detail=f"({method}, local budget)")
            bucket.take()  # not behind queued senders: the budget is there now
        elif bucket is not None:
            await bucket.acquire()
        sdk_method = getattr(self.client, method.replace(".", "_"))
        try:
            response = await sdk_method(**params)
        except SlackApiError as exc:
            mapped = map_api_error(method, exc, dm=dm)
            if isinstance(mapped, RateLimited) and bucket is not None:
                bucket.block_for(mapped.retry_after)
            raise mapped from exc
        except (aiohttp.ClientError, TimeoutError, SlackClientError) as exc:
            raise TransientError(f"{method}: {type(exc).__name__}: {exc}") from exc
        return dict(response.data) if isinstance(response.data, dict) else {}
