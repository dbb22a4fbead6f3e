"""A synchronous WebSocket client for tests (the `websockets` library), with the helpers the
tests share: wait for a message, subscribe, send a signed `auth`, make an order request, and
rebuild a book from its snapshot and updates."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from decimal import Decimal

from websockets.sync.client import connect

from accounts.api_keys import signature
from tests.api.clients import next_timestamp

_req_ids = itertools.count(1)


class WsClient:
    """One connection. Every message received is kept in `received`, in order; those no
    `next` has taken yet wait in `inbox` (responses arrive in any order)."""

    def __init__(self, url: str, **options) -> None:
        # max_queue=None: a test reads when it likes; the library must keep taking frames
        # meanwhile (else it stops answering pings and drops the connection)
        options = {"open_timeout": 20, "max_size": 2**24, "max_queue": None, **options}
        self.ws = connect(url, legacy=True, **options)
        self.received: list[dict] = []
        self.inbox: list[dict] = []

    def send(self, message: dict | str | bytes) -> None:
        self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    def next(
        self,
        predicate: Callable[[dict], bool] = lambda m: True,
        timeout: float = 20,
        heartbeats: bool = False,
    ) -> dict:
        """The first message not yet taken that `predicate` accepts (heartbeats skipped
        unless asked for); waits up to `timeout` for it."""

        def wanted(message: dict) -> bool:
            if message.get("type") == "heartbeat" and not heartbeats:
                return False
            return predicate(message)

        for index, message in enumerate(self.inbox):
            if wanted(message):
                return self.inbox.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no such message in {timeout} s; got {self.inbox[-5:]}")
            try:
                message = json.loads(self.ws.recv(timeout=left))
            except TimeoutError:
                continue
            self.received.append(message)
            if wanted(message):
                return message
            if message.get("type") != "heartbeat":
                self.inbox.append(message)

    def of_type(self, kind: str, timeout: float = 20, **fields) -> dict:
        def matches(message: dict) -> bool:
            return message.get("type") == kind and all(
                message.get(key) == value for key, value in fields.items()
            )

        return self.next(matches, timeout)

    def subscribe(self, channel: str, symbol: str | None = None, **extra) -> dict:
        message = {"op": "subscribe", "channel": channel, **extra}
        if symbol is not None:
            message["symbol"] = symbol
        self.send(message)
        return self.next(lambda m: m.get("type") in ("subscribed", "error"))

    def auth(self, key: dict, timestamp: int | None = None, **options) -> dict:
        timestamp = next_timestamp() if timestamp is None else timestamp
        self.send(
            {
                "op": "auth",
                "key": key["key"],
                "timestamp": timestamp,
                "signature": signature(key["secret"], timestamp, "GET", "/ws/v1"),
                **options,
            }
        )
        return self.next(lambda m: m.get("type") in ("authenticated", "error"))

    def send_request(self, op: str, **fields) -> int:
        req_id = next(_req_ids)
        self.send({"op": op, "req_id": req_id, **fields})
        return req_id

    def response(self, req_id: int, timeout: float = 20) -> dict:
        return self.next(lambda m: m.get("type") == "response" and m["req_id"] == req_id, timeout)

    def request(self, op: str, **fields) -> dict:
        return self.response(self.send_request(op, **fields))

    def close(self) -> None:
        self.ws.close()


class Book:
    """A client's copy of one book: a snapshot, then updates whose prev_seq must chain."""

    def __init__(self) -> None:
        self.seq: int | None = None
        self.sides: dict[str, dict[str, str]] = {"buy": {}, "sell": {}}

    def apply(self, message: dict) -> None:
        if message["type"] == "snapshot":
            self.seq = message["seq"]
            self.sides = {
                "buy": {price: quantity for price, quantity, _ in message["bids"]},
                "sell": {price: quantity for price, quantity, _ in message["asks"]},
            }
            return
        assert message["type"] == "update", message
        assert message["prev_seq"] == self.seq, (message["prev_seq"], self.seq)
        for side, price, quantity in message["changes"]:
            if Decimal(quantity) == 0:
                self.sides[side].pop(price, None)
            else:
                self.sides[side][price] = quantity
        self.seq = message["seq"]

    def levels(self) -> dict[str, list[list[str]]]:
        """`bids` best (highest) first and `asks` best (lowest) first, as REST writes them."""

        def ordered(side: str, highest_first: bool) -> list[list[str]]:
            prices = sorted(self.sides[side], key=Decimal, reverse=highest_first)
            return [[price, self.sides[side][price]] for price in prices]

        return {"bids": ordered("buy", True), "asks": ordered("sell", False)}


def rest_levels(book: dict) -> dict[str, list[list[str]]]:
    """A REST book without its order counts, to compare with a rebuilt one."""
    return {side: [level[:2] for level in book[side]] for side in ("bids", "asks")}
