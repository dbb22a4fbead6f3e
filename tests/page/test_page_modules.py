"""The page's own modules, run in the real Chromium: exact decimals, the book's seq/prev_seq
chain, the order form's rules, CSV escaping, and the socket's resubscribe and reconnect.
The files are served from disk through Playwright's routing: no server is involved."""

from __future__ import annotations

import mimetypes

import pytest

from tests.exchange.processes import ROOT
from tests.page.pages import FAKE_SOCKET

STATIC = ROOT / "exchange" / "static"
ORIGIN = "http://page.test"


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context()
    page = context.new_page()

    def serve(route) -> None:
        path = route.request.url.removeprefix(ORIGIN + "/static/")
        file = STATIC / path
        if not file.is_file():
            route.fulfill(status=404, body="")
            return
        route.fulfill(body=file.read_bytes(), content_type=mimetypes.guess_type(file.name)[0])

    page.route(f"{ORIGIN}/static/**", serve)
    page.route(
        f"{ORIGIN}/", lambda route: route.fulfill(body="<!doctype html>", content_type="text/html")
    )
    page.goto(ORIGIN + "/")
    yield page
    context.close()


def run(page, module: str, body: str):
    """`body` (an async function body) run with `m` the imported module."""
    return page.evaluate(
        f"async () => {{ const m = await import('/static/exchange/js/{module}'); {body} }}"
    )


def test_decimals_are_exact(page) -> None:
    assert run(
        page,
        "decimal.js",
        """return [m.isMultiple("50000.005", "0.01"), m.isMultiple("50000.01", "0.01"),
                   m.mul("0.1", "0.2"), m.add("0.1", "0.2"), m.floorToStep("0.123456", "0.00001"),
                   m.divFloor("10", "3", 4), m.group("1234567.50"), m.compare("1.10", "1.1")];""",
    ) == [False, True, "0.02", "0.3", "0.12345", "3.3333", "1,234,567.50", 0]


def test_the_book_follows_its_updates_and_refuses_a_gap(page) -> None:
    result = run(
        page,
        "book.js",
        """const book = new m.BookState();
        book.places = 2;
        book.snapshot({seq: 10, bids: [["100", "1", 1]], asks: [["101.00", "2", 1]]});
        const chained = book.update({seq: 11, prev_seq: 10,
                                     changes: [["buy", "100.00", "3"], ["sell", "101", "0"]]});
        const gap = book.update({seq: 13, prev_seq: 12, changes: [["buy", "99.00", "5"]]});
        return {chained, gap, seq: book.seq, top: book.top(5)};""",
    )
    assert result == {
        "chained": True,
        "gap": False,  # nothing applied: the page subscribes again for a fresh snapshot
        "seq": 11,
        "top": {"bids": [["100.00", "3"]], "asks": []},
    }


MARKET = """{symbol: "BTC-USDT", base: "BTC", quote: "USDT", tick_size: "0.01",
             lot_size: "0.00001", min_qty: "0.00001", min_notional: "5"}"""


def test_the_form_applies_the_markets_tick_lot_and_minimum(page) -> None:
    errors = run(
        page,
        "order-rules.js",
        f"""const market = {MARKET};
        const order = {{side: "buy", type: "limit", tif: "GTC"}};
        return [m.validate({{...order, price: "100.001", quantity: "1"}}, market),
                m.validate({{...order, price: "100", quantity: "0.000001"}}, market),
                m.validate({{...order, price: "100", quantity: "0.01"}}, market),
                m.validate({{...order, price: "100", quantity: "1"}}, market)];""",
    )
    assert "tick size 0.01" in errors[0]["price"]
    assert "lot size 0.00001" in errors[1]["quantity"]
    assert "at least 5 USDT" in errors[2]["quantity"]
    assert errors[3] == {}


def test_each_order_type_sends_the_fields_it_takes(page) -> None:
    bodies = run(
        page,
        "order-rules.js",
        f"""const market = {MARKET};
        const base = {{side: "sell", quantity: "0.5", price: "100", trigger_price: "95",
                       stp_mode: "cancel_resting", display_quantity: "0.1", post_only: true}};
        return [m.orderBody({{...base, type: "stop_limit", tif: "GTC"}}, market),
                m.orderBody({{...base, type: "stop_loss", tif: "IOC"}}, market),
                m.orderBody({{...base, side: "buy", type: "market", tif: "FOK",
                              amount_unit: "quote", client_order_id: "my-1"}}, market)];""",
    )
    common = {"symbol": "BTC-USDT", "side": "sell"}
    assert bodies == [
        {**common, "type": "stop_limit", "trigger_price": "95", "price": "100",
         "quantity": "0.5", "time_in_force": "GTC", "post_only": True,
         "display_quantity": "0.1"},
        {**common, "type": "stop_loss", "trigger_price": "95", "quantity": "0.5",
         "time_in_force": "IOC"},
        {**common, "side": "buy", "type": "market", "quote_quantity": "0.5",
         "time_in_force": "FOK", "client_order_id": "my-1"},
    ]  # fmt: skip


def test_csv_quotes_fields_and_defuses_formulas(page) -> None:
    text = run(
        page,
        "csv.js",
        """return m.toCsv([{id: 1, note: 'a,"b"', client: "=SUM(A1)", fee: "-0.5"}],
            [{key: "id"}, {key: "note"}, {key: "client", text: true}, {key: "fee"}]);""",
    )
    assert text == 'id,note,client,fee\r\n1,"a,""b""",\'=SUM(A1),-0.5\r\n'


def test_the_socket_resubscribes_and_reconnects_with_its_subscriptions(page) -> None:
    sent = page.evaluate(
        "async () => {"
        + FAKE_SOCKET
        + """
        const {LiveSocket} = await import("/static/exchange/js/socket.js");
        const statuses = [];
        let reconnected = 0;
        const live = new LiveSocket("ws://page.test/ws/v1",
          {onStatus: (s) => statuses.push(s), onReconnect: () => reconnected++});
        live.connect();
        live.subscribe("book", "BTC-USDT", () => {});
        live.subscribe("candles", "BTC-USDT", () => {}, {interval: "1m"});
        sockets[0].open();
        live.resubscribe("book", "BTC-USDT");
        live.subscribe("candles", "BTC-USDT", () => {}, {interval: "5m"});
        sockets[0].close();
        await new Promise((resolve) => setTimeout(resolve, 1200));  // backoff: 0.5 s ± 25 %
        sockets[1].open();
        return {first: sockets[0].sent, second: sockets[1].sent, statuses, reconnected};
    }"""
    )
    book = {"channel": "book", "symbol": "BTC-USDT"}
    assert sent["first"] == [
        {"op": "subscribe", **book},
        {"op": "subscribe", "channel": "candles", "symbol": "BTC-USDT", "interval": "1m"},
        {"op": "unsubscribe", **book},
        {"op": "subscribe", **book},
        {"op": "unsubscribe", "channel": "candles", "symbol": "BTC-USDT", "interval": "1m"},
        {"op": "subscribe", "channel": "candles", "symbol": "BTC-USDT", "interval": "5m"},
    ]
    assert sent["second"] == [
        {"op": "subscribe", **book},
        {"op": "subscribe", "channel": "candles", "symbol": "BTC-USDT", "interval": "5m"},
    ]
    assert sent["statuses"] == ["connecting", "live", "reconnecting", "reconnecting", "live"]
    assert sent["reconnected"] == 1


def test_an_order_whose_outcome_is_unknown_is_sent_again_with_the_same_client_order_id(
    page,
) -> None:
    """503 matcher_unavailable, then 409 on the repeat: the first attempt placed it, and that
    order (read by its id) is the answer; both attempts carried one client_order_id."""
    posted: list[dict] = []

    def orders(route) -> None:
        request = route.request
        if request.method == "POST":
            posted.append(request.post_data_json)
            if len(posted) == 1:
                error = {"code": "matcher_unavailable", "message": "unknown", "field": None}
                route.fulfill(status=503, json={"error": error})
            else:
                error = {"code": "duplicate_client_order_id", "message": "exists",
                         "field": "client_order_id", "order_id": 77}  # fmt: skip
                route.fulfill(status=409, json={"error": error})
        else:
            route.fulfill(json={"order_id": 77, "status": "new", "path": request.url})

    page.route(f"{ORIGIN}/api/v1/orders**", orders)
    try:
        answer = run(
            page,
            "place.js",
            """return await m.placeOrder({symbol: "BTC-USDT", side: "buy", type: "limit",
                                          price: "1", quantity: "1"}, {pauseMs: 10});""",
        )
    finally:
        page.unroute(f"{ORIGIN}/api/v1/orders**", orders)

    assert answer["order_id"] == 77 and answer["path"].endswith("/api/v1/orders/77")
    assert len(posted) == 2 and posted[0] == posted[1]
    assert posted[0]["client_order_id"].startswith("web-")


def test_a_refusal_is_not_sent_again(page) -> None:
    posted: list[dict] = []

    def orders(route) -> None:
        posted.append(route.request.post_data_json)
        error = {"code": "tick_size", "message": "off the tick", "field": "price"}
        route.fulfill(status=400, json={"error": error})

    page.route(f"{ORIGIN}/api/v1/orders**", orders)
    try:
        code = run(
            page,
            "place.js",
            """try { await m.placeOrder({symbol: "BTC-USDT", side: "buy", type: "limit",
                                         price: "1.001", quantity: "1", client_order_id: "mine"},
                                        {pauseMs: 10}); }
               catch (error) { return error.code; }""",
        )
    finally:
        page.unroute(f"{ORIGIN}/api/v1/orders**", orders)

    assert code == "tick_size"
    assert [body["client_order_id"] for body in posted] == ["mine"]
