"""The page's number and date formatting, the market order's estimate, the depth chart's
scale and the candles' gaps (issue 21), run in the real Chromium without a server (as
test_page_modules.py)."""

from __future__ import annotations

from decimal import Decimal

from tests.page.pages import FAKE_SOCKET
from tests.page.test_page_modules import page, run  # noqa: F401  (the module's fixture)

MARKETS = """[{symbol: "BTC-USDT", base: "BTC", quote: "USDT", tick_size: "0.01",
               lot_size: "0.00001", quote_precision: 8},
              {symbol: "ETH-USDT", base: "ETH", quote: "USDT", tick_size: "0.01",
               lot_size: "0.0001", quote_precision: 8},
              {symbol: "ETH-BTC", base: "ETH", quote: "BTC", tick_size: "0.00001",
               lot_size: "0.001"}]"""


def test_each_asset_and_market_has_its_fixed_places(page) -> None:  # noqa: F811
    result = run(
        page,
        "format.js",
        f"""m.setMarkets({MARKETS});
        const show = (f) => [f.text, f.rounded];
        return {{
          places: Object.fromEntries(m.assetPlaces({MARKETS})),
          prices: [m.price("50000", "BTC-USDT"), m.price("50000.5", "BTC-USDT"),
                   m.price("1234567.005", "BTC-USDT"), m.price("0.05", "ETH-BTC")].map(show),
          quantities: [m.qty("0.5", "BTC-USDT"), m.qty("0.123456", "BTC-USDT"),
                       m.qty("2", "ETH-USDT")].map(show),
          amounts: [m.amount("2.6", "BTC"), m.amount("12462.59975", "USDT"),
                    m.amount("57512.3552", "USDT"), m.amount("0", "USDT"),
                    m.amount("4.99505", "USDT"), m.amount("1.5", "DOGE"),
                    m.amount(null, "USDT")].map(show),
          rounding: [m.roundTo("0.125", 2), m.roundTo("-0.125", 2), m.roundTo("0.124", 2),
                     m.roundTo("7", 3)],
        }};""",
    )
    # a quote asset: its quote_precision (the largest of its markets); a base asset: its lot;
    # BTC is a base (5 places) and the quote of ETH-BTC (tick 5 + lot 3 = 8 places)
    assert result["places"] == {"BTC": 8, "USDT": 8, "ETH": 4}
    assert result["prices"] == [["50,000.00", False], ["50,000.50", False],
                                ["1,234,567.01", True], ["0.05000", False]]  # fmt: skip
    assert result["quantities"] == [["0.50000", False], ["0.12346", True], ["2.0000", False]]
    assert result["amounts"] == [
        ["2.60000000", False], ["12,462.59975000", False], ["57,512.35520000", False],
        ["0.00000000", False], ["4.99505000", False], ["1.5", False], ["—", False],
    ]  # fmt: skip
    assert result["rounding"] == ["0.13", "-0.13", "0.12", "7.000"]


def test_a_rounded_value_carries_its_exact_value_as_a_tooltip(page) -> None:  # noqa: F811
    result = run(
        page,
        "format.js",
        f"""m.setMarkets({MARKETS});
        const rounded = m.numNode(m.price("50087.505", "BTC-USDT"));
        const exact = m.numNode(m.amount("1.003", "USDT"), {{unit: "USDT"}});
        return [rounded.textContent, rounded.title, exact.textContent, exact.title];""",
    )
    assert result == ["50,087.51", "50087.505 (exact)", "1.00300000 USDT", ""]


def test_dates_are_iso_like_with_the_year(page) -> None:  # noqa: F811
    result = run(
        page,
        "format.js",
        """const moment = new Date(2026, 11, 6, 16, 14, 35);  // local time
        return [m.dateTime(moment.getTime()), m.dateTime(moment.toISOString()),
                m.dateTime("not a date"), m.dayLabel(moment), m.dayLabel(moment, {day: false})];""",
    )
    assert result == ["2026-12-06 16:14:35", "2026-12-06 16:14:35", "—", "6 Dec", "Dec 2026"]


ASKS = '[["50200.00", "0.012"], ["50225.00", "0.029"], ["50250.00", "0.046"]]'


def test_a_market_order_walks_the_book(page) -> None:  # noqa: F811
    result = run(
        page,
        "estimate.js",
        f"""const asks = {ASKS}, lot = "0.00001";
        const pick = (e) => e && [e.filled, e.notional, e.avgPrice, e.complete, e.missing,
                                  e.levels];
        return {{
          one: pick(m.walkBook(asks, {{quantity: "0.01", lot, avgPlaces: 6}})),
          three: pick(m.walkBook(asks, {{quantity: "0.05", lot, avgPlaces: 6}})),
          short: pick(m.walkBook(asks, {{quantity: "0.1", lot, avgPlaces: 6}})),
          empty: pick(m.walkBook([], {{quantity: "0.1", lot}})),
          byQuote: pick(m.walkBook(asks, {{quote: "1000", lot, avgPlaces: 6}})),
          byQuoteShort: pick(m.walkBook(asks, {{quote: "10000", lot, avgPlaces: 6}})),
          bad: [m.walkBook(asks, {{quantity: "", lot}}), m.walkBook(asks, {{quantity: "-1", lot}})],
          fee: [m.feeOn("2511.175", "0.001", 8), m.feeOn("0.005", "0.001", 5)],
        }};""",
    )

    def exact(row):
        return [Decimal(v) if isinstance(v, str) else v for v in row]

    assert exact(result["one"]) == exact(["0.01", "502", "50200", True, "0", 1])
    # 0.012 @ 50,200 + 0.029 @ 50,225 + 0.009 @ 50,250 = 2,511.175
    assert exact(result["three"]) == exact(["0.05", "2511.175", "50223.5", True, "0", 3])
    # the book holds 0.087: 602.40 + 1,456.525 + 2,311.50; 0.013 is missing
    assert exact(result["short"]) == exact(["0.087", "4370.425", result["short"][2], False,
                                            "0.013", 3])  # fmt: skip
    assert exact(result["empty"]) == exact(["0", "0", None, False, "0.1", 0])
    # 1,000 USDT: 0.012 @ 50,200 (602.40) then 397.60 / 50,225 = 0.00791 (whole lots)
    assert Decimal(result["byQuote"][0]) == Decimal("0.01991")
    assert result["byQuote"][3] is True
    assert result["byQuoteShort"][3] is False
    assert result["bad"] == [None, None]
    assert result["fee"] == ["2.51117500", "0.00001"]


def test_the_depth_chart_has_a_mid_only_with_both_sides_and_a_quantity_axis(
    page,  # noqa: F811
) -> None:
    result = run(
        page,
        "depth.js",
        """const side = (...levels) => levels.map(([price, total]) => ({price, total}));
        const both = m.depthScale(side([99, 1], [98, 3]), side([101, 2], [102, 5]));
        const asksOnly = m.depthScale([], side([101, 2], [102, 5]));
        const bidsOnly = m.depthScale(side([99, 1]), []);
        const {BookState} = await import("/static/exchange/js/book.js");
        const book = new BookState();
        book.places = 2;
        book.snapshot({seq: 1, bids: [["49975.00", "1"]], asks: [["50200.01", "1"]]});
        const mid = m.exactMid(book);
        book.snapshot({seq: 2, bids: [], asks: [["50200.00", "1"]]});
        return {both: [both.mid, both.ticks], asksOnly: [asksOnly.mid, asksOnly.ticks.length > 0,
                asksOnly.low < 101, asksOnly.high > 102], bidsOnly: bidsOnly.mid,
                empty: m.depthScale([], []), mid, oneSided: m.exactMid(book),
                steps: [0.3, 1.4, 4, 7, 0.00012].map(m.niceStep)};""",
    )
    assert result["both"] == [100, [2, 4]]
    assert result["asksOnly"] == [None, True, True, True]
    assert result["bidsOnly"] is None
    assert result["empty"] is None
    assert result["mid"] == "50087.505"
    assert result["oneSided"] is None
    assert result["steps"] == [0.5, 2, 5, 10, 0.0002]


def test_candles_keep_empty_intervals_as_gaps(page) -> None:  # noqa: F811
    result = run(
        page,
        "candles.js",
        """const t0 = Date.UTC(2026, 11, 6, 16, 14);
        const candle = (minutes, close) => m.parseCandle(
          [t0 + minutes * 60000, "100", "101", "99", String(close), "1"]);
        const rows = [candle(26, 101), candle(0, 100), candle(27, 99)];
        const {slots, bars, gaps} = m.withGaps(rows, 60, {until: t0 / 1000 + 30 * 60});
        const times = slots.map((s) => s.time - t0 / 1000);
        const capped = m.withGaps([candle(0, 1), candle(600, 1)], 60, {max: 100});
        return {bars, gaps, count: slots.length, first: times.slice(0, 3), last: times.slice(-4),
                whitespace: Object.keys(slots[1]), filled: Object.keys(slots[0]).sort(),
                capped: [capped.slots.length, capped.gaps],
                slot: m.currentSlot(300, Date.UTC(2026, 11, 6, 16, 14, 35)) * 1000
                      === Date.UTC(2026, 11, 6, 16, 10)};""",
    )
    # 16:14, then 25 empty minutes, 16:40, 16:41, then empty minutes up to 16:44 (now)
    assert result["bars"] == 3
    assert result["gaps"] == 25
    assert result["count"] == 31
    assert result["first"] == [0, 60, 120]
    assert result["last"] == [1620, 1680, 1740, 1800]
    assert result["whitespace"] == ["time"]
    assert result["filled"] == ["bar", "time", "volume"]
    assert result["capped"] == [2, 0]  # more than `max` empty slots: drawn as a jump
    assert result["slot"] is True


def test_a_first_open_after_failed_attempts_counts_as_a_reconnect(page) -> None:  # noqa: F811
    """The page dims what the socket keeps current while it is down, and a reconnect reads
    it again (and undims it): a socket that only opens after failing must do the same."""
    result = page.evaluate(
        "async () => {"
        + FAKE_SOCKET
        + """
        const {LiveSocket} = await import("/static/exchange/js/socket.js");
        const statuses = [];
        let reconnected = 0;
        const live = new LiveSocket("ws://page.test/ws/v1",
          {onStatus: (s) => statuses.push(s), onReconnect: () => reconnected++});
        live.connect();
        sockets[0].close();  // refused before it ever opened
        await new Promise((resolve) => setTimeout(resolve, 1200));
        sockets[1].open();
        return {statuses, reconnected};
    }"""
    )
    assert result == {"statuses": ["connecting", "reconnecting", "connecting", "live"],
                      "reconnected": 1}  # fmt: skip
