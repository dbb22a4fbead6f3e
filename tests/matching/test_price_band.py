"""Price bands (matching/engine/price_band.py): a limit price or a stop's trigger further than
`price_band_pct` from the reference (the last trade, else the mid) is rejected; a market order
stops walking the book at the band's edge and the rest expires; no band, no change."""

from __future__ import annotations

from matching.engine import Engine
from matching.engine.state import dump_state, load_state

from .helpers import limit, market, new, run, symbol

BANDED = symbol(price_band_pct="10")
TRADE_AT_100 = [limit(1, "u1", "sell", "1.000", "100.00"), limit(2, "u2", "buy", "1.000", "100.00")]


def test_a_limit_price_past_the_band_from_the_last_trade_is_rejected() -> None:
    r = run(
        [
            BANDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "110.00"),  # the edge: accepted
            limit(4, "u1", "sell", "1.000", "110.01"),
            limit(5, "u2", "buy", "1.000", "90.00"),
            limit(6, "u2", "buy", "1.000", "89.99"),
        ],
        define_symbol=False,
    )

    assert [r.status(n).split(",")[0] for n in (3, 4, 5, 6)] == [
        "new", "rejected", "new", "rejected"
    ]  # fmt: skip
    assert r.status(4) == "rejected,0.000,price_out_of_band"


def test_before_any_trade_the_mid_is_the_reference_and_with_no_mid_there_is_no_band() -> None:
    r = run(
        [
            BANDED,
            limit(1, "u1", "sell", "1.000", "500.00"),  # no bid: no reference yet
            limit(2, "u2", "buy", "1.000", "400.00"),  # mid 450: band 405 .. 495
            limit(3, "u2", "buy", "1.000", "404.99"),
            limit(4, "u1", "sell", "1.000", "495.00"),
        ],
        define_symbol=False,
    )

    assert r.status(2).startswith("new")
    assert r.status(3) == "rejected,0.000,price_out_of_band"
    assert r.status(4).startswith("new")


def test_a_stop_s_trigger_is_checked_first() -> None:
    r = run(
        [
            BANDED,
            *TRADE_AT_100,
            new(3, "u1", "sell", "stop_limit", "1.000", price="95.00", trigger_price="80.00"),
            new(4, "u1", "sell", "stop_limit", "1.000", price="80.00", trigger_price="95.00"),
        ],
        define_symbol=False,
    )

    assert r.status(3) == "rejected,0.000,trigger_price_out_of_band"
    assert r.status(4) == "rejected,0.000,price_out_of_band"


def test_a_market_order_stops_at_the_band_s_edge_and_the_rest_expires() -> None:
    r = run(
        [
            BANDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "105.00"),
            limit(4, "u1", "sell", "1.000", "110.00"),
            symbol_change(),  # no change: the band is kept
            market(5, "u3", "buy", "3.000"),
        ],
        define_symbol=False,
    )

    assert [(t.maker_order_id, t.price) for t in r.trades()][1:] == [(3, 10500), (4, 11000)]
    assert r.status(5).startswith("expired,2.000")


def test_a_fok_market_order_that_cannot_fill_within_the_band_expires_whole() -> None:
    r = run(
        [
            BANDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "105.00"),
            limit(4, "u1", "sell", "1.000", "120.00"),
        ],
        define_symbol=False,
    )
    engine = r.engine
    events = engine.process(market(5, "u3", "buy", "2.000", tif="FOK"))

    assert [e for e in events if e[0] == "trade"] == []
    assert events[-1][5] == "expired"


def test_without_a_band_nothing_changes() -> None:
    r = run([*TRADE_AT_100, limit(3, "u1", "sell", "1.000", "500.00")])

    assert r.status(3).startswith("new")


def test_the_market_command_sets_and_lifts_the_band_and_a_bad_one_is_refused() -> None:
    engine = Engine()
    engine.process(symbol())
    for command in TRADE_AT_100:
        engine.process(command)
    set_ = engine.process({"op": "market", "symbol": "BTC-USDT", "price_band_pct": "5"})
    refused = engine.process(limit(3, "u1", "sell", "1.000", "105.01"))
    bad = [
        engine.process({"op": "market", "symbol": "BTC-USDT", "price_band_pct": value})
        for value in ("-1", "abc", 5, "1000")
    ]
    restored = load_state(dump_state(engine))
    lifted = engine.process({"op": "market", "symbol": "BTC-USDT", "price_band_pct": "0"})
    taken = engine.process(limit(4, "u1", "sell", "1.000", "105.01"))

    assert set_ == [("configured", "market", "BTC-USDT")]
    assert refused[-1][11] == "price_out_of_band"
    assert all(e == [("refused", "market", "BTC-USDT", None, "invalid_price_band_pct")]
               for e in bad)  # fmt: skip
    assert restored.markets["BTC-USDT"].price_band == (5, 0)
    assert lifted == [("configured", "market", "BTC-USDT")]
    assert taken[-1][5] == "new"
    assert "price_band_pct" not in dump_state(engine)["markets"][0]


def test_an_amend_to_a_price_out_of_band_is_refused() -> None:
    r = run(
        [
            BANDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "105.00"),
            {"op": "amend", "id": 3, "user": "u1", "price": "111.00"},
        ],  # fmt: skip
        define_symbol=False,
    )

    assert r.events[-1] == [("refused", "amend", 3, "u1", "price_out_of_band")]


def symbol_change() -> dict:
    return {"op": "market", "symbol": "BTC-USDT", "min_notional": "0"}
