"""WebSocket transport: one connection per client to /ws/v1, order entry on the socket.

The connection first sends a signed `auth` and waits for `{"type": "authenticated"}`; then
`order.place` and `order.cancel` requests carry an integer `req_id`, and a reader task hands
each `{"type": "response", "req_id", "status", "body"}` to the request waiting for it. Other
messages (heartbeats, errors about other things) are ignored. A dropped connection fails
the requests in flight (`connection_error`) and is opened again by the next request.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from tools.loadgen.signing import Signer
from tools.loadgen.stats import CONNECTION_ERROR, TIMEOUT, Answer

WS_PATH = "/ws/v1"
RECONNECT_PAUSE = 0.2  # seconds between failed attempts, so a dead server is not spun on


class AuthFailed(RuntimeError):
    """The server refused the key (its `error` message is the reason)."""


def ws_url(base: str) -> str:
    """`http://host:port` -> `ws://host:port/ws/v1` (https -> wss)."""
    scheme, rest = base.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{WS_PATH}"


class WsTrader:
    """One client's connection and its requests in flight."""

    def __init__(self, url: str, signer: Signer, timeout: float) -> None:
        self.url = url
        self.signer = signer
        self.timeout = timeout
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task | None = None
        self.pending: dict[int, asyncio.Future] = {}
        self.req_ids = itertools.count(1)
        self._connecting = asyncio.Lock()

    async def start(self) -> None:
        """Connects and authenticates; raises (AuthFailed, OSError, ...) if it cannot."""
        await self._connect()

    async def _connect(self) -> None:
        ws = await connect(
            self.url,
            compression=None,  # CPU matters more than bytes on loopback
            proxy=None,  # straight to the (loopback) server, whatever the environment says
            open_timeout=self.timeout,
            max_size=2**24,
            user_agent_header=None,
        )
        try:
            await ws.send(json.dumps(self.signer.ws_auth()))
            async with asyncio.timeout(self.timeout):
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("type") == "authenticated":
                        break
                    if message.get("type") == "error":
                        raise AuthFailed(f"{message.get('code')}: {message.get('message')}")
        except BaseException:
            await ws.close()
            raise
        self.ws = ws
        self.reader = asyncio.create_task(self._read(ws))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "response":
                    future = self.pending.pop(message.get("req_id"), None)
                    if future is not None and not future.done():
                        future.set_result(message)
        except (ConnectionClosed, ValueError):
            pass
        finally:
            if self.ws is ws:
                self.ws = None
            pending, self.pending = self.pending, {}
            for future in pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the connection closed"))

    async def _connection(self) -> ClientConnection | None:
        """The open connection, opened again if it dropped; None if that failed."""
        if self.ws is not None:
            return self.ws
        async with self._connecting:
            if self.ws is None:
                try:
                    await self._connect()
                except (OSError, TimeoutError, WebSocketException, AuthFailed, ValueError):
                    await asyncio.sleep(RECONNECT_PAUSE)
                    return None
        return self.ws

    async def _request(self, message: dict) -> Answer:
        ws = await self._connection()
        if ws is None:
            return Answer(None, None, 0.0, CONNECTION_ERROR)
        req_id = next(self.req_ids)
        message["req_id"] = req_id
        data = json.dumps(message, separators=(",", ":"))
        future = asyncio.get_running_loop().create_future()
        self.pending[req_id] = future
        started = time.perf_counter()
        try:
            await ws.send(data)
            async with asyncio.timeout(self.timeout):
                response = await future
        except TimeoutError:
            self.pending.pop(req_id, None)
            return Answer(None, None, time.perf_counter() - started, TIMEOUT)
        except (ConnectionError, ConnectionClosed, OSError):
            self.pending.pop(req_id, None)
            return Answer(None, None, time.perf_counter() - started, CONNECTION_ERROR)
        return Answer(response.get("status"), response.get("body"), time.perf_counter() - started)

    async def place(self, order: dict) -> Answer:
        return await self._request({"op": "order.place", **order})

    async def cancel(self, order_id: int | str) -> Answer:
        return await self._request({"op": "order.cancel", "order_id": order_id})

    async def close(self) -> None:
        ws = self.ws
        self.ws = None
        if ws is not None:
            await ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)
