"""While the database is too far behind the matcher, new orders are refused `503
service_busy` with Retry-After and nothing is placed; cancels are still taken (API.md,
"Errors (added)"). The matcher here counts as behind from the start: its persister's queue
limit is 0 (EXCHANGE_PERSIST_MAX_QUEUE)."""

from __future__ import annotations

import pytest

from exchange.models import Order
from tests.exchange.matcher_helpers import TRADER_FUNDS, fund, start_matcher, status, wait_for


@pytest.fixture
def busy_matcher(tmp_path, market, traders, transactional_db):
    running = start_matcher(tmp_path / "data", EXCHANGE_PERSIST_MAX_QUEUE=0)
    try:
        wait_for(lambda: "BTC-USDT" in status()["markets"], "the market reaches the matcher")
        for trader in traders:
            fund(trader, TRADER_FUNDS)  # transfers are not orders: still taken
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


def test_a_new_order_is_refused_service_busy_and_a_cancel_is_still_taken(
    busy_matcher, maker_client
) -> None:
    response = maker_client.place(side="buy", price="100", quantity="1", client_order_id="b-1")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_busy"
    assert int(response["Retry-After"]) >= 1
    assert maker_client.get("/api/v1/orders?client_order_id=b-1").json()["results"] == []
    assert not Order.objects.exists()

    cancel_all = maker_client.delete("/api/v1/orders")

    assert cancel_all.status_code == 200
    assert cancel_all.json() == {"cancelled": []}
