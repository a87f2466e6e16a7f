"""Socket Mode side of the fake Slack: a websocket hub that pushes envelopes and collects acks."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

ENVELOPE_TYPES = ("events_api", "slash_commands", "interactive")


class SocketModeHub:
    """Serves the Socket Mode websocket, sends ``hello`` and envelopes, and records acks."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.connections: list[web.WebSocketResponse] = []
        self.sent: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self.unmatched: list[Any] = []
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Event()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp handler for the websocket URL returned by ``apps.connections.open``."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections),
                "debug_info": {
                    "host": "applink-fake-1",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(msg.data)
        finally:
            if ws in self.connections:
                self.connections.remove(ws)
            self._notify()
        return ws

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _on_text(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except ValueError:
            self.unmatched.append(data)
            return
        future = self._pending.pop(str(ack.get("envelope_id")), None)
        if future is None:
            self.unmatched.append(ack)
            return
        self.acks.append(ack)
        if not future.done():
            future.set_result(ack)

    async def wait_connected(self, timeout: float = 2.0) -> web.WebSocketResponse:
        """Wait until at least one client is connected and return the newest connection."""
        async with asyncio.timeout(timeout):
            while not self.connections:
                await self._changed.wait()
        return self.connections[-1]

    async def push(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        envelope_id: str | None = None,
        connect_timeout: float = 2.0,
    ) -> asyncio.Future[dict[str, Any]]:
        """Send one envelope; return a future resolved with the client's ack message."""
        if type not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {type!r}")
        ws = await self.wait_connected(connect_timeout)
        if accepts_response_payload is None:
            accepts_response_payload = type != "events_api"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[envelope["envelope_id"]] = future
        self.sent.append(envelope)
        await ws.send_json(envelope)
        return future

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every client to reconnect, like Slack does before rotating a connection."""
        for ws in list(self.connections):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {}})

    async def close(self) -> None:
        """Close every websocket and fail the pending ack futures."""
        for ws in list(self.connections):
            await ws.close()
        for future in self._pending.values():
            if not future.done():
                future.cancel()
        self._pending.clear()
