"""The trading page's order control and market safety (issue 19; API.md "Order control" and
"Market safety"), in a real headless Chromium against a real embedded exchange:

- a market an admin halts (through the admin's own action, in a browser) shows halted, the
  order form refuses to send, cancels still work, and resuming clears it;
- a circuit breaker's pause counts down to `resumes_at` and switches to its call auction.
  The pause is fed to the page: `/api/v1/symbols` answered with a paused market (Playwright
  routing, the real answer otherwise) and `market` socket messages sent to the page over its
  real socket (routeWebSocket), since no test here trips a real breaker;
- an order amended from the open-orders table changes in the table and on the server, and
  a refusal shows the API's message;
- the dead man's switch arms (the server's answer: active, fires_at), counts down, is kept
  alive, turned off, renews itself, and fires;
- everything fits at 1440x900, 1024x768 and 390x844 (no horizontal scroll at 390).

Screenshots of each step are kept in var/test-artifacts/page/."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.exchange.test_runexchange import _manage
from tests.page.conftest import PASSWORD
from tests.page.trading_page import TradingPage

OPERATOR = "operator"


def iso_in(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def server_order(page: Page, base: str, order_id: str) -> dict:
    """The order as the API has it, read with the page's own session."""
    response = page.request.get(f"{base}/api/v1/orders/{order_id}")
    assert response.ok, response.text()
    return response.json()


def open_ids(page: Page, base: str) -> list[int]:
    response = page.request.get(f"{base}/api/v1/orders?status=open")
    return sorted(order["order_id"] for order in response.json()["results"])


def turn_off(page: Page) -> None:
    """The switch off, whatever a failed test left (with the page's own API module)."""
    page.evaluate(
        "async () => (await import('/static/exchange/js/api.js'))"
        ".post('/orders/cancel-after', {timeout_ms: 0}).catch(() => null)"
    )


def select_market(trader: TradingPage, symbol: str) -> None:
    trader.page.select_option("#market", symbol)
    expect(trader.page).to_have_url(re.compile(f"#{symbol}$"))


@pytest.fixture(scope="module")
def operator(exchange) -> str:
    code = (
        "from accounts.models import User\n"
        f"User.objects.filter(username={OPERATOR!r}).exists() or "
        f"User.objects.create_superuser({OPERATOR!r}, password={PASSWORD!r})\n"
    )
    _manage("shell", "-c", code, env=exchange.env)
    return OPERATOR


class Admin:
    """The Django admin in its own browser context, as an operator uses it."""

    def __init__(self, browser, base: str, artifacts) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.base, self.artifacts = base, artifacts
        self.page.set_default_timeout(15_000)

    def log_in(self) -> None:
        self.page.goto(self.base + "/admin/login/?next=/admin/exchange/market/")
        self.page.fill("#id_username", OPERATOR)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("[type=submit]")
        expect(self.page).to_have_url(re.compile(r"/admin/exchange/market/"))

    def act(self, symbol: str, action: str) -> None:
        """Runs a changelist action ("halt", "resume") on `symbol`'s market."""
        self.page.goto(self.base + "/admin/exchange/market/")
        row = self.page.locator("#result_list tbody tr", has_text=symbol)
        row.locator("input.action-select").check()
        self.page.select_option("select[name=action]", action)
        self.page.click("button[name=index]")
        expect(self.page.locator(".messagelist")).to_contain_text(symbol)

    def close(self) -> None:
        self.context.close()


def test_a_market_the_admin_halts_shows_halted_and_only_cancels_go(
    browser, exchange, artifacts, operator
) -> None:
    trader = TradingPage.open(browser, exchange.base, artifacts)
    admin = Admin(browser, exchange.base, artifacts)
    try:
        trader.log_in("maker")
        select_market(trader, "ETH-USDT")
        trader.place("buy", "1000", "0.1")
        resting = trader.open_order("1,000.00")
        expect(resting).to_have_count(1)
        expect(resting.locator("button.amend")).to_be_enabled()
        expect(trader.page.locator("#market-status")).to_be_hidden()

        admin.log_in()
        admin.act("ETH-USDT", "halt")
        admin.page.screenshot(path=artifacts / "20-admin-halts-eth.png", full_page=True)

        # no socket message is needed: the page reads /symbols again by itself
        badge = trader.page.locator("[data-testid=market-badge]")
        expect(badge).to_have_text("Halted")
        banner = trader.page.locator("[data-testid=market-status]")
        expect(banner).to_have_attribute("data-status", "halted")
        expect(banner).to_contain_text("Trading is halted by the exchange's operator")
        expect(banner).to_contain_text("you can still cancel")
        expect(trader.page.locator("#f-submit")).to_be_disabled()
        note = trader.page.locator("[data-testid=form-market-note]")
        expect(note).to_contain_text("Trading is halted")
        expect(trader.page.locator("#market option[value=ETH-USDT]")).to_have_text(
            "ETH/USDT · halted"
        )
        expect(trader.page.locator("#market option[value=BTC-USDT]")).to_have_text("BTC/USDT")
        expect(resting.locator("button.amend")).to_be_disabled()
        trader.shot("21-halted-market")

        resting.locator("button.cancel").click()  # cancels stay possible
        expect(resting).to_have_count(0)

        admin.act("ETH-USDT", "resume")
        expect(banner).to_be_hidden()
        expect(badge).to_be_hidden()
        expect(trader.page.locator("#f-submit")).to_be_enabled()
        expect(note).to_be_hidden()
        expect(trader.page.locator("#market option[value=ETH-USDT]")).to_have_text("ETH/USDT")
        trader.assert_no_script_errors()
    finally:
        admin.close()
        trader.close()


class FakedStatus:
    """`/api/v1/symbols` answered by the real server with some markets' status replaced, and
    the page's real socket, through which the test sends `market` messages of its own.
    While `hold` is set, reads of /symbols wait: only the socket can change the page then."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.statuses: dict[str, dict] = {}
        self.hold = False
        self.held: list = []
        self.sockets: list = []
        page.route("**/api/v1/symbols", self._symbols)
        page.route_web_socket(re.compile(r".*/ws/v1$"), self._socket)

    def _answer(self, route) -> None:
        body = route.fetch().json()
        for market in body["results"]:
            market.update(self.statuses.get(market["symbol"], {}))
        route.fulfill(json=body)

    def _symbols(self, route) -> None:
        if self.hold:
            self.held.append(route)
        else:
            self._answer(route)

    def _socket(self, ws) -> None:
        ws.connect_to_server()  # everything passes both ways as usual
        self.sockets.append(ws)

    def release(self) -> None:
        self.hold = False
        while self.held:
            self._answer(self.held.pop(0))

    def announce(self, symbol: str, status: str, reason: str | None, resumes_at: str | None):
        """What the server's socket sends a book/trades/ticker subscriber (API.md)."""
        message = {"type": "market", "channel": "market", "symbol": symbol, "status": status,
                   "status_reason": reason, "resumes_at": resumes_at, "ts": now_ms()}  # fmt: skip
        self.sockets[-1].send(json.dumps(message))


def test_a_pause_counts_down_to_its_auction_and_the_socket_reopens_it(
    browser, exchange, artifacts
) -> None:
    trader = TradingPage.open(browser, exchange.base, artifacts)
    faked = FakedStatus(trader.page)
    faked.statuses["ETH-USDT"] = {"status": "paused", "status_reason": "circuit_breaker",
                                  "resumes_at": iso_in(252), "breaker_auction_s": 60}  # fmt: skip
    try:
        trader.log_in("taker")
        select_market(trader, "ETH-USDT")
        headline = trader.page.locator("[data-testid=market-headline]")
        expect(headline).to_have_text(re.compile(r"^Circuit breaker: reopens in 4:(0\d|1[0-2])$"))
        expect(trader.page.locator("[data-testid=market-badge]")).to_have_text(
            re.compile(r"^Paused 4:\d\d$")
        )
        banner = trader.page.locator("[data-testid=market-status]")
        expect(banner).to_have_attribute("data-status", "paused")
        expect(banner).to_contain_text("collected for its opening auction in the last 1:00")
        expect(trader.page.locator("#f-submit")).to_be_disabled()
        expect(trader.page.locator("[data-testid=form-market-note]")).to_contain_text(
            "Circuit breaker: reopens in"
        )
        expect(trader.page.locator("#market option[value=ETH-USDT]")).to_have_text(
            "ETH/USDT · paused"
        )
        before = headline.text_content()
        expect(headline).not_to_have_text(before)  # it counts down, a second at a time
        trader.shot("22-paused-countdown")

        # the socket says the pause now ends in 40 s: inside the 60 s call auction
        faked.hold = True
        faked.statuses["ETH-USDT"]["resumes_at"] = iso_in(40)
        faked.announce("ETH-USDT", "paused", "circuit_breaker", iso_in(40))
        expect(headline).to_have_text(re.compile(r"^Circuit breaker: reopens in 0:(3\d|40)$"))
        expect(banner).to_contain_text("Call auction")
        expect(banner).to_have_attribute("data-auction", "true")
        submit = trader.page.locator("#f-submit")
        expect(submit).to_be_enabled()  # a plain limit order is collected
        note = trader.page.locator("[data-testid=form-market-note]")
        expect(note).to_contain_text("this limit order will be collected")
        trader.page.locator("details.advanced summary").click()
        trader.page.check("#f-post-only")
        expect(submit).to_be_disabled()
        expect(note).to_contain_text("only limit orders")
        trader.page.select_option("#f-type", "market")
        expect(submit).to_be_disabled()
        trader.page.select_option("#f-type", "limit")
        trader.page.uncheck("#f-post-only")
        expect(submit).to_be_enabled()
        trader.shot("23-paused-call-auction")

        # the reopening, by the socket alone (reads of /symbols are held)
        faked.announce("ETH-USDT", "trading", None, None)
        expect(banner).to_be_hidden()
        expect(trader.page.locator("[data-testid=market-badge]")).to_be_hidden()
        expect(submit).to_be_enabled()
        expect(trader.page.locator("#market option[value=ETH-USDT]")).to_have_text("ETH/USDT")
        assert faked.held, "the page read /symbols meanwhile"
        del faked.statuses["ETH-USDT"]
        faked.release()
        trader.shot("24-reopened")
        trader.assert_no_script_errors()
    finally:
        faked.release()
        trader.close()


def test_a_trader_amends_a_resting_order_from_the_table(browser, exchange, artifacts) -> None:
    maker = TradingPage.open(browser, exchange.base, artifacts)
    try:
        maker.log_in("maker")
        maker.place("sell", "50500", "0.01")
        row = maker.open_order("50,500.00")
        expect(row).to_have_count(1)
        order_id = row.get_attribute("data-order-id")
        dialog = maker.page.locator("[data-testid=amend-dialog]")

        row.locator("button.amend").click()
        expect(dialog).to_be_visible()
        expect(dialog.locator("#a-price")).to_have_value("50500.00")
        expect(dialog).to_contain_text(f"#{order_id} · Sell 0.01000 BTC-USDT @ 50,500.00")
        maker.page.fill("#a-price", "50600.005")  # off the tick: the dialog says so
        dialog.locator("#amend-submit").click()
        expect(dialog.locator('[data-error-for="price"]')).to_contain_text("tick size 0.01")
        maker.page.fill("#a-price", "50600")
        maker.page.fill("#a-quantity", "0.02")
        maker.shot("25-amend-dialog")
        dialog.locator("#amend-submit").click()
        expect(dialog).to_be_hidden()

        amended = maker.page.locator(f"[data-pane=open] tr[data-order-id='{order_id}']")
        expect(amended).to_contain_text("50,600.00")
        expect(amended.locator("td").nth(6)).to_have_text(re.compile(r"^0\.02(0*)$"))
        expect(amended).to_contain_text("amended")
        expect(maker.ask("50600.00")).to_be_visible()  # the book moved with it
        expect(maker.ask("50500.00")).to_have_count(0)
        on_server = server_order(maker.page, exchange.base, order_id)
        assert (on_server["price"], Decimal(on_server["quantity"])) == ("50600.00", Decimal("0.02"))
        maker.shot("26-amended-row")

        # more BTC than the maker has: the API refuses, the dialog shows its message
        amended.locator("button.amend").click()
        maker.page.fill("#a-quantity", "5")
        dialog.locator("#amend-submit").click()
        error = dialog.locator('[data-error-for="quantity"], [data-error-for=""]')
        expect(error.filter(has_text=re.compile(r"\S"))).to_contain_text(
            "Not enough available balance"
        )
        expect(dialog).to_be_visible()
        maker.shot("27-amend-refused")
        dialog.locator("button[data-close]").last.click()
        expect(dialog).to_be_hidden()
        on_server = server_order(maker.page, exchange.base, order_id)
        assert Decimal(on_server["quantity"]) == Decimal("0.02")  # the refusal changed nothing
        expect(amended.locator("td").nth(6)).to_have_text(re.compile(r"^0\.02(0*)$"))

        amended.locator("button.cancel").click()
        expect(amended).to_have_count(0)
        maker.assert_no_script_errors()
    finally:
        maker.close()


def test_the_dead_mans_switch_arms_counts_down_renews_turns_off_and_fires(
    browser, exchange, artifacts
) -> None:
    trader = TradingPage.open(browser, exchange.base, artifacts)
    page = trader.page
    switch = page.locator("[data-testid=dead-mans-switch]")
    countdown = page.locator("[data-testid=dms-countdown]")

    def press(button: str) -> dict:
        with page.expect_response("**/api/v1/orders/cancel-after") as answer:
            switch.locator(button).click()
        assert answer.value.status == 200, answer.value.text()
        return answer.value.json()

    try:
        trader.log_in("taker")
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Off")
        page.fill("#dms-seconds", "0")
        switch.locator("[data-dms-arm]").click()
        expect(page.locator("[data-testid=dms-error]")).to_contain_text("1 to 600 seconds")

        page.fill("#dms-seconds", "30")
        armed = press("[data-dms-arm]")
        assert armed["active"] is True and armed["fires_at"].endswith("Z"), armed
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Armed")
        expect(countdown).to_have_text(re.compile(r"^0:(29|30)$"))
        expect(countdown).to_have_text(re.compile(r"^0:(2[0-8])$"))  # counting down
        note = page.locator("[data-testid=dms-note]")
        expect(note).to_contain_text("whether or not this page is open")
        trader.shot("28-dead-mans-switch-armed")

        renewed = press("[data-dms-renew]")
        assert renewed["active"] is True and renewed["fires_at"] > armed["fires_at"]
        expect(countdown).to_have_text(re.compile(r"^0:(29|30)$"))

        off = press("[data-dms-off]")
        assert off == {"active": False, "fires_at": None}
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Off")
        expect(countdown).to_have_text("")

        # auto-renew keeps a 2 s switch from firing while the page is open
        trader.place("buy", "40000", "0.01")
        row = trader.open_order("40,000.00")
        expect(row).to_have_count(1)
        order_id = row.get_attribute("data-order-id")
        page.fill("#dms-seconds", "2")
        page.check("#dms-auto")
        press("[data-dms-arm]")
        expect(page.locator("[data-testid=dms-note]")).to_contain_text("If the page closes")
        page.wait_for_timeout(4500)
        assert server_order(page, exchange.base, order_id)["status"] == "new"
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Armed")
        trader.shot("29-dead-mans-switch-auto-renew")
        page.uncheck("#dms-auto")

        # no renewal: it fires, and the exchange cancels the order
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Off")
        expect(page.locator("[data-testid=dms-note]")).to_contain_text("Fired at")
        expect(row).to_have_count(0)
        assert server_order(page, exchange.base, order_id)["status"] == "cancelled"
        assert open_ids(page, exchange.base) == []
        trader.shot("30-dead-mans-switch-fired")
        trader.assert_no_script_errors()
    finally:
        turn_off(page)
        trader.close()


def test_a_switch_armed_elsewhere_shows_after_a_reload(browser, exchange, artifacts) -> None:
    """The page reads the switch from the server: one armed by another client (here a call
    the page's control did not make, so the page's own memory knows nothing of it) shows
    after a reload, and one turned off elsewhere shows off."""
    trader = TradingPage.open(browser, exchange.base, artifacts)
    page = trader.page
    arm = (
        "async (ms) => (await import('/static/exchange/js/api.js'))"
        ".post('/orders/cancel-after', {timeout_ms: ms})"
    )
    try:
        trader.log_in("taker")
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Off")
        answer = page.evaluate(arm, 120_000)
        assert answer["active"] is True, answer
        page.reload()
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Armed")
        expect(page.locator("[data-testid=dms-countdown]")).to_have_text(re.compile(r"^[12]:\d\d$"))
        trader.shot("31-dead-mans-switch-armed-elsewhere")

        page.evaluate(arm, 0)
        page.reload()
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Off")
        trader.assert_no_script_errors()
    finally:
        turn_off(page)
        trader.close()


@pytest.mark.parametrize("width,height", [(1440, 900), (1024, 768), (390, 844)])
def test_the_controls_fit_the_screen(browser, exchange, artifacts, width, height) -> None:
    trader = TradingPage.open(browser, exchange.base, artifacts)
    page = trader.page
    page.set_viewport_size({"width": width, "height": height})
    faked = FakedStatus(page)
    faked.statuses["ETH-USDT"] = {"status": "paused", "status_reason": "circuit_breaker",
                                  "resumes_at": iso_in(250), "breaker_auction_s": 60}  # fmt: skip
    try:
        trader.log_in("maker")
        trader.place("sell", "52000", "0.01")
        row = trader.open_order("52,000.00")
        expect(row).to_have_count(1)
        select_market(trader, "ETH-USDT")
        expect(page.locator("[data-testid=market-status]")).to_be_visible()
        page.fill("#dms-seconds", "600")
        switch = page.locator("[data-testid=dead-mans-switch]")
        switch.locator("[data-dms-arm]").click()
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Armed")
        for locator in (
            page.locator("[data-testid=market-status]"),
            switch,
            switch.locator("[data-dms-renew]"),
            switch.locator("[data-dms-off]"),
            page.locator("#f-submit"),
        ):
            box = locator.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, locator
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.evaluate("window.scrollTo(0, 0)")
        trader.shot(f"31-controls-{width}x{height}")
        page.locator(".topbar").screenshot(path=artifacts / f"31-topbar-{width}x{height}.png")
        switch.screenshot(path=artifacts / f"31-dead-mans-switch-{width}x{height}.png")

        row.locator("button.amend").click()  # a BTC order, while ETH is shown
        dialog = page.locator("[data-testid=amend-dialog]")
        expect(dialog).to_be_visible()
        box = dialog.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=artifacts / f"32-amend-dialog-{width}x{height}.png")
        dialog.locator("button[data-close]").last.click()

        switch.locator("[data-dms-off]").click()
        expect(page.locator("[data-testid=dms-state]")).to_have_text("Off")
        row.locator("button.cancel").click()
        expect(row).to_have_count(0)
        trader.assert_no_script_errors()
    finally:
        turn_off(page)
        faked.release()
        trader.close()
