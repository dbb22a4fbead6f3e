"""SPEC.md §2-3: market orders cross any price, walk the levels, never rest; the remainder
expires (IOC by default), `filled` when nothing remains."""

from __future__ import annotations

from .helpers import limit, market, run


def _asks():
    return [
        limit(1, "u1", "sell", "1.000", "100.00"),
        limit(2, "u2", "sell", "1.000", "101.00"),
        limit(3, "u3", "sell", "1.000", "102.00"),
    ]


def test_market_buy_walks_the_ask_levels():
    r = run(_asks() + [market(4, "u4", "buy", "2.500")])
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,1,4,buy,0.10000000,0.20000000",
        "2,BTC-USDT,101.00,1.000,2,4,buy,0.10100000,0.20200000",
        "3,BTC-USDT,102.00,0.500,3,4,buy,0.05100000,0.10200000",
    ]
    assert r.status(4) == "filled,2.500,"
    assert r.book == ["BTC-USDT,sell,102.00,3,0.500,0.500"]


def test_market_sell_walks_the_bid_levels():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "99.00"),
            limit(2, "u2", "buy", "1.000", "100.00"),
            market(3, "u3", "sell", "1.500"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,2,3,sell,0.10000000,0.20000000",
        "2,BTC-USDT,99.00,0.500,1,3,sell,0.04950000,0.09900000",
    ]
    assert r.book == ["BTC-USDT,buy,99.00,1,0.500,0.500"]


def test_market_remainder_expires_and_never_rests():
    r = run(_asks() + [market(4, "u4", "buy", "3.500")])
    assert len(r.tape) == 3
    assert r.status(4) == "expired,3.000,"
    assert r.book == []


def test_market_on_an_empty_book_expires_unfilled():
    r = run([market(1, "u1", "buy", "1.000")])
    assert r.tape == []
    assert r.orders == ["1,expired,0.000,"]
    assert r.book == []


def test_market_on_the_other_side_only_expires():
    r = run([limit(1, "u1", "buy", "1.000", "100.00"), market(2, "u2", "buy", "1.000")])
    assert r.orders == ["1,new,0.000,", "2,expired,0.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,1,1.000,1.000"]


def test_market_crosses_any_price():
    r = run(
        [
            limit(1, "u1", "sell", "0.001", "9999999.99"),
            market(2, "u2", "buy", "0.001"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,9999999.99,0.001,1,2,buy,9.99999999,19.99999998"]


def test_market_with_explicit_ioc_behaves_like_the_default():
    r = run(_asks() + [market(4, "u4", "buy", "3.500", tif="IOC")])
    assert r.status(4) == "expired,3.000,"


def test_market_with_null_price_is_accepted():
    r = run(_asks() + [market(4, "u4", "buy", "1.000", price=None, tif=None)])
    assert r.status(4) == "filled,1.000,"


def test_market_fok_fills_when_enough_crosses():
    r = run(_asks() + [market(4, "u4", "buy", "3.000", tif="FOK")])
    assert r.status(4) == "filled,3.000,"
    assert r.book == []


def test_market_fok_expires_without_trading_when_short():
    r = run(_asks() + [market(4, "u4", "buy", "3.001", tif="FOK")])
    assert r.tape == []
    assert r.status(4) == "expired,0.000,"
    assert len(r.book) == 3
