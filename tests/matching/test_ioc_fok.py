"""SPEC.md §3: IOC trades what crosses and expires the rest; FOK trades all or nothing,
decided by a dry run before any matching (its self-trade interplay is in
test_self_trade_prevention.py)."""

from __future__ import annotations

from .helpers import limit, market, run


def _two_asks():
    return [
        limit(1, "u1", "sell", "1.000", "100.00"),
        limit(2, "u2", "sell", "1.000", "100.50"),
    ]


def test_ioc_trades_what_crosses_and_expires_the_rest():
    r = run(_two_asks() + [limit(3, "u3", "buy", "3.000", "100.00", tif="IOC")])
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,3,buy,0.10000000,0.20000000"]
    assert r.status(3) == "expired,1.000,"
    assert r.book == ["BTC-USDT,sell,100.50,2,1.000,1.000"]


def test_ioc_that_does_not_cross_expires_unfilled_and_never_rests():
    r = run(_two_asks() + [limit(3, "u3", "buy", "1.000", "99.00", tif="IOC")])
    assert r.tape == []
    assert r.status(3) == "expired,0.000,"
    assert len(r.book) == 2


def test_ioc_fully_filled_is_filled():
    r = run(_two_asks() + [limit(3, "u3", "buy", "0.500", "100.00", tif="IOC")])
    assert r.status(3) == "filled,0.500,"
    assert r.book[0] == "BTC-USDT,sell,100.00,1,0.500,0.500"


def test_ioc_sell_sweeps_bids_down_to_its_limit():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "98.00"),
            limit(3, "u3", "sell", "3.000", "99.00", tif="IOC"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,3,sell,0.10000000,0.20000000"]
    assert r.status(3) == "expired,1.000,"
    assert r.book == ["BTC-USDT,buy,98.00,2,1.000,1.000"]


def test_fok_short_of_quantity_expires_with_no_trade_and_no_change():
    r = run(_two_asks() + [limit(3, "u3", "buy", "2.500", "100.50", tif="FOK")])
    assert r.tape == []
    assert r.orders == ["1,new,0.000,", "2,new,0.000,", "3,expired,0.000,"]
    assert r.book == [
        "BTC-USDT,sell,100.00,1,1.000,1.000",
        "BTC-USDT,sell,100.50,2,1.000,1.000",
    ]


def test_fok_counts_only_levels_within_its_limit():
    r = run(_two_asks() + [limit(3, "u3", "buy", "2.000", "100.00", tif="FOK")])
    assert r.tape == []
    assert r.status(3) == "expired,0.000,"


def test_fok_with_exactly_enough_across_levels_fills():
    r = run(_two_asks() + [limit(3, "u3", "buy", "2.000", "100.50", tif="FOK")])
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,1,3,buy,0.10000000,0.20000000",
        "2,BTC-USDT,100.50,1.000,2,3,buy,0.10050000,0.20100000",
    ]
    assert r.status(3) == "filled,2.000,"
    assert r.book == []


def test_fok_smaller_than_the_book_fills_and_leaves_the_maker_partial():
    r = run(_two_asks() + [limit(3, "u3", "buy", "0.400", "100.00", tif="FOK")])
    assert r.status(3) == "filled,0.400,"
    assert r.status(1) == "partially_filled,0.400,"


def test_fok_sell_fills_across_bids():
    r = run(
        [
            limit(1, "u1", "buy", "0.500", "100.00"),
            limit(2, "u2", "buy", "0.500", "99.00"),
            limit(3, "u3", "sell", "1.000", "99.00", tif="FOK"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,0.500,1,3,sell,0.05000000,0.10000000",
        "2,BTC-USDT,99.00,0.500,2,3,sell,0.04950000,0.09900000",
    ]
    assert r.status(3) == "filled,1.000,"


def test_fok_on_an_empty_book_expires():
    r = run([limit(1, "u1", "buy", "1.000", "100.00", tif="FOK")])
    assert r.orders == ["1,expired,0.000,"]
    assert r.book == []


def test_fok_dry_run_follows_iceberg_reslices():
    setup = [
        limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
        limit(2, "u2", "sell", "1.000", "100.00"),
    ]
    r = run(setup + [market(3, "u3", "buy", "4.000", tif="FOK")])
    assert [line.split(",")[3:6] for line in r.tape] == [
        ["1.000", "1", "3"],
        ["1.000", "2", "3"],
        ["1.000", "1", "3"],
        ["1.000", "1", "3"],
    ]
    assert r.orders == ["1,filled,3.000,", "2,filled,1.000,", "3,filled,4.000,"]
    r = run(setup + [market(3, "u3", "buy", "4.001", tif="FOK")])
    assert r.tape == []
    assert r.status(3) == "expired,0.000,"
    assert r.book == [
        "BTC-USDT,sell,100.00,1,1.000,3.000",
        "BTC-USDT,sell,100.00,2,1.000,1.000",
    ]


def test_fok_limit_does_not_rest_when_it_fills_nothing():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "101.00"),
            limit(2, "u2", "buy", "1.000", "100.00", tif="FOK"),
        ]
    )
    assert r.status(2) == "expired,0.000,"
    assert r.book == ["BTC-USDT,sell,101.00,1,1.000,1.000"]
