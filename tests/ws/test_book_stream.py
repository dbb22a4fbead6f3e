"""The `book` channel: a client that applies the snapshot and then every update (each
`prev_seq` chaining on the last `seq`) holds exactly the book REST serves, after a burst of
orders from two users, in the embedded exchange and behind daphne in front of the test's own
matcher (a `run_matcher` over Redis in production mode: tests/ws/conftest.py)."""

from __future__ import annotations

import random
import time

import pytest

from tests.ws.conftest import key_of
from tests.ws.wsclient import Book, WsClient, rest_levels

WAVE = 25  # order requests in flight per user at once (the default limit is 32)


def burst(users: list[WsClient], *, waves: int, seed: int, lot: str) -> int:
    """Waves of limit orders, crossing and resting, from each user in turn, with cancels of
    some resting ones; returns how many orders were placed."""
    rng = random.Random(seed)
    resting: list[tuple[WsClient, int]] = []
    placed = 0
    for _ in range(waves):
        for user in users:
            pending = []
            for _ in range(WAVE):
                side = rng.choice(("buy", "sell"))
                ticks = rng.randint(-40, 40) + (-8 if side == "buy" else 8)  # some cross
                price = f"{1000 + ticks * 0.05:.2f}"
                quantity = f"{rng.randint(6, 20) * float(lot):.5f}"
                pending.append(
                    user.send_request(
                        "order.place",
                        symbol="BTC-USDT",
                        side=side,
                        type="limit",
                        price=price,
                        quantity=quantity,
                    )
                )
            for req_id in pending:
                response = user.response(req_id)
                assert response["status"] == 201, response
                placed += 1
                if response["body"]["status"] in ("new", "partially_filled"):
                    resting.append((user, response["body"]["order_id"]))
            rng.shuffle(resting)
            for owner, order_id in resting[: WAVE // 3]:
                owner.request("order.cancel", order_id=order_id)
            del resting[: WAVE // 3]
    return placed


def rebuilt_equals_rest(watcher: WsClient, http, timeout: float = 30) -> tuple[Book, dict]:
    """Applies the watcher's book messages until its seq is the REST book's, then returns
    both (REST's cached book lags the updates by up to 50 ms: it is polled)."""
    book = Book()
    deadline = time.monotonic() + timeout
    while True:
        status, rest = http("GET", "/api/v1/book/BTC-USDT?depth=500")
        assert status == 200
        while book.seq is None or book.seq < rest["seq"]:
            book.apply(watcher.next(lambda m: m.get("channel") == "book", timeout=timeout))
        if book.seq == rest["seq"]:
            return book, rest
        assert time.monotonic() < deadline, (book.seq, rest["seq"])
        time.sleep(0.1)


def test_the_book_rebuilt_from_the_socket_equals_rest_in_the_embedded_exchange(
    embedded, connect
) -> None:
    watcher = connect(embedded.ws_url)
    assert watcher.subscribe("book", "btc-usdt")["symbol"] == "BTC-USDT"
    users = [connect(embedded.ws_url), connect(embedded.ws_url)]
    for user, name in zip(users, ("alice", "bob"), strict=True):
        user.auth(embedded.keys[name])

    placed = burst(users, waves=4, seed=7, lot="0.001")
    book, rest = rebuilt_equals_rest(watcher, embedded.http)

    assert placed == 200
    assert book.levels() == rest_levels(rest)
    assert rest["bids"] and rest["asks"]
    for name in ("alice", "bob"):
        embedded.http("DELETE", "/api/v1/orders", name)  # leave the book to other tests


@pytest.mark.django_db(transaction=True)
def test_the_book_rebuilt_from_the_socket_equals_rest_behind_daphne(
    start_server, traders, connect
) -> None:
    server = start_server()
    late = None
    watcher = connect(server.ws_url)
    watcher.subscribe("book", "BTC-USDT")
    users = [connect(server.ws_url), connect(server.ws_url)]
    for user, trader in zip(users, traders, strict=True):
        assert user.auth(key_of(trader))["type"] == "authenticated"

    placed = 0
    for wave in range(3):
        placed += burst(users, waves=2, seed=wave, lot="0.001")
        if wave == 0:  # a second watcher joins while the book changes
            late = connect(server.ws_url)
            late.subscribe("book", "BTC-USDT")
    book, rest = rebuilt_equals_rest(watcher, server.http)
    late_book, late_rest = rebuilt_equals_rest(late, server.http)

    assert placed == 300
    assert book.levels() == rest_levels(rest)
    assert late_book.levels() == rest_levels(late_rest)
    assert rest["bids"] and rest["asks"]
