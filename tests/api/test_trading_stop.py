"""The kill switch for one user (API.md, "Market safety"): an admin's TradingStop reaches
every matcher within a second; the user's open orders are cancelled (reason `admin`) and
their orders refused `403 trading_disabled` until the stop is lifted. Others trade on."""

from __future__ import annotations

import time

from exchange.models import OrderEvent, TradingStop


def wait_until(condition, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def test_a_stopped_user_is_refused_and_their_orders_cancelled(
    matcher, maker_client, taker_client, traders
) -> None:
    resting = maker_client.place(side="buy", price="90", quantity="1").json()["order_id"]

    stop = TradingStop.objects.create(user=traders[0], reason="investigation")
    wait_until(
        lambda: OrderEvent.objects.filter(order_id=resting, status="cancelled").exists()
    )  # the config sync runs every second
    refused = maker_client.place(side="buy", price="90", quantity="1")
    others = taker_client.place(side="buy", price="90", quantity="1")
    stop.delete()
    wait_until(lambda: maker_client.place(side="buy", price="90", quantity="1").status_code == 201)

    assert OrderEvent.objects.get(order_id=resting, status="cancelled").reason == "admin"
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "trading_disabled"
    assert others.status_code == 201
