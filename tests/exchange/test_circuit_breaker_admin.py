"""A market's circuit breaker in the Django admin: the four settings edited on the market's
own form reach the matcher (a real one) before they are saved and are in the audit trail;
settings that cannot be are refused on their field and nothing is saved; a new market
added with a breaker is defined with it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditEntry
from exchange.models import Market
from matching.service import client as matcher_client
from tests.exchange.matcher_helpers import fund, placed_order, status, wait_for
from tests.exchange.test_admin_markets import NEW_MARKET, change_url, form_data, form_errors

pytestmark = [pytest.mark.django_db(transaction=True)]

BREAKER = {"breaker_move_pct": "10", "breaker_window_s": "60", "breaker_pause_s": "60",
           "breaker_auction_s": "10"}  # fmt: skip


def place(user, price: str, side: str, quantity: str = "1", symbol: str = "BTC-USDT") -> dict:
    command = {"op": "new", "user": user.pk, "symbol": symbol, "side": side, "type": "limit",
               "price": price, "quantity": quantity}  # fmt: skip
    return placed_order(matcher_client.call_sync(command))


def trips(maker, taker, symbol: str = "BTC-USDT") -> tuple[dict, dict]:
    """A trade at 100, then a buy that meets 120: (the buy's last event, a later order's)."""
    place(maker, "100", "sell", symbol=symbol)
    place(taker, "100", "buy", symbol=symbol)
    place(maker, "120", "sell", symbol=symbol)
    return place(taker, "120", "buy", symbol=symbol), place(taker, "99", "buy", symbol=symbol)


def test_breaker_settings_through_the_change_form_reach_the_matcher_and_the_trail(
    matcher, market, traders, admin_client
) -> None:
    response = admin_client.post(change_url(market), form_data(market, **BREAKER))
    bought, later = trips(*traders)

    assert response.status_code == 302
    market.refresh_from_db()
    assert (market.breaker_move_pct, market.breaker_pause_s, market.version) == (
        Decimal(10), 60, 2
    )  # fmt: skip
    assert (bought["status"], bought["reason"]) == ("cancelled", "circuit_breaker")
    assert later["reason"] == "symbol_paused"
    entry = AuditEntry.objects.get(action="market.change")
    before = {field: entry.before[field] for field in BREAKER}
    after = {field: entry.after[field] for field in BREAKER}
    assert Decimal(before.pop("breaker_move_pct")) == 0
    assert before == {"breaker_window_s": 300, "breaker_pause_s": 300, "breaker_auction_s": 0}
    assert Decimal(after["breaker_move_pct"]) == 10
    assert (after["breaker_window_s"], after["breaker_pause_s"], after["breaker_auction_s"]) == (
        60, 60, 10
    )  # fmt: skip


def test_turning_the_breaker_off_lets_the_same_trade_happen(
    matcher, market, traders, admin_client
) -> None:
    admin_client.post(change_url(market), form_data(market, **BREAKER))
    market.refresh_from_db()

    response = admin_client.post(change_url(market), form_data(market, breaker_move_pct="0"))
    bought, later = trips(*traders)

    assert response.status_code == 302
    assert bought["status"] == "filled"
    assert later["status"] == "new"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"breaker_auction_s": "61"}, "breaker_auction_s", "at most 60 s"),
        ({"breaker_move_pct": "1.000000001"}, "breaker_move_pct", "8 decimal places"),
        ({"breaker_move_pct": "1000"}, "breaker_move_pct", "999.99999999"),
        ({"breaker_window_s": "0"}, "breaker_window_s", "greater than or equal to 1"),
        ({"breaker_pause_s": "86401"}, "breaker_pause_s", "less than or equal to 86400"),
    ],
)
def test_settings_the_engine_cannot_take_are_refused_on_their_field(
    market, admin_client, changes, field, words
) -> None:
    data = form_data(market, **{**BREAKER, **changes})

    response = admin_client.post(change_url(market), data)

    assert response.status_code == 200
    assert words in " ".join(form_errors(response)[field])
    market.refresh_from_db()
    assert (market.breaker_move_pct, market.version) == (0, 1)
    assert not AuditEntry.objects.exists()


def test_a_market_added_with_a_breaker_is_defined_with_it(matcher, traders, admin_client):
    data = {**NEW_MARKET, **BREAKER, "base": "ETH", "quote": "USDT"}

    response = admin_client.post("/admin/exchange/market/add/", data)
    wait_for(lambda: "ETH-USDT" in status()["markets"], "the matcher defines the new market")
    fund(traders[0], {"ETH": "10"})
    bought, later = trips(*traders, symbol="ETH-USDT")

    assert response.status_code == 302
    assert Market.objects.get(symbol="ETH-USDT").breaker_move_pct == 10
    assert (bought["status"], bought["reason"]) == ("cancelled", "circuit_breaker")
    assert later["reason"] == "symbol_paused"
