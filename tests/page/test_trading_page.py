"""The trading page in a real headless Chromium against a real embedded exchange: a visitor
sees the market, a new account has no funds, a trader places, sees, cancels and exports
orders, errors show next to their field, and a cross from a second user shows live on both
pages. Screenshots of each step are kept in var/test-artifacts/page/."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.page.trading_page import TradingPage


def test_a_visitor_sees_the_market_and_a_new_account_starts_with_no_funds(
    browser, exchange, artifacts
) -> None:
    visitor = TradingPage.open(browser, exchange.base, artifacts)
    try:
        visitor.visit("/")
        expect(visitor.page.locator("#market option[value=BTC-USDT]")).to_have_count(1)
        expect(visitor.page.locator("#book-bids .level").first).to_be_visible()
        expect(visitor.page.locator(".form-panel .prompt")).to_contain_text("Log in to trade")
        visitor.shot("01-visitor")

        visitor.visit("/accounts/signup/")
        visitor.page.fill("#id_username", "newcomer")
        visitor.page.fill("#id_password1", "fresh-Account-77")
        visitor.page.fill("#id_password2", "fresh-Account-77")
        visitor.shot("02-signup")
        visitor.page.click("button[type=submit]")
        visitor.wait_ready()
        expect(visitor.page.locator("[data-testid=username]")).to_contain_text("newcomer")
        # each asset with its fixed places: BTC the lot's (5), USDT its quote_precision (8)
        expect(visitor.available("BTC")).to_have_text("0.00000")
        expect(visitor.available("USDT")).to_have_text("0.00000000")
        expect(visitor.page.locator(".no-funds")).to_be_visible()
        visitor.shot("03-new-account-has-no-funds")

        visitor.page.click("form.logout button")
        expect(visitor.page).to_have_url(re.compile(r"/accounts/login/"))
        visitor.shot("04-login")
        visitor.assert_no_script_errors()
    finally:
        visitor.close()


def test_a_trader_places_sees_cancels_and_exports_orders(browser, exchange, artifacts) -> None:
    maker = TradingPage.open(browser, exchange.base, artifacts)
    try:
        maker.log_in("maker")
        expect(maker.available("BTC")).to_have_text("1.00000")

        maker.place("sell", "50500.005", "0.01")  # off the 0.01 tick: the form says so
        expect(maker.error_for("price")).to_contain_text("tick size 0.01")
        maker.place("sell", "50500", "5")  # more BTC than the maker has: the API says so
        expect(maker.error_for("quantity")).to_contain_text("Not enough available balance")
        expect(maker.error_for("price")).to_be_empty()
        maker.shot("05-errors-next-to-their-field")

        maker.place("sell", "50500", "0.01")
        expect(maker.open_order("50,500.00")).to_have_count(1)
        expect(maker.error_for("quantity")).to_be_empty()
        first = maker.open_order("50,500.00")
        # a property, not in the HTML: it stays only on the same element
        drawn = first.evaluate("tr => { tr.drawnBefore = true; return tr.outerHTML; }")
        maker.place("buy", "49000", "0.01")
        expect(maker.open_order("49,000.00")).to_have_count(1)
        # the table redrew for the new order; a row drawn as it was is the same element (a tap
        # on its Cancel in the middle of a redraw still lands); only a row that changed (the
        # order's own socket message, come after the answer) is a new one
        same, now = first.evaluate("tr => [tr.drawnBefore === true, tr.outerHTML]")
        assert same or now != drawn, f"an unchanged row was drawn anew: {now}"
        maker.shot("06-open-orders")

        maker.open_order("49,000.00").locator("button.cancel").click()
        expect(maker.open_order("49,000.00")).to_have_count(0)
        expect(maker.open_order("50,500.00")).to_have_count(1)
        maker.tab("history")
        cancelled = maker.page.locator("[data-pane=history] tbody tr", has_text="49,000.00")
        expect(cancelled).to_contain_text("Cancelled")
        maker.shot("07-cancelled-in-history")

        rows = maker.export_csv("#export-orders")
        exported = [row for row in rows if row["price"] == "49000.00"]
        assert len(exported) == 1, rows
        assert exported[0]["status"] == "cancelled"
        assert (exported[0]["side"], exported[0]["symbol"]) == ("buy", "BTC-USDT")
        assert Decimal(exported[0]["quantity"]) == Decimal("0.01")
        maker.assert_no_script_errors()
    finally:
        maker.close()


def test_a_cross_from_a_second_user_shows_live_on_both_pages(browser, exchange, artifacts) -> None:
    maker = TradingPage.open(browser, exchange.base, artifacts)
    taker = TradingPage.open(browser, exchange.base, artifacts)
    try:
        maker.log_in("maker")
        taker.log_in("taker")
        expect(maker.page.locator("#conn")).to_have_attribute("data-state", "live")
        expect(maker.available("USDT")).to_have_text("20,000.00000000")
        expect(taker.available("BTC")).to_have_text("0.50000")

        maker.place("sell", "50150", "0.02")
        expect(maker.open_order("50,150.00")).to_have_count(1)
        expect(maker.ask("50150.00")).to_be_visible()  # the book, live
        expect(taker.ask("50150.00")).to_be_visible()  # and on the other page
        maker.shot("08-maker-order-in-the-book")

        taker.ask("50150.00").click()  # a price picked on the book goes to the form
        expect(taker.page.locator("#f-price")).to_have_value("50150.00")
        taker.place("buy", None, "0.02")

        for page in (maker, taker):
            expect(page.latest_trade()).to_contain_text("50,150.00")
        expect(maker.open_order("50,150.00")).to_have_count(0)
        expect(maker.ask("50150.00")).to_have_count(0)
        # 0.02 × 50,150 less the maker's 0.1 % fee; the taker's fee is paid in USDT
        expect(maker.available("USDT")).to_have_text("21,001.99700000")
        expect(taker.available("BTC")).to_have_text("0.52000")
        maker.shot("09-maker-after-the-cross")
        taker.shot("10-taker-after-the-cross")

        maker.tab("fills")
        expect(
            maker.page.locator("[data-pane=fills] tbody tr", has_text="50,150.00")
        ).to_have_count(1)
        rows = maker.export_csv("#export-fills")
        fill = next(row for row in rows if row["price"] == "50150.00")
        assert (fill["side"], fill["liquidity"]) == ("sell", "maker")
        assert Decimal(fill["quantity"]) == Decimal("0.02")

        maker.page.click("#theme-toggle")
        maker.page.reload()
        maker.wait_ready()
        expect(maker.page.locator("html")).to_have_attribute("data-theme", "light")
        maker.shot("11-light-theme")
        maker.assert_no_script_errors()
        taker.assert_no_script_errors()
    finally:
        maker.close()
        taker.close()
