"""The web process's liveness for cancel on disconnect (exchange/consumers/liveness.py),
watched from the test process where daphne serves (the in-process matcher's settings): it
stamps and records while it has a socket that asked, forgets and stops stamping when the
last closes, and closes its sockets when it was taken for dead."""

from __future__ import annotations

import asyncio
import time

import pytest

from exchange.consumers.liveness import LIVENESS
from exchange.services.disconnect_registry import Recorded, disconnect_registry
from tests.exchange.matcher_helpers import in_process
from tests.ws.conftest import key_of
from tests.ws.servers import http, wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]

BUY = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "1.000"}
TTL_MS = 1000


@pytest.fixture(autouse=True)
def served_here() -> None:
    if not in_process():
        pytest.skip("reads this process's LIVENESS: daphne must serve from the test process")


def recorded(process: str) -> list[Recorded]:
    return asyncio.run(disconnect_registry().orders(process, ""))


def test_a_socket_that_asks_records_its_orders_and_forgets_them_on_close(
    start_server, traders, connect
) -> None:
    server = start_server(EXCHANGE_WS_LIVENESS_TTL_MS=TTL_MS)
    key = key_of(traders[0])
    trader = connect(server.ws_url)
    trader.auth(key, cancel_on_disconnect=True)
    order_id = trader.request("order.place", **BUY, price="90.00")["body"]["order_id"]
    process = LIVENESS.process
    wait_until(lambda: recorded(process) == [Recorded(order_id, traders[0].pk, "")],
               "the order is recorded")  # fmt: skip

    trader.close()

    wait_until(lambda: LIVENESS.process is None, "the process stops stamping")
    assert recorded(process) == []
    assert process not in asyncio.run(disconnect_registry().dead())


def test_an_order_that_ended_at_once_is_not_recorded(start_server, traders, connect) -> None:
    server = start_server(EXCHANGE_WS_LIVENESS_TTL_MS=TTL_MS)
    trader = connect(server.ws_url)
    trader.auth(key_of(traders[0]), cancel_on_disconnect=True)
    ended = trader.request("order.place", **BUY, price="90.00", time_in_force="IOC")["body"]
    resting = trader.request("order.place", **BUY, price="91.00")["body"]["order_id"]

    wait_until(lambda: recorded(LIVENESS.process), "the resting order is recorded")
    assert ended["status"] == "expired"
    ids = [r.order_id for r in recorded(LIVENESS.process)]
    assert resting in ids and ended["order_id"] not in ids


def test_turning_it_on_late_records_what_the_socket_placed_before(
    start_server, traders, connect
) -> None:
    server = start_server(EXCHANGE_WS_LIVENESS_TTL_MS=TTL_MS)
    trader = connect(server.ws_url)
    trader.auth(key_of(traders[0]))
    order_id = trader.request("order.place", **BUY, price="90.00")["body"]["order_id"]

    trader.send({"op": "session", "cancel_on_disconnect": True})
    trader.of_type("session")

    wait_until(lambda: LIVENESS.process and order_id in
               [r.order_id for r in recorded(LIVENESS.process)],
               "the earlier order is recorded")  # fmt: skip


def test_a_process_taken_for_dead_closes_its_sockets(start_server, traders, connect) -> None:
    server = start_server(EXCHANGE_WS_LIVENESS_TTL_MS=TTL_MS)
    key = key_of(traders[0])
    trader = connect(server.ws_url)
    trader.auth(key, cancel_on_disconnect=True)
    first = trader.request("order.place", **BUY, price="90.00")["body"]["order_id"]
    later = trader.request("order.place", **BUY, price="91.00")["body"]["order_id"]
    process = LIVENESS.process
    wait_until(lambda: len(recorded(process)) == 2, "the orders are recorded")

    # a reaper took it for dead (a stall past the TTL) and cancelled the first order
    asyncio.run(disconnect_registry().reaped(process, [first]))

    assert trader.of_type("error", timeout=10)["code"] == "connection_reset"
    deadline = time.monotonic() + 10
    while http(server.base, "GET", f"/api/v1/orders/{later}", key)[1]["status"] != "cancelled":
        assert time.monotonic() < deadline, "the socket's other order stayed open"
        time.sleep(0.05)
