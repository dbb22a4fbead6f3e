"""The admin as an operator reads it: the exchange's own title, and amounts in lists without
the database's 18 places, grouped and right-aligned (exchange/admin_decimals.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Balance
from exchange.admin_decimals import decimal_text
from tests.fees.trades import a_market, a_trade

pytestmark = [pytest.mark.django_db]


def test_the_admin_is_titled_as_the_exchange(admin_client) -> None:
    page = admin_client.get("/admin/").content.decode()

    assert "<title>Markets, users and funds | Exchange admin</title>" in page
    assert "Exchange administration" in page
    assert "Django administration" not in page


def test_balances_list_amounts_without_trailing_zeros_right_aligned(admin_client) -> None:
    Balance.objects.create(
        account="7", asset="USDT", available=Decimal("49950.000000000000000000"),
        locked=Decimal("0.250000000000000000"), last_seq=1,
    )  # fmt: skip

    page = admin_client.get("/admin/accounts/balance/").content.decode()

    assert re.search(r'<td class="field-num_available">49,950</td>', page)
    assert re.search(r'<td class="field-num_locked">0.25</td>', page)
    assert "49950.000000000000000000" not in page
    assert 'td[class*="field-num_"]' in page  # the style that right-aligns them


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("49950.000000000000000000", "49,950"),
        ("0E-18", "0"),
        ("-0.000", "0"),
        ("1234567.891000000000000000", "1,234,567.891"),
        ("0.000000000000000001", "0.000000000000000001"),
        ("100", "100"),
    ],
)
def test_decimal_text(value: str, shown: str) -> None:
    assert decimal_text(Decimal(value)) == shown


def test_orders_and_trades_lists_show_readable_prices_and_quantities(admin_client) -> None:
    maker = get_user_model().objects.create_user("maker")
    taker = get_user_model().objects.create_user("taker")
    a_trade(a_market(), maker, taker, price="49950.000000000000000000", quantity="0.5",
            at=timezone.now())  # fmt: skip

    orders = admin_client.get("/admin/exchange/order/").content.decode()
    trades = admin_client.get("/admin/exchange/trade/").content.decode()

    for page in (orders, trades):
        assert re.search(r'<td class="field-num_price">49,950</td>', page)
        assert re.search(r'<td class="field-num_quantity">0.5</td>', page)
        assert "49950.000000000000000000" not in page


NEW_MARKET = {"tick_size": "0.01", "lot_size": "0.001", "min_notional": "0",
              "quote_precision": "8", "status": "trading", "shard": "",
              "max_open_orders": "200", "price_band_pct": "0", "breaker_move_pct": "0",
              "breaker_window_s": "300", "breaker_pause_s": "300",
              "breaker_auction_s": "60"}  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"base": "BTC", "quote": "BTC"}, "The quote asset must differ from the base asset."),
        ({"tick_size": "0"}, "The tick size is a decimal more than 0, e.g. 0.01."),
        ({"lot_size": "-1"}, "The lot size is a decimal more than 0, e.g. 0.001."),
        ({"min_notional": "-1"}, "The minimum notional is 0 or more."),
    ],
)
def test_a_market_form_says_what_is_wrong_not_which_constraint(admin_client, fields, message):
    data = {**NEW_MARKET, "base": "BTC", "quote": "USDT", **fields}

    page = admin_client.post("/admin/exchange/market/add/", data).content.decode()

    assert message in page
    assert "Constraint" not in page and "Invalid:" not in page


def test_a_fee_tier_form_says_what_is_wrong_not_which_constraint(admin_client) -> None:
    data = {"name": "vip", "maker_rate": "0", "taker_rate": "0.001"}
    admin_client.post("/admin/fees/feetier/add/", {**data, "min_volume_30d": "1000"})

    negative = admin_client.post("/admin/fees/feetier/add/", {**data, "min_volume_30d": "-1"})
    again = admin_client.post(
        "/admin/fees/feetier/add/", {**data, "name": "vip2", "min_volume_30d": "1000"}
    )

    assert "The 30-day volume cannot be negative." in negative.content.decode()
    assert "Another tier starts at this 30-day volume." in again.content.decode()
    for response in (negative, again):
        assert "Constraint" not in response.content.decode()
