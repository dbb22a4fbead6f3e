"""SPEC.md §4 and §9.17: icebergs show a slice of min(display_quantity, remaining); only the
slice matches; an exhausted slice is replaced at the back of its level."""

from __future__ import annotations

from .helpers import limit, market, run


def _tape_fills(r):
    """(quantity, maker, taker) of each trade."""
    return [tuple(line.split(",")[3:6]) for line in r.tape]


def test_iceberg_rests_showing_only_its_slice():
    r = run([limit(1, "u1", "sell", "5.000", "100.00", display_quantity="2.000")])
    assert r.orders == ["1,new,0.000,"]
    assert r.book == ["BTC-USDT,sell,100.00,1,2.000,5.000"]


def test_only_the_slice_matches_and_a_partly_used_slice_keeps_its_place():
    r = run(
        [
            limit(1, "u1", "sell", "5.000", "100.00", display_quantity="2.000"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "buy", "1.500", "100.00"),
            limit(4, "u4", "buy", "0.200", "100.00"),
        ]
    )
    assert _tape_fills(r) == [("1.500", "1", "3"), ("0.200", "1", "4")]
    assert r.book == [
        "BTC-USDT,sell,100.00,1,0.300,3.300",
        "BTC-USDT,sell,100.00,2,1.000,1.000",
    ]


def test_iceberg_replenish_loses_priority():
    r = run(
        [
            limit(1, "u1", "sell", "5.000", "100.00", display_quantity="2.000"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "buy", "2.000", "100.00"),
        ]
    )
    assert _tape_fills(r) == [("2.000", "1", "3")]
    assert r.book == [
        "BTC-USDT,sell,100.00,2,1.000,1.000",
        "BTC-USDT,sell,100.00,1,2.000,3.000",
    ]
    r = run(
        [
            limit(1, "u1", "sell", "5.000", "100.00", display_quantity="2.000"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "buy", "2.000", "100.00"),
            limit(4, "u4", "buy", "1.000", "100.00"),
        ]
    )
    assert _tape_fills(r)[1] == ("1.000", "2", "4")


def test_the_same_taker_goes_on_to_the_new_slice_in_queue_order():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
            limit(2, "u2", "sell", "0.500", "100.00"),
            limit(3, "u3", "buy", "2.000", "100.00"),
        ]
    )
    assert _tape_fills(r) == [("1.000", "1", "3"), ("0.500", "2", "3"), ("0.500", "1", "3")]
    assert r.orders == ["1,partially_filled,1.500,", "2,filled,0.500,", "3,filled,2.000,"]
    assert r.book == ["BTC-USDT,sell,100.00,1,0.500,1.500"]


def test_last_slice_is_what_remains_when_below_display():
    r = run(
        [
            limit(1, "u1", "sell", "2.500", "100.00", display_quantity="1.000"),
            market(2, "u2", "buy", "2.000"),
        ]
    )
    assert _tape_fills(r) == [("1.000", "1", "2"), ("1.000", "1", "2")]
    assert r.book == ["BTC-USDT,sell,100.00,1,0.500,0.500"]


def test_slice_exhausted_mid_taker_goes_behind_the_next_order():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "buy", "0.400", "100.00"),
            limit(4, "u3", "buy", "0.400", "100.00"),
            limit(5, "u3", "buy", "0.400", "100.00"),
        ]
    )
    assert _tape_fills(r) == [
        ("0.400", "1", "3"),
        ("0.400", "1", "4"),
        ("0.200", "1", "5"),
        ("0.200", "2", "5"),
    ]
    assert r.book == [
        "BTC-USDT,sell,100.00,2,0.800,0.800",
        "BTC-USDT,sell,100.00,1,1.000,2.000",
    ]


def test_two_icebergs_at_one_level_alternate_slices():
    r = run(
        [
            limit(1, "u1", "sell", "2.000", "100.00", display_quantity="1.000"),
            limit(2, "u2", "sell", "2.000", "100.00", display_quantity="1.000"),
            market(3, "u3", "buy", "4.000"),
        ]
    )
    assert [fill[1] for fill in _tape_fills(r)] == ["1", "2", "1", "2"]
    assert r.orders == ["1,filled,2.000,", "2,filled,2.000,", "3,filled,4.000,"]
    assert r.book == []


def test_display_equal_to_quantity_is_a_plain_order():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00", display_quantity="1.000"),
            limit(2, "u2", "buy", "1.000", "100.00"),
            limit(3, "u3", "sell", "0.500", "100.00"),
        ]
    )
    assert r.book == [
        "BTC-USDT,buy,100.00,1,0.500,0.500",
        "BTC-USDT,buy,100.00,2,1.000,1.000",
    ]


def test_iceberg_taker_uses_its_full_quantity_and_rests_a_slice():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00"),
            limit(2, "u2", "buy", "5.000", "100.00", display_quantity="1.000"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,3.000,1,2,buy,0.30000000,0.60000000"]
    assert r.status(2) == "partially_filled,3.000,"
    assert r.book == ["BTC-USDT,buy,100.00,2,1.000,2.000"]


def test_bid_iceberg_is_hit_slice_by_slice_by_a_sell():
    r = run(
        [
            limit(1, "u1", "buy", "2.000", "100.00", display_quantity="0.500"),
            limit(2, "u2", "sell", "1.200", "99.00"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,0.500,1,2,sell,0.05000000,0.10000000",
        "2,BTC-USDT,100.00,0.500,1,2,sell,0.05000000,0.10000000",
        "3,BTC-USDT,100.00,0.200,1,2,sell,0.02000000,0.04000000",
    ]
    assert r.book == ["BTC-USDT,buy,100.00,1,0.300,0.800"]
