"""Cancel on disconnect when the web process dies (API.md, "Order control"): nobody closes
its sockets, so the matcher's reaper cancels what its cancel-on-disconnect sockets placed
once its liveness stamp runs out (exchange/consumers/liveness.py,
matching/service/disconnect_reaper.py), reason `cancel_on_disconnect`, and nothing else."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from exchange.models import OrderEvent
from exchange.services.disconnect_registry import Recorded, disconnect_registry
from tests.ws.conftest import key_of
from tests.ws.servers import http

pytestmark = [pytest.mark.django_db(transaction=True)]

BUY = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "1.000"}
DEADLINE_S = 15.0  # the default 8 s stamp, a reaper round, the database: well within
WAIT_S = 40.0  # how long the test looks, to tell late from never


def cancelled_reasons(order_ids: list[int]) -> dict[int, str]:
    rows = OrderEvent.objects.filter(order_id__in=order_ids, status="cancelled")
    return dict(rows.values_list("order_id", "reason"))


def wait_cancelled(order_ids: list[int], since: float) -> float:
    """Seconds from `since` until every order of `order_ids` was cancelled (the database
    shows it); fails after WAIT_S."""
    while len(cancelled_reasons(order_ids)) < len(order_ids):
        assert time.monotonic() - since < WAIT_S, (
            f"cancelled after {WAIT_S} s: {cancelled_reasons(order_ids)} of {order_ids}"
        )
        time.sleep(0.1)
    return time.monotonic() - since


def status_of(server, key: dict, order_id: int) -> str:
    status, body = http(server.base, "GET", f"/api/v1/orders/{order_id}", key)
    assert status == 200, body
    return body["status"]


def test_a_killed_web_process_has_its_sockets_orders_cancelled(
    production_like, start_server, traders, connect
) -> None:
    doomed, survivor = start_server(), start_server()
    alice, bob = key_of(traders[0]), key_of(traders[1])
    watched = connect(doomed.ws_url)
    assert watched.auth(alice, cancel_on_disconnect=True)["cancel_on_disconnect"] is True
    doomed_ids = [watched.request("order.place", **BUY, price=f"9{n}.00")["body"]["order_id"]
                  for n in range(3)]  # fmt: skip
    plain = connect(doomed.ws_url)  # alice's, on the same process, not asking
    plain.auth(alice)
    kept = {"plain socket": plain.request("order.place", **BUY, price="80.00")["body"]}
    elsewhere = connect(survivor.ws_url)  # alice's, asking, on a process that lives
    elsewhere.auth(alice, cancel_on_disconnect=True)
    kept["other process's socket"] = elsewhere.request("order.place", **BUY, price="81.00")["body"]
    kept["rest"] = http(doomed.base, "POST", "/api/v1/orders", alice, {**BUY, "price": "82.00"})[1]
    bobs = connect(doomed.ws_url)  # another user's, not asking
    bobs.auth(bob)
    kept["bob's socket"] = bobs.request("order.place", **BUY, price="83.00")["body"]

    doomed.process.popen.send_signal(signal.SIGKILL)  # no close frame, no close handler
    killed_at = time.monotonic()
    doomed.process.popen.wait(10)
    took = wait_cancelled(doomed_ids, killed_at)
    print(f"cancelled {took:.1f} s after the kill")

    assert took < DEADLINE_S, f"cancelled {took:.1f} s after the kill"
    assert set(cancelled_reasons(doomed_ids).values()) == {"cancel_on_disconnect"}
    for what, order in kept.items():
        key = bob if what.startswith("bob") else alice
        assert status_of(survivor, key, order["order_id"]) == "new", what


def test_the_matcher_cancels_what_a_dead_process_recorded(start_server, traders, connect) -> None:
    server = start_server()
    alice = key_of(traders[0])
    placed = [http(server.base, "POST", "/api/v1/orders", alice, {**BUY, "price": f"9{n}.00"})[1]
              for n in range(3)]  # fmt: skip
    gone, untouched = placed[:2], placed[2]
    registry = disconnect_registry()  # the matcher's too (this process's, or Redis)

    async def a_process_that_dies() -> None:
        await registry.record(
            "gone-web", [Recorded(o["order_id"], traders[0].pk, "") for o in gone]
        )
        await registry.stamp("gone-web", 300)

    asyncio.run(a_process_that_dies())
    took = wait_cancelled([o["order_id"] for o in gone], time.monotonic())

    assert took < DEADLINE_S
    assert set(cancelled_reasons([o["order_id"] for o in gone]).values()) == {
        "cancel_on_disconnect"
    }
    assert status_of(server, alice, untouched["order_id"]) == "new"
    assert asyncio.run(registry.dead()) == []  # its records gone with it
