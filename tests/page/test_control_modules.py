"""The modules behind the trading page's order control and market safety, run in the real
Chromium without a server (as test_page_modules.py): the market status's words and
countdown, what a pause's call auction lets through, the amend body, the dead man's
switch's timeout and deadline, and the socket's `market` messages."""

from __future__ import annotations

from tests.page.test_page_modules import page, run  # noqa: F401  (the module's fixture)

NOW = "Date.parse('2026-01-01T12:00:00Z')"


def test_the_countdown_reads_minutes_and_seconds(page) -> None:  # noqa: F811
    assert run(
        page,
        "market-status.js",
        "return [0, 1, 999, 1000, 59001, 252000, 3723000, -5].map(m.countdown);",
    ) == ["0:00", "0:01", "0:01", "0:01", "1:00", "4:12", "1:02:03", "0:00"]


def test_a_status_says_why_and_until_when(page) -> None:  # noqa: F811
    result = run(
        page,
        "market-status.js",
        f"""const now = {NOW};
        const paused = {{symbol: "X", status: "paused", status_reason: "circuit_breaker",
                        resumes_at: "2026-01-01T12:04:12Z", breaker_auction_s: 60}};
        const limit = {{type: "limit", tif: "GTC", post_only: false}};
        const trading = m.describe({{status: "trading"}}, now);
        const halted = m.describe({{status: "halted", status_reason: "admin"}}, now);
        const early = m.describe(paused, now);
        const auction = m.describe({{...paused, resumes_at: "2026-01-01T12:00:40Z"}}, now);
        const over = m.describe({{...paused, resumes_at: "2026-01-01T11:59:00Z"}}, now);
        return {{
          trading: [trading.headline, trading.blocks(limit)],
          halted: [halted.label, halted.headline, halted.blocks(limit)],
          early: [early.label, early.headline, early.remainingMs, early.auction,
                  early.blocks(limit)],
          auction: [auction.headline, auction.auction, auction.blocks(limit),
                    auction.blocks({{...limit, post_only: true}}),
                    auction.blocks({{type: "market", tif: "IOC"}}),
                    auction.blocks({{...limit, tif: "IOC"}})],
          over: over.headline,
          labels: [m.optionLabel({{base: "B", quote: "Q", status: "paused"}}),
                   m.optionLabel({{base: "B", quote: "Q", status: "trading"}})],
        }};""",
    )
    assert result["trading"] == ["", ""]
    halted = "Trading is halted by the exchange's operator"
    assert result["halted"] == ["Halted", halted, halted]
    assert result["early"] == ["Paused", "Circuit breaker: reopens in 4:12", 252000, False,
                               "Circuit breaker: reopens in 4:12"]  # fmt: skip
    only_limits = (
        "During the call auction only limit orders (GTC, GTD or Day, not post-only) are accepted."
    )
    assert result["auction"] == ["Circuit breaker: reopens in 0:40", True, "",
                                 only_limits, only_limits, only_limits]  # fmt: skip
    assert result["over"] == "Circuit breaker: reopening now"
    assert result["labels"] == ["B/Q · paused", "B/Q"]


MARKET = """{symbol: "BTC-USDT", base: "BTC", quote: "USDT", tick_size: "0.01",
             lot_size: "0.00001", min_qty: "0.0001", min_notional: "5"}"""
ORDER = """{order_id: 7, status: "partially_filled", price: "100.00", quantity: "0.50000",
            filled_quantity: "0.10000", display_quantity: null}"""


def test_an_amend_sends_only_what_changes_checked_first(page) -> None:  # noqa: F811
    cases = run(
        page,
        "amend-rules.js",
        f"""const market = {MARKET}, order = {ORDER};
        const amend = (values) => m.amendBody(order, values, market);
        return [
          amend({{price: "101", quantity: "0.5"}}),
          amend({{price: "100", quantity: "0.3"}}),
          amend({{price: "100.00", quantity: "0.50000"}}),
          amend({{price: "100.001", quantity: "0.1"}}),
          amend({{price: "1", quantity: "0.2"}}),
          amend({{price: "100", quantity: "0.2", display_quantity: "0.3"}}),
          m.amendable(order), m.amendable({{...order, status: "pending_trigger", price: null}}),
          m.amendable({{...order, status: "filled"}}),
        ];""",
    )
    assert cases[0] == {"body": {"price": "101"}, "errors": {}}
    assert cases[1] == {"body": {"quantity": "0.3"}, "errors": {}}
    assert cases[2]["errors"] == {"": "Nothing to change: enter a new price or amount."}
    assert cases[3]["errors"] == {
        "price": "The price must be a multiple of the tick size 0.01.",
        "quantity": "The amount must be more than what has filled (0.1).",
    }
    assert cases[4]["errors"] == {"quantity": "The order must be worth at least 5 USDT."}
    assert cases[5]["errors"] == {
        "display_quantity": "The visible amount cannot exceed the amount."
    }
    assert cases[6:] == [True, False, False]


def test_the_switch_takes_1_to_600_seconds_and_never_shows_more_time_than_there_is(
    page,  # noqa: F811
) -> None:
    result = run(
        page,
        "dead-man.js",
        """return {
          errors: ["", "0", "1", "600", "601", "1.5", "abc"].map(m.timeoutError),
          renew: [3000, 60000, 300].map(m.renewEveryMs),
          // the server's clock runs 5 s ahead: the page's own send time + timeout wins
          ahead: m.deadline("2026-01-01T12:01:05Z", Date.parse("2026-01-01T12:00:00Z"), 60000),
          behind: m.deadline("2026-01-01T12:00:55Z", Date.parse("2026-01-01T12:00:00Z"), 60000),
        };""",
    )
    bad, out = "Enter a whole number of seconds, 1 to 600.", "The timeout is 1 to 600 seconds."
    assert result["errors"] == [bad, out, "", "", out, bad, bad]
    assert result["renew"] == [1000, 20000, 200]
    assert result["ahead"] == 1767268860000  # 12:01:00, not 12:01:05
    assert result["behind"] == 1767268855000


def test_the_socket_hands_market_messages_to_its_listeners(page) -> None:  # noqa: F811
    heard = page.evaluate(
        """async () => {
        class FakeSocket extends EventTarget {
          static OPEN = 1;
          constructor() { super(); this.readyState = 1; }
          send() {}
        }
        window.WebSocket = FakeSocket;
        const {LiveSocket} = await import("/static/exchange/js/socket.js");
        const live = new LiveSocket("ws://page.test/ws/v1");
        const heard = [];
        live.connect();
        live.subscribe("book", "BTC-USDT", (message) => heard.push(["book", message.type]));
        live.listen("market", (message) => heard.push(["market", message.symbol, message.status]));
        const say = (message) => live.ws.dispatchEvent(
          Object.assign(new Event("message"), {data: JSON.stringify(message)}));
        say({type: "market", channel: "market", symbol: "ETH-USDT", status: "paused",
             status_reason: "circuit_breaker", resumes_at: "2026-01-01T12:00:00Z"});
        say({type: "update", channel: "book", symbol: "BTC-USDT"});
        return heard;
    }"""
    )
    assert heard == [["market", "ETH-USDT", "paused"], ["book", "update"]]
