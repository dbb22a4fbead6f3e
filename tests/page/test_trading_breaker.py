"""A real circuit breaker on the trading page (issue 19): a market whose breaker is set (the
service path the admin uses) trades further than its move allows, the matcher pauses it,
and the page (socket and /symbols as the server sends them, nothing faked) shows the pause
counting down, then its call auction, then the reopening. Skipped while the exchange has
no circuit breaker (`breaker_move_pct` not in /api/v1/symbols). Its own exchange (module
scope): the breaker stays off everywhere else. Screenshots in var/test-artifacts/page/."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.exchange.processes import manage, manage_many
from tests.exchange.test_embedded_rest import _request
from tests.page.conftest import PASSWORD
from tests.page.trading_page import TradingPage

SYMBOL = "ETH-USDT"
PAUSE_S, AUCTION_S = 24, 10
OPERATOR = "operator"


def set_breaker(browser, exchange) -> None:
    """The breaker set through the admin's change form, as an operator sets it."""
    code = (
        "from accounts.models import User\n"
        f"User.objects.filter(username={OPERATOR!r}).exists() or "
        f"User.objects.create_superuser({OPERATOR!r}, password={PASSWORD!r})\n"
    )
    manage(exchange.env, "shell", "-c", code)
    context = browser.new_context()
    try:
        admin = context.new_page()
        admin.goto(exchange.base + "/admin/login/?next=/admin/exchange/market/")
        admin.fill("#id_username", OPERATOR)
        admin.fill("#id_password", PASSWORD)
        admin.click("[type=submit]")
        admin.locator("#result_list a", has_text=SYMBOL).click()
        admin.fill("#id_breaker_move_pct", "5")
        admin.fill("#id_breaker_window_s", "300")
        admin.fill("#id_breaker_pause_s", str(PAUSE_S))
        admin.fill("#id_breaker_auction_s", str(AUCTION_S))
        admin.click("[name=_save]")
        expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")
    finally:
        context.close()


def test_a_tripped_breaker_pauses_counts_down_auctions_and_reopens(
    browser, exchange, artifacts
) -> None:
    status, body = _request(exchange.base, "GET", "/api/v1/symbols", None, None)
    market = next(m for m in body["results"] if m["symbol"] == SYMBOL)
    if "breaker_move_pct" not in market:
        pytest.skip("the exchange has no circuit breaker yet")
    set_breaker(browser, exchange)
    alice, bob = map(json.loads, manage_many(exchange.env, ("create_api_key", "alice"),
                                              ("create_api_key", "bob")))  # fmt: skip
    order = {"symbol": SYMBOL, "type": "limit", "quantity": "0.1"}

    def place(key: dict, side: str, price: str) -> dict:
        status, placed = _request(exchange.base, "POST", "/api/v1/orders", key,
                                  {**order, "side": side, "price": price})  # fmt: skip
        assert status == 201, placed
        return placed

    trader = TradingPage.open(browser, exchange.base, artifacts)
    try:
        trader.log_in("taker")
        trader.page.select_option("#market", SYMBOL)
        place(alice, "sell", "2000.00")
        place(bob, "buy", "2000.00")  # the reference price
        expect(trader.latest_trade()).to_contain_text("2,000.00")
        place(alice, "sell", "2200.00")
        banner = trader.page.locator("[data-testid=market-status]")
        expect(banner).to_be_hidden()

        tripped = place(bob, "buy", "2200.00")  # +10 % against a 5 % move: the breaker trips
        assert tripped["status"] == "cancelled", tripped

        headline = trader.page.locator("[data-testid=market-headline]")
        expect(banner).to_have_attribute("data-status", "paused")
        expect(headline).to_have_text(re.compile(r"^Circuit breaker: reopens in 0:[12]\d$"))
        expect(trader.page.locator("[data-testid=market-badge]")).to_have_text(
            re.compile(r"^Paused 0:\d\d$")
        )
        expect(trader.page.locator("#f-submit")).to_be_disabled()
        expect(trader.page.locator("#market option[value=ETH-USDT]")).to_have_text(
            "ETH/USDT · paused"
        )
        trader.shot("40-breaker-paused")

        expect(banner).to_have_attribute("data-auction", "true", timeout=PAUSE_S * 1000)
        expect(banner).to_contain_text("Call auction")
        expect(trader.page.locator("#f-submit")).to_be_enabled()
        trader.shot("41-breaker-call-auction")

        expect(banner).to_be_hidden(timeout=(AUCTION_S + 10) * 1000)
        expect(trader.page.locator("#market option[value=ETH-USDT]")).to_have_text("ETH/USDT")
        expect(trader.page.locator("#f-submit")).to_be_enabled()
        trader.shot("42-breaker-reopened")
        trader.assert_no_script_errors()
    finally:
        trader.close()
