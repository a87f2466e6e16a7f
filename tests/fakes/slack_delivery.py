"""Signed HTTP deliveries to a bot's Slack endpoints, the way Slack sends them."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier


@dataclass
class Delivery:
    """One request sent to the bot and the bot's answer."""

    url: str
    request_body: str
    request_headers: dict[str, str]
    status: int = 0
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The bot's answer (``body``) parsed as JSON."""
        return json.loads(self.body)


def sign_headers(
    body: str, signing_secret: str, timestamp: int | None = None, bad_signature: bool = False
) -> dict[str, str]:
    """``X-Slack-Signature`` and ``X-Slack-Request-Timestamp`` for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    secret = signing_secret + "-wrong" if bad_signature else signing_secret
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Signature": signature, "X-Slack-Request-Timestamp": ts}


async def signed_post(
    url: str,
    body: str,
    content_type: str,
    signing_secret: str,
    *,
    timestamp: int | None = None,
    bad_signature: bool = False,
    extra_headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Delivery:
    """POST ``body`` signed like Slack; return a :class:`Delivery` with the bot's answer."""
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        **sign_headers(body, signing_secret, timestamp, bad_signature),
        **(extra_headers or {}),
    }
    delivery = Delivery(url=url, request_body=body, request_headers=headers)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(url, data=body.encode(), headers=headers) as resp,
    ):
        delivery.status = resp.status
        delivery.body = await resp.text()
        delivery.headers = dict(resp.headers)
    return delivery


def event_body(payload: dict[str, Any]) -> str:
    """Events API bodies are JSON."""
    return json.dumps(payload)


def command_body(form_fields: dict[str, Any]) -> str:
    """Slash command bodies are form-encoded."""
    return urlencode({k: "" if v is None else str(v) for k, v in form_fields.items()})


def interaction_body(payload: dict[str, Any]) -> str:
    """Interactivity bodies are form-encoded ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)})


def retry_headers(retry_num: int | None, retry_reason: str) -> dict[str, str]:
    """Headers Slack adds when it re-delivers an event."""
    if retry_num is None:
        return {}
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
