"""Read your writes (API.md, "Consistency"): after a 2xx to a user's command, every later read
by that user shows its effect, including its effect on the user's other orders; reads never go
back. Each test writes through one web server and reads through another, at once, with no
sleep: two daphne processes against PostgreSQL and Redis in production mode (tests/ws/
conftest.py `start_server`), the test process's daphne (twice) before the in-process matcher
on the embedded settings. A fill of a resting order by someone else reaches the owner's REST
reads within a second."""

from __future__ import annotations

import random
import time

import pytest

from tests.ws.conftest import key_of
from tests.ws.servers import http

pytestmark = [pytest.mark.django_db(transaction=True)]

BUY = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "1.000"}
SELL = {**BUY, "side": "sell"}


@pytest.fixture
def two(start_server, traders):
    """(write, read): two servers, and each trader's key."""
    write, read = start_server(), start_server()
    keys = {"maker": key_of(traders[0]), "taker": key_of(traders[1])}
    return write, read, keys


def call(server, key, method: str, path: str, body: object = None) -> dict:
    status, answer = http(server.base, method, path, key, body)
    assert 200 <= status < 300, (status, answer)
    return answer


def test_a_cancelled_order_is_not_listed_open(two) -> None:
    write, read, keys = two
    placed = call(write, keys["maker"], "POST", "/api/v1/orders", {**BUY, "price": "100.00"})
    call(write, keys["maker"], "DELETE", f"/api/v1/orders/{placed['order_id']}")

    listed = call(read, keys["maker"], "GET", "/api/v1/orders?status=open")["results"]
    one = call(read, keys["maker"], "GET", f"/api/v1/orders/{placed['order_id']}")

    assert placed["order_id"] not in [order["order_id"] for order in listed]
    assert one["status"] == "cancelled"


def test_cancel_all_then_each_order_reads_cancelled(two) -> None:
    write, read, keys = two
    ids = [
        call(write, keys["maker"], "POST", "/api/v1/orders", {**BUY, "price": f"{90 + n}.00"})[
            "order_id"
        ]
        for n in range(3)
    ]
    cancelled = call(write, keys["maker"], "DELETE", "/api/v1/orders?symbol=BTC-USDT")

    assert sorted(cancelled["cancelled"]) == sorted(ids)
    for order_id in ids:
        assert (
            call(read, keys["maker"], "GET", f"/api/v1/orders/{order_id}")["status"] == "cancelled"
        )


def test_three_placed_then_a_page_of_two_has_two_and_a_next(two) -> None:
    write, read, keys = two
    ids = [
        call(write, keys["maker"], "POST", "/api/v1/orders", {**BUY, "price": f"{80 + n}.00"})[
            "order_id"
        ]
        for n in range(3)
    ]

    page = call(read, keys["maker"], "GET", "/api/v1/orders?limit=2")
    rest = call(read, keys["maker"], "GET", f"/api/v1/orders?limit=2&cursor={page['next']}")

    assert [order["order_id"] for order in page["results"] + rest["results"]] == ids[::-1]


def test_self_trade_prevention_s_cancel_of_the_resting_order_reads_at_once(two) -> None:
    write, read, keys = two
    resting = call(write, keys["maker"], "POST", "/api/v1/orders", {**SELL, "price": "100.00"})
    call(write, keys["maker"], "POST", "/api/v1/orders", {**BUY, "price": "100.00"})  # STP

    assert (
        call(read, keys["maker"], "GET", f"/api/v1/orders/{resting['order_id']}")["status"]
        == "cancelled"
    )


def test_a_taker_reads_its_fill_and_balances_at_once(two) -> None:
    write, read, keys = two
    before = {
        row["asset"]: row for row in call(read, keys["taker"], "GET", "/api/v1/account/balances")
    }
    call(write, keys["maker"], "POST", "/api/v1/orders", {**SELL, "price": "100.00"})
    taken = call(write, keys["taker"], "POST", "/api/v1/orders", {**BUY, "price": "100.00"})

    fills = call(read, keys["taker"], "GET", "/api/v1/account/trades")["results"]
    after = {
        row["asset"]: row for row in call(read, keys["taker"], "GET", "/api/v1/account/balances")
    }

    assert taken["status"] == "filled"
    assert [fill["order_id"] for fill in fills][:1] == [taken["order_id"]]
    assert float(after["BTC"]["available"]) == float(before["BTC"]["available"]) + 1


def test_a_partial_fill_by_someone_else_reaches_the_maker_within_a_second(two) -> None:
    write, read, keys = two
    resting = call(write, keys["maker"], "POST", "/api/v1/orders", {**SELL, "price": "100.00"})
    call(write, keys["taker"], "POST", "/api/v1/orders", {**BUY, "price": "100.00",
                                                           "quantity": "0.400"})  # fmt: skip
    deadline = time.monotonic() + 1.0
    while True:
        seen = call(read, keys["maker"], "GET", f"/api/v1/orders/{resting['order_id']}")
        if seen["status"] == "partially_filled" or time.monotonic() > deadline:
            break

    assert (seen["status"], seen["filled_quantity"]) == ("partially_filled", "0.400")


def test_random_places_and_cancels_read_back_as_answered(two) -> None:
    """A seeded stream of places and cancels by two users, each followed at once by reads
    through the other server that agree with every answer seen so far."""
    write, read, keys = two
    rng = random.Random(17)
    answered: dict[int, tuple[str, dict]] = {}  # order id -> (owner, last body answered)
    for _ in range(40):
        user = rng.choice(["maker", "taker"])
        mine = [i for i, (owner, body) in answered.items() if owner == user
                and body["status"] in ("new", "partially_filled")]  # fmt: skip
        if mine and rng.random() < 0.35:
            order_id = rng.choice(mine)
            status, body = http(write.base, "DELETE", f"/api/v1/orders/{order_id}", keys[user])
            if status == 400:  # the other user's taker filled it meanwhile
                assert body["error"]["code"] == "order_not_open", body
                body = {**answered[order_id][1], "status": body["error"]["status"]}
            answered[order_id] = (user, body)
        else:
            side = rng.choice([BUY, SELL])
            price = f"{rng.randint(95, 105)}.00"
            quantity = f"{rng.randint(1, 3)}.000"
            body = call(write, keys[user], "POST", "/api/v1/orders",
                        {**side, "price": price, "quantity": quantity})  # fmt: skip
            answered[body["order_id"]] = (user, body)
        listed = {
            order["order_id"]: order
            for order in call(read, keys[user], "GET", "/api/v1/orders?limit=1000")["results"]
        }
        for order_id, (owner, body) in answered.items():
            if owner != user:
                continue
            assert order_id in listed, order_id
            shown = listed[order_id]
            if body["status"] in ("cancelled", "filled"):  # final: exactly as answered
                assert shown["status"] == body["status"], (order_id, shown, body)
            else:  # others may have traded with it since, never less
                assert float(shown["filled_quantity"]) >= float(body["filled_quantity"])
