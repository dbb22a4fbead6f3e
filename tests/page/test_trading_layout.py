"""The trading page as issue 21 asks, in a real headless Chromium against a real embedded
exchange (its own, module scope), at 1440x900, 1024x768 and 390x844:

- fixed decimals per market and asset everywhere (prices with the tick's places,
  quantities with the lot's, balances, fees and volumes with the asset's), numeric columns
  right-aligned in tabular figures, the CSV export raw;
- the order form's submit button in view with "Advanced options" open; a market order's
  estimate from the book, and a warning when the book cannot fill it;
- the layouts: the ticker's fields kept and the book beside the form at 1024, the ticker,
  a book without blank space and the open orders as cards (Cancel reachable) at 390, and no
  horizontal scroll;
- the depth chart's mid only with both sides, and its quantity axis; candles with time gaps;
  ISO-like dates; the book, trades and balances dimmed while the socket reconnects.

Screenshots of each step are kept in var/test-artifacts/page/ (50-*)."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.exchange.test_embedded_rest import _request
from tests.page.trading_page import TradingPage

SIZES = [(1440, 900), (1024, 768), (390, 844)]
PRICE = re.compile(r"^\d{1,3}(,\d{3})*\.\d{2}$")  # BTC-USDT: tick 0.01
BTC = re.compile(r"^\d{1,3}(,\d{3})*\.\d{5}$")  # lot 0.00001
USDT = re.compile(r"^\d{1,3}(,\d{3})*\.\d{8}$")  # quote_precision 8
DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def open_at(browser: Browser, exchange, artifacts, width: int, height: int) -> TradingPage:
    viewport = {"width": width, "height": height}
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    return TradingPage(context.new_page(), exchange.base, artifacts)


def rest_book(exchange, symbol: str = "BTC-USDT") -> dict:
    status, body = _request(exchange.base, "GET", f"/api/v1/book/{symbol}?depth=500")
    assert status == 200, body
    return body


def walk(levels: list, quantity: Decimal) -> tuple[Decimal, Decimal]:
    """(filled, notional) of a market order of `quantity` against `levels`, best first."""
    filled = notional = Decimal(0)
    for price, size, *_ in levels:
        take = min(Decimal(size), quantity - filled)
        if take <= 0:
            break
        filled += take
        notional += take * Decimal(price)
    return filled, notional


def texts(page: Page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "nodes => nodes.map(n => n.textContent.trim())")


def no_horizontal_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.body.scrollWidth") <= width


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, selector
    return found


def test_numbers_have_fixed_places_per_market_and_asset(browser, exchange, artifacts) -> None:
    trader = open_at(browser, exchange, artifacts, 1440, 900)
    page = trader.page
    try:
        trader.log_in("maker")
        # balances: BTC with the lot's 5 places, USDT with its quote_precision's 8
        expect(trader.available("BTC")).to_have_text("1.00000")
        expect(trader.available("USDT")).to_have_text("20,000.00000000")
        expect(page.locator("[data-testid=balances] tr[data-asset=BTC] .locked")).to_have_text(
            "0.00000"
        )
        # the book and the trades: prices with the tick's places, quantities with the lot's
        expect(page.locator("#book-bids .level").first).to_be_visible()
        for side in ("#book-asks", "#book-bids"):
            assert all(PRICE.match(t) for t in texts(page, f"{side} .level .price"))
            assert all(BTC.match(t) for t in texts(page, f"{side} .level .qty"))
            assert all(BTC.match(t) for t in texts(page, f"{side} .level .total"))
        expect(trader.latest_trade()).to_be_visible()
        assert all(PRICE.match(t) for t in texts(page, "#trades .price"))
        assert all(BTC.match(t) for t in texts(page, "#trades .qty"))
        # the ticker: both 24 h volumes written the same way, each with its asset's places
        expect(page.locator("#t-last")).to_have_text(PRICE)
        expect(page.locator("#t-volume")).to_have_text(BTC)
        expect(page.locator("#t-quote-volume")).to_have_text(USDT)
        expect(page.locator("#t-change")).to_have_text(re.compile(r"^[+-]?\d+\.\d{2}%$"))

        # numeric columns: right-aligned, tabular figures, the digits' right edges in line
        style = page.evaluate(
            """() => [...document.querySelectorAll(
                  '[data-testid=balances] td.num, #book-bids .qty, #trades .price')]
                .map(n => getComputedStyle(n))
                .map(s => [s.textAlign, s.fontVariantNumeric])"""
        )
        assert style and all(align in ("right", "end") for align, _ in style), style
        assert all("tabular-nums" in numeric for _, numeric in style), style
        edges = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid=balances] td.available')]
                .map(td => { const r = document.createRange(); r.selectNodeContents(td);
                             return Math.round(r.getBoundingClientRect().right); })"""
        )
        assert len(set(edges)) == 1, edges

        # a fill: its price, amount and fee with the market's and the asset's places
        trader.place("buy", "50200", "0.01")  # takes the seeded ask at 50,200.00
        expect(trader.available("BTC")).to_have_text("1.01000")
        trader.tab("fills")
        fill = page.locator("[data-pane=fills] tbody tr").first
        expect(fill).to_contain_text("50,200.00")
        cells = fill.locator("td")
        expect(cells.nth(0)).to_have_text(DATE)  # the date: year first, never "12-06"
        expect(cells.nth(4)).to_have_text("0.01000")
        expect(cells.nth(5)).to_have_text(re.compile(r"^\d+\.\d{8} USDT$"))
        trader.tab("history")
        filled = page.locator("[data-pane=history] tbody tr").first
        expect(filled).to_contain_text("Filled")
        expect(filled.locator("td").nth(0)).to_have_text(DATE)
        expect(filled.locator("td").nth(5)).to_have_text("50,200.00")  # the average price
        trader.shot("50-fixed-decimals-1440")
        page.locator("#balances").screenshot(path=artifacts / "50-balances-aligned.png")

        # the CSV export stays raw: the API's own strings
        trader.tab("fills")
        rows = trader.export_csv("#export-fills")
        api = page.request.get(f"{exchange.base}/api/v1/account/trades").json()["results"]
        assert {row["trade_id"]: row["fee"] for row in rows} == {
            str(each["trade_id"]): each["fee"] for each in api
        }
        assert {row["price"] for row in rows} == {each["price"] for each in api}

        # an open order: the date, the price and the amount in their places
        trader.tab("open")
        trader.place("sell", "52000", "0.02")
        row = trader.open_order("52,000.00")
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(0)).to_have_text(DATE)
        expect(row.locator("td").nth(6)).to_have_text("0.02000")
        expect(row.locator("td").nth(7)).to_have_text("0.00000")
        row.locator("button.cancel").click()
        expect(row).to_have_count(0)
        trader.assert_no_script_errors()
    finally:
        trader.close()


def test_a_market_order_shows_its_estimate_and_when_the_book_cannot_fill_it(
    browser, exchange, artifacts
) -> None:
    trader = open_at(browser, exchange, artifacts, 1440, 900)
    page = trader.page
    try:
        trader.log_in("taker")
        page.click("label[for=side-buy]")
        page.select_option("#f-type", "market")
        expect(page.locator("#f-total-label")).to_have_text("Total")
        page.fill("#f-quantity", "0.05")
        book = rest_book(exchange)
        filled, cost = walk(book["asks"], Decimal("0.05"))
        assert filled == Decimal("0.05")
        total = page.locator("[data-testid=order-total]")
        expect(page.locator("#f-total-label")).to_have_text("Est. cost")
        expect(total).to_have_text(f"≈ {cost:,.8f} USDT")
        average = (cost / filled).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        detail = page.locator("[data-testid=order-estimate-detail]")
        expect(detail).to_contain_text(f"≈ {average:,}")
        fees = page.request.get(f"{exchange.base}/api/v1/account/fees").json()
        fee = (cost * Decimal(fees["taker_rate"])).quantize(Decimal("1e-8"), "ROUND_HALF_UP")
        expect(page.locator("[data-testid=order-estimate-fee]")).to_have_text(f"≈ {fee:,} USDT")
        expect(page.locator("[data-testid=liquidity-warning]")).to_be_hidden()
        assert page.locator("#order-form").get_attribute("data-estimate") == "full"
        trader.shot("51-market-order-estimate")

        # more than the book holds: a warning, and what happens to the rest
        page.fill("#f-quantity", "100")
        held = sum(Decimal(size) for _, size, *_ in book["asks"])
        warning = page.locator("[data-testid=liquidity-warning]")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(f"the asks can fill only {held:,.5f} of 100.00000 BTC")
        expect(warning).to_contain_text("would be cancelled")
        # the average price rounded to the tick: its exact value on hover
        short_average = sum(Decimal(p) * Decimal(q) for p, q, *_ in book["asks"]) / held
        if short_average != short_average.quantize(Decimal("0.01")):
            expect(detail).to_have_attribute("title", re.compile(r"^\d+\.\d+ \(exact"))
        assert page.locator("#order-form").get_attribute("data-estimate") == "short"
        page.locator("details.advanced summary").click()
        page.select_option("#f-tif", "FOK")
        expect(warning).to_contain_text("the whole order would be refused")
        submit = page.locator("#f-submit")
        expect(submit).to_be_in_viewport(ratio=1)
        trader.shot("52-market-order-liquidity-warning")

        # a sell walks the bids: the proceeds
        page.click("label[for=side-sell]")
        page.fill("#f-quantity", "0.02")
        _, proceeds = walk(book["bids"], Decimal("0.02"))
        expect(page.locator("#f-total-label")).to_have_text("Est. proceeds")
        expect(total).to_have_text(f"≈ {proceeds:,.8f} USDT")
        expect(warning).to_be_hidden()

        # a buy by amount of USDT: the BTC it buys
        page.click("label[for=side-buy]")
        page.select_option("#f-amount-unit", "quote")
        page.fill("#f-quantity", "100")
        expect(page.locator("#f-total-label")).to_have_text("Est. amount")
        expect(total).to_have_text(re.compile(r"^≈ 0\.00\d{3} BTC$"))

        # a limit order: the exact total again
        page.select_option("#f-type", "limit")
        page.fill("#f-price", "50000")
        page.fill("#f-quantity", "0.5")
        expect(page.locator("#f-total-label")).to_have_text("Total")
        expect(total).to_have_text("25,000.00000000 USDT")
        expect(warning).to_be_hidden()
        trader.assert_no_script_errors()
    finally:
        trader.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_the_submit_button_stays_in_view_with_advanced_options_open(
    browser, exchange, artifacts, width, height
) -> None:
    trader = open_at(browser, exchange, artifacts, width, height)
    page = trader.page
    try:
        trader.log_in("maker")
        page.locator("details.advanced summary").click()
        expect(page.locator("#f-stp")).to_be_visible()
        if width < 760:  # one column: the form is further down the page
            page.evaluate("document.querySelector('.form-panel').scrollIntoView()")
        else:
            assert page.evaluate("window.scrollY") == 0
        submit = page.locator("#f-submit")
        expect(submit).to_be_in_viewport(ratio=1)
        button, panel = box(page, "#f-submit"), box(page, ".form-panel")
        assert panel["y"] <= button["y"]
        assert button["y"] + button["height"] <= panel["y"] + panel["height"]
        assert 0 <= button["x"] and button["x"] + button["width"] <= width
        # reached without scrolling inside the form, and nothing covers it
        assert page.evaluate("document.querySelector('#order-form').scrollTop") == 0
        hit = page.evaluate(
            """() => { const b = document.querySelector('#f-submit').getBoundingClientRect();
                       const at = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
                       return at && at.closest('#f-submit') !== null; }"""
        )
        assert hit
        no_horizontal_scroll(page, width)
        shot = artifacts / f"53-form-advanced-{width}x{height}.png"
        page.locator(".form-panel").screenshot(path=shot)
        trader.shot(f"53-page-advanced-{width}x{height}")
        trader.assert_no_script_errors()
    finally:
        trader.close()


def test_at_1024_the_ticker_keeps_its_fields_and_the_book_is_beside_the_form(
    browser, exchange, artifacts
) -> None:
    trader = open_at(browser, exchange, artifacts, 1024, 768)
    page = trader.page
    try:
        trader.log_in("maker")
        fields = page.locator("#ticker > div")
        expect(fields).to_have_count(6)
        for index in range(6):
            field = fields.nth(index)
            expect(field).to_be_visible()
            expect(field).to_be_in_viewport(ratio=1)
        expect(page.locator("#t-quote-volume")).to_have_text(USDT)
        book, form, chart = box(page, "#book"), box(page, ".form-panel"), box(page, ".chart-panel")
        # one row: the book, the chart, the form
        assert abs(book["y"] - form["y"]) < 2, (book, form)
        assert book["y"] < chart["y"] + chart["height"]  # not below the chart
        assert abs(book["y"] - chart["y"]) < 2
        assert book["x"] + book["width"] <= chart["x"] and chart["x"] + chart["width"] <= form["x"]
        no_horizontal_scroll(page, 1024)
        page.locator(".topbar").screenshot(path=artifacts / "54-topbar-1024x768.png")
        trader.shot("54-layout-1024x768")
        trader.assert_no_script_errors()
    finally:
        trader.close()


def test_on_a_phone_the_ticker_shows_the_book_has_no_blank_and_orders_are_cards(
    browser, exchange, artifacts
) -> None:
    trader = open_at(browser, exchange, artifacts, 390, 844)
    page = trader.page
    try:
        trader.log_in("maker")
        for figure in ("#t-last", "#t-change"):
            expect(page.locator(figure)).to_be_visible()
            expect(page.locator(figure)).to_be_in_viewport(ratio=1)
        expect(page.locator("#t-last")).to_have_text(PRICE)
        no_horizontal_scroll(page, 390)

        # the book panel is as tall as its levels: no blank space under the bids
        expect(page.locator("#book-bids .level").first).to_be_visible()
        blank = page.evaluate(
            """() => { const panel = document.querySelector('#book').getBoundingClientRect();
                       const last = [...document.querySelectorAll('#book-bids .level')].at(-1)
                         .getBoundingClientRect();
                       return panel.bottom - last.bottom; }"""
        )
        assert 0 <= blank < 12, blank
        page.locator("#book").screenshot(path=artifacts / "55-book-390x844.png")

        # an open order as a card, Cancel on screen
        trader.place("sell", "52500", "0.01")
        row = trader.open_order("52,500.00")
        expect(row).to_have_count(1)
        expect(row).to_have_css("display", "grid")  # retried: the table may redraw the row
        expect(row.locator("[data-label=Price]")).to_have_text("52,500.00")
        cancel = row.locator("button.cancel")
        cancel.scroll_into_view_if_needed()
        expect(cancel).to_be_in_viewport(ratio=1)
        button = cancel.bounding_box()
        assert button and 0 <= button["x"] and button["x"] + button["width"] <= 390
        assert button["height"] >= 28  # a thumb's target
        pane = page.locator("[data-pane=open]")
        assert pane.evaluate("p => p.scrollWidth <= p.clientWidth")
        no_horizontal_scroll(page, 390)
        page.locator("#orders").screenshot(path=artifacts / "55-open-orders-as-cards-390x844.png")
        page.evaluate("window.scrollTo(0, 0)")
        trader.shot("55-layout-390x844")
        cancel.click()
        expect(row).to_have_count(0)
        no_horizontal_scroll(page, 390)
        trader.assert_no_script_errors()
    finally:
        trader.close()


class SocketGate:
    """The page's socket through Playwright's routing: passed to the server, closed and kept
    closed on demand (`drop`, `restore`), or fed messages of the test's own (`send`)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.blocked = False
        self.routes: list = []
        self.snapshots = 0  # book snapshots the server sent
        page.route_web_socket(re.compile(r".*/ws/v1$"), self._socket)

    def _socket(self, ws) -> None:
        if self.blocked:
            ws.close()
            return
        server = ws.connect_to_server()

        def forward(message) -> None:
            if isinstance(message, str) and '"snapshot"' in message:
                self.snapshots += 1
            ws.send(message)

        server.on_message(forward)
        self.routes.append(ws)

    def wait_for_snapshot(self) -> None:
        deadline = time.monotonic() + 15
        while not self.snapshots:
            assert time.monotonic() < deadline, "no book snapshot from the server"
            self.page.wait_for_timeout(100)

    def drop(self) -> None:
        self.blocked = True
        for ws in self.routes:
            ws.close()
        self.routes.clear()

    def restore(self) -> None:
        self.blocked = False

    def send(self, message: dict) -> None:
        self.routes[-1].send(json.dumps({"ts": time.time_ns() // 1_000_000, **message}))


def test_the_depth_chart_has_a_true_mid_and_none_with_one_side_empty(
    browser, exchange, artifacts
) -> None:
    trader = open_at(browser, exchange, artifacts, 1440, 900)
    page = trader.page
    gate = SocketGate(page)
    try:
        trader.visit("/")
        expect(page.locator("#conn")).to_have_attribute("data-state", "live")
        gate.wait_for_snapshot()  # the real book first: the test's own snapshots come after
        book = rest_book(exchange)
        bid, ask = Decimal(book["bids"][0][0]), Decimal(book["asks"][0][0])
        canvas = page.locator("#depth canvas")
        expect(canvas).to_have_attribute("data-mid", re.compile(r"^\d+\.\d{3}$"))
        assert Decimal(canvas.get_attribute("data-mid")) == (bid + ask) / 2
        ticks = canvas.get_attribute("data-qty-ticks").split()
        assert ticks and all(BTC.match(tick) for tick in ticks), ticks  # the quantity axis
        page.locator(".chart-panel").screenshot(path=artifacts / "56-depth-both-sides.png")

        # the bids gone: no mid (not the best ask), the axis stays
        asks = [[price, size, 1] for price, size, *_ in book["asks"]]
        snapshot = {"type": "snapshot", "channel": "book", "symbol": "BTC-USDT"}
        gate.send({**snapshot, "seq": 10**12, "bids": [], "asks": asks})
        expect(page.locator("#book-bids .level")).to_have_count(0)
        expect(canvas).to_have_attribute("data-mid", "")
        expect(canvas).to_have_attribute("data-mid-label", "")
        expect(canvas).to_have_attribute("aria-label", re.compile("one side of the book is empty"))
        assert canvas.get_attribute("data-qty-ticks")
        expect(page.locator("#book-spread")).to_have_text("")
        page.locator("#depth").screenshot(path=artifacts / "56-depth-asks-only.png")

        # and the asks gone instead
        bids = [[price, size, 1] for price, size, *_ in book["bids"]]
        gate.send({**snapshot, "seq": 10**12 + 1, "bids": bids, "asks": []})
        expect(page.locator("#book-asks .level")).to_have_count(0)
        expect(canvas).to_have_attribute("data-mid", "")
        page.locator("#depth").screenshot(path=artifacts / "56-depth-bids-only.png")
        trader.assert_no_script_errors()
    finally:
        trader.close()


def test_candles_show_the_empty_intervals_as_gaps(browser, exchange, artifacts) -> None:
    """Two candles 26 minutes apart (the REST answer replaced): the 25 empty minutes between
    them stay on the time axis."""
    trader = open_at(browser, exchange, artifacts, 1440, 900)
    page = trader.page
    now_minute = time.time_ns() // 60_000_000_000 * 60_000
    first = now_minute - 40 * 60_000
    candles = [
        [first, "2000.00", "2010.00", "1995.00", "2005.00", "0.5"],
        [first + 26 * 60_000, "2005.00", "2030.00", "2001.00", "2025.00", "0.8"],
    ]

    def answer(route) -> None:
        route.fulfill(json={"results": candles, "next": None})

    page.route(re.compile(r".*/api/v1/candles/ETH-USDT\?interval=1m.*"), answer)
    try:
        trader.page.goto(exchange.base + "/#ETH-USDT")
        trader.wait_ready()
        chart = page.locator("#candles")
        expect(chart).to_have_attribute("data-bars", "2")
        expect(chart).to_have_attribute("data-gaps", "25")
        # and empty minutes on to now: the axis reaches the present
        assert int(chart.get_attribute("data-slots")) >= 2 + 25 + 13
        page.locator(".chart-panel").screenshot(path=artifacts / "57-candles-with-gaps.png")
        trader.assert_no_script_errors()
    finally:
        trader.close()


def test_while_the_socket_reconnects_the_data_is_dimmed(browser, exchange, artifacts) -> None:
    trader = open_at(browser, exchange, artifacts, 1440, 900)
    page = trader.page
    gate = SocketGate(page)
    panels = ["#book", ".trades-panel", "#balances"]
    try:
        trader.log_in("maker")
        expect(page.locator("#conn")).to_have_attribute("data-state", "live")
        for panel in panels:
            expect(page.locator(panel)).not_to_have_class(re.compile(r"\bis-stale\b"))
            expect(page.locator(f"{panel} [data-testid=stale-note]")).to_be_hidden()

        gate.drop()
        expect(page.locator("#conn")).to_have_attribute("data-state", "reconnecting")
        for panel in panels:
            expect(page.locator(panel)).to_have_class(re.compile(r"\bis-stale\b"))
            expect(page.locator(f"{panel} [data-testid=stale-note]")).to_be_visible()
            expect(page.locator(f"{panel} [data-testid=stale-note]")).to_have_text("Reconnecting…")
        opacity = page.evaluate("getComputedStyle(document.querySelector('#book-bids')).opacity")
        assert float(opacity) < 0.6
        expect(page.locator("#depth")).to_have_class(re.compile(r"\bis-stale\b"))
        page.wait_for_timeout(1500)  # a retry or two, refused: still dimmed
        for panel in panels:
            expect(page.locator(panel)).to_have_class(re.compile(r"\bis-stale\b"))
        trader.shot("58-stale-while-reconnecting")

        gate.restore()
        expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=30_000)
        for panel in panels:
            expect(page.locator(panel)).not_to_have_class(re.compile(r"\bis-stale\b"))
            expect(page.locator(f"{panel} [data-testid=stale-note]")).to_be_hidden()
        opacity = page.evaluate("getComputedStyle(document.querySelector('#book-bids')).opacity")
        assert float(opacity) == 1
        trader.shot("59-fresh-after-reconnecting")
        trader.assert_no_script_errors()
    finally:
        trader.close()
