"""The admin's kill switches (API.md, "Market safety"): halting every market at once, and
stopping one user trading, each take effect in the matcher and are in the audit trail."""

from __future__ import annotations

import time

import pytest

from audit.models import AuditEntry
from exchange.models import Market, OrderEvent, TradingStop
from matching.service import client as matcher_client
from tests.exchange.matcher_helpers import placed_order, status, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def place(user, price: str = "100") -> dict:
    command = {"op": "new", "user": user.pk, "symbol": "BTC-USDT", "side": "buy",
               "type": "limit", "price": price, "quantity": "1"}  # fmt: skip
    return placed_order(matcher_client.call_sync(command))


def test_halt_all_halts_every_market_and_is_recorded(matcher, market, traders, admin_client):
    Market.objects.create(base="ETH", quote="USDT", tick_size="0.01", lot_size="0.001")
    wait_for(lambda: "ETH-USDT" in status()["markets"], "the new market reaches the matcher")

    response = admin_client.post(
        "/admin/exchange/market/",
        {"action": "halt_all", "_selected_action": [market.pk]},
    )

    assert response.status_code == 302
    assert set(Market.objects.values_list("status", flat=True)) == {"halted"}
    assert place(traders[0])["reason"] == "symbol_halted"
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[0] == "market.halt_all" and actions.count("market.halt") == 2


def test_a_trading_stop_through_the_admin_is_applied_and_recorded(
    matcher, market, traders, admin_client, admin_user
) -> None:
    resting = place(traders[0], "90")

    response = admin_client.post(
        "/admin/exchange/tradingstop/add/", {"user": traders[0].pk, "reason": "fraud check"}
    )
    deadline = time.monotonic() + 5
    while not OrderEvent.objects.filter(order_id=resting["order_id"], status="cancelled"):
        assert time.monotonic() < deadline, "the stop did not reach the matcher"
        time.sleep(0.05)

    assert response.status_code == 302
    assert TradingStop.objects.get().stopped_by == admin_user
    assert place(traders[0])["reason"] == "trading_disabled"
    entry = AuditEntry.objects.get(action="user.trading_stop")
    assert (entry.actor_id, entry.after["reason"]) == (admin_user.pk, "fraud check")
