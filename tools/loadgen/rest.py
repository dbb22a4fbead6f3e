"""REST transport: signed requests over one keep-alive aiohttp session.

`RestApi` makes the session (one connector, as many connections as clients) and the plain
reads the run needs (markets, BBO, a user's orders); `RestTrader` places and cancels orders
for one client with its key. Every call returns an `Answer`, never raises for HTTP trouble.
"""

from __future__ import annotations

import json
import time

import aiohttp

from tools.loadgen.signing import Signer
from tools.loadgen.stats import CONNECTION_ERROR, TIMEOUT, Answer

ORDERS_PATH = "/api/v1/orders"


def _decoded(raw: bytes) -> object:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None  # an HTML error page, say: the status tells enough


class RestApi:
    """The exchange's REST API at `base` (an already checked loopback URL)."""

    def __init__(self, base: str, connections: int, timeout: float) -> None:
        self.base = base
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        connector = aiohttp.TCPConnector(limit=max(1, connections), ttl_dns_cache=None)
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=self.timeout, skip_auto_headers=("User-Agent",)
        )

    async def close(self) -> None:
        await self.session.close()

    async def request(
        self, method: str, path: str, signer: Signer | None = None, body: bytes = b""
    ) -> Answer:
        """One request to `path` (with its query), signed if `signer` is given."""
        if signer is not None:
            headers = signer.headers(method, path, body)
        else:
            headers = {"Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base + path, data=body or None, headers=headers
            ) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError:
            return Answer(None, None, time.perf_counter() - started, TIMEOUT)
        except (aiohttp.ClientError, OSError):
            return Answer(None, None, time.perf_counter() - started, CONNECTION_ERROR)
        return Answer(status, _decoded(raw), time.perf_counter() - started)

    async def get_json(self, path: str, signer: Signer | None = None) -> object:
        """The JSON body of a GET that must succeed; RuntimeError with the reason otherwise."""
        answer = await self.request("GET", path, signer)
        if answer.status != 200:
            reason = answer.error or f"HTTP {answer.status}: {answer.body}"
            raise RuntimeError(f"GET {path} failed: {reason}")
        return answer.body

    def trader(self, signer: Signer) -> RestTrader:
        return RestTrader(self, signer)


class RestTrader:
    """One client's order entry over REST: POST /api/v1/orders, DELETE /api/v1/orders/{id}."""

    def __init__(self, api: RestApi, signer: Signer) -> None:
        self.api = api
        self.signer = signer

    async def start(self) -> None:
        """Nothing to open: the session's connector makes connections as needed."""

    async def close(self) -> None:
        """Nothing to close: the session is the `RestApi`'s."""

    async def place(self, order: dict) -> Answer:
        body = json.dumps(order, separators=(",", ":")).encode()
        return await self.api.request("POST", ORDERS_PATH, self.signer, body)

    async def cancel(self, order_id: int | str) -> Answer:
        return await self.api.request("DELETE", f"{ORDERS_PATH}/{order_id}", self.signer)
