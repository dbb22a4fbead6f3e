"""Fresh market data (API.md, "Consistency"): `book`, `bbo`, `ticker` and the socket's book
snapshot show an acknowledged command within 100 ms, `trades` and `candles` within 1 s, and a
fill of a resting order reaches its owner's private socket within 100 ms. Each command goes
through one web server and each read through another (two daphne processes in production
mode). A read counts if it was sent within the bound after the command's answer arrived."""

from __future__ import annotations

import time

import pytest

from tests.ws.conftest import key_of
from tests.ws.servers import http

pytestmark = [pytest.mark.django_db(transaction=True)]

SYMBOL = "BTC-USDT"
BUY = {"symbol": SYMBOL, "side": "buy", "type": "limit", "quantity": "1.000"}
SELL = {**BUY, "side": "sell"}
MARKET_DATA_SECONDS = 0.1
TRADES_SECONDS = 1.0


@pytest.fixture
def two(start_server, traders):
    write, read = start_server(), start_server()
    keys = {"maker": key_of(traders[0]), "taker": key_of(traders[1])}
    return write, read, keys


def place(server, key, body: dict) -> dict:
    status, answer = http(server.base, "POST", "/api/v1/orders", key, body)
    assert status == 201, answer
    return answer


def seen_within(seconds: float, read, shows) -> object:
    """The first answer of `read()` that `shows`, asking again until a read sent `seconds`
    or more after the call (the command's answer) has answered; fails if none shows it."""
    deadline = time.monotonic() + seconds
    while True:
        sent = time.monotonic()
        answer = read()
        if shows(answer):
            return answer
        assert sent < deadline, f"not shown within {seconds} s: {answer}"


def public(server, path: str):
    def read() -> dict:
        status, answer = http(server.base, "GET", path)
        assert status == 200, answer
        return answer

    return read


def test_a_resting_order_is_in_the_book_and_bbo_within_100_ms(two) -> None:
    write, read, keys = two
    place(write, keys["maker"], {**BUY, "price": "95.00"})

    book = seen_within(
        MARKET_DATA_SECONDS,
        public(read, f"/api/v1/book/{SYMBOL}"),
        lambda book: ["95.00", "1.000", 1] in [level[:3] for level in book["bids"]],
    )
    bbo = seen_within(
        MARKET_DATA_SECONDS,
        public(read, f"/api/v1/bbo/{SYMBOL}"),
        lambda bbo: bbo["bid"] == ["95.00", "1.000"],
    )

    assert book["seq"] <= bbo["seq"]


def test_a_cancel_leaves_the_book_within_100_ms(two) -> None:
    write, read, keys = two
    placed = place(write, keys["maker"], {**SELL, "price": "130.00"})
    seen_within(
        MARKET_DATA_SECONDS,
        public(read, f"/api/v1/bbo/{SYMBOL}"),
        lambda bbo: bbo["ask"] == ["130.00", "1.000"],
    )
    status, _ = http(write.base, "DELETE", f"/api/v1/orders/{placed['order_id']}", keys["maker"])
    assert status == 200

    seen_within(
        MARKET_DATA_SECONDS,
        public(read, f"/api/v1/book/{SYMBOL}"),
        lambda book: "130.00" not in [level[0] for level in book["asks"]],
    )


def test_a_trade_is_in_the_ticker_within_100_ms_and_in_trades_and_candles_within_1_s(
    two,
) -> None:
    write, read, keys = two
    place(write, keys["maker"], {**SELL, "price": "101.00"})
    taken = place(write, keys["taker"], {**BUY, "price": "101.00"})
    assert taken["status"] == "filled"
    answered = time.monotonic()

    ticker = seen_within(
        MARKET_DATA_SECONDS,
        public(read, f"/api/v1/ticker/{SYMBOL}"),
        lambda ticker: ticker["last"] == "101.00",
    )
    trades = seen_within(
        TRADES_SECONDS - (time.monotonic() - answered),
        public(read, f"/api/v1/trades/{SYMBOL}"),
        lambda trades: trades["results"] and trades["results"][0]["price"] == "101.00",
    )
    candles = seen_within(
        TRADES_SECONDS - (time.monotonic() - answered),
        public(read, f"/api/v1/candles/{SYMBOL}?interval=1m"),
        lambda candles: candles["results"] and candles["results"][-1][4] == "101.00",
    )

    # the ticker's best prices are of a book at least as new as its last trade
    assert ticker["ask"] is None or ticker["ask"] != "101.00"
    assert trades["results"][0]["trade_id"] == taken["fills"][0]["trade_id"]
    assert candles["results"][-1][4] == "101.00"


def test_a_new_socket_book_snapshot_shows_the_order_within_100_ms(two, connect) -> None:
    write, read, keys = two
    place(write, keys["maker"], {**SELL, "price": "120.00"})

    def snapshot() -> dict:
        client = connect(read.ws_url)
        client.subscribe("book", SYMBOL)
        return client.of_type("snapshot", timeout=5)

    seen_within(
        MARKET_DATA_SECONDS,
        snapshot,
        lambda book: "120.00" in [level[0] for level in book.get("asks", [])],
    )


def test_a_fill_of_a_resting_order_reaches_its_owner_s_socket_within_100_ms(two, connect) -> None:
    write, read, keys = two
    owner = connect(read.ws_url)
    owner.auth(keys["maker"])
    owner.subscribe("orders")
    resting = place(write, keys["maker"], {**SELL, "price": "102.00"})
    owner.next(lambda m: m.get("order", {}).get("order_id") == resting["order_id"], timeout=5)

    place(write, keys["taker"], {**BUY, "price": "102.00", "quantity": "0.400"})
    answered = time.monotonic()
    update = owner.next(
        lambda m: (
            m.get("order", {}).get("order_id") == resting["order_id"]
            and m["order"]["status"] == "partially_filled"
        ),
        timeout=5,
    )["order"]
    arrived = time.monotonic()

    assert update["filled_quantity"] == "0.400"
    # the update may even come before the taker's answer: then it took no time at all
    assert arrived - answered < MARKET_DATA_SECONDS
