"""SPEC.md §3: each fill is min(taker remaining, maker visible remaining); a limit taker's
remainder rests at its limit price; statuses new / partially_filled / filled."""

from __future__ import annotations

from .helpers import limit, run


def test_fill_is_the_smaller_of_taker_and_maker():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "0.300", "100.00"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,0.300,1,2,buy,0.03000000,0.06000000"]
    assert r.orders == ["1,partially_filled,0.300,", "2,filled,0.300,"]
    assert r.book == ["BTC-USDT,sell,100.00,1,0.700,0.700"]


def test_taker_remainder_rests_at_its_limit_partially_filled():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "2.500", "100.00"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,2,buy,0.10000000,0.20000000"]
    assert r.orders == ["1,filled,1.000,", "2,partially_filled,1.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,2,1.500,1.500"]


def test_rested_remainder_is_ahead_of_later_orders_at_its_price():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "2.000", "100.00"),
            limit(3, "u3", "buy", "1.000", "100.00"),
            limit(4, "u4", "sell", "1.500", "100.00"),
        ]
    )
    assert r.tape[1:] == [
        "2,BTC-USDT,100.00,1.000,2,4,sell,0.10000000,0.20000000",
        "3,BTC-USDT,100.00,0.500,3,4,sell,0.05000000,0.10000000",
    ]
    assert r.orders == [
        "1,filled,1.000,",
        "2,filled,2.000,",
        "3,partially_filled,0.500,",
        "4,filled,1.500,",
    ]
    assert r.book == ["BTC-USDT,buy,100.00,3,0.500,0.500"]


def test_maker_filled_by_several_takers_accumulates_fills():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "100.00"),
            limit(3, "u3", "buy", "0.500", "100.00"),
        ]
    )
    assert r.status(1) == "partially_filled,1.500,"
    assert r.book == ["BTC-USDT,sell,100.00,1,1.500,1.500"]
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "100.00"),
            limit(3, "u3", "buy", "0.500", "100.00"),
            limit(4, "u4", "buy", "1.500", "100.00"),
        ]
    )
    assert r.status(1) == "filled,3.000,"
    assert r.book == []


def test_taker_sweeps_levels_then_rests_remainder():
    r = run(
        [
            limit(1, "u1", "sell", "0.400", "100.00"),
            limit(2, "u2", "sell", "0.600", "100.50"),
            limit(3, "u3", "sell", "1.000", "101.00"),
            limit(4, "u4", "buy", "2.000", "100.50"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,0.400,1,4,buy,0.04000000,0.08000000",
        "2,BTC-USDT,100.50,0.600,2,4,buy,0.06030000,0.12060000",
    ]
    assert r.status(4) == "partially_filled,1.000,"
    assert r.book == [
        "BTC-USDT,buy,100.50,4,1.000,1.000",
        "BTC-USDT,sell,101.00,3,1.000,1.000",
    ]


def test_exact_match_fills_both_and_empties_the_book():
    r = run(
        [
            limit(1, "u1", "buy", "0.750", "100.00"),
            limit(2, "u2", "sell", "0.750", "100.00"),
        ]
    )
    assert r.orders == ["1,filled,0.750,", "2,filled,0.750,"]
    assert r.book == []
