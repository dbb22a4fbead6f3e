"""SPEC.md §3: price-time priority, execution at the maker's price, book order (§8)."""

from __future__ import annotations

from .helpers import cancel, limit, market, run, symbol


def test_buy_taker_takes_the_lowest_ask_first():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "101.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "sell", "1.000", "102.00"),
            limit(4, "u4", "buy", "2.000", "101.00"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,2,4,buy,0.10000000,0.20000000",
        "2,BTC-USDT,101.00,1.000,1,4,buy,0.10100000,0.20200000",
    ]
    assert r.orders == ["1,filled,1.000,", "2,filled,1.000,", "3,new,0.000,", "4,filled,2.000,"]
    assert r.book == ["BTC-USDT,sell,102.00,3,1.000,1.000"]


def test_sell_taker_takes_the_highest_bid_first():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "99.00"),
            limit(2, "u2", "buy", "1.000", "100.00"),
            limit(3, "u3", "buy", "1.000", "98.00"),
            market(4, "u4", "sell", "2.000"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,2,4,sell,0.10000000,0.20000000",
        "2,BTC-USDT,99.00,1.000,1,4,sell,0.09900000,0.19800000",
    ]
    assert r.book == ["BTC-USDT,buy,98.00,3,1.000,1.000"]


def test_same_price_matches_in_arrival_order():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "sell", "1.000", "100.00"),
            limit(4, "u4", "buy", "1.500", "100.00"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,1,4,buy,0.10000000,0.20000000",
        "2,BTC-USDT,100.00,0.500,2,4,buy,0.05000000,0.10000000",
    ]
    assert r.orders[:3] == ["1,filled,1.000,", "2,partially_filled,0.500,", "3,new,0.000,"]
    assert r.book == [
        "BTC-USDT,sell,100.00,2,0.500,0.500",
        "BTC-USDT,sell,100.00,3,1.000,1.000",
    ]


def test_partially_filled_maker_keeps_its_place_at_the_front():
    r = run(
        [
            limit(1, "u1", "sell", "2.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "buy", "1.000", "100.00"),
            limit(4, "u4", "buy", "1.500", "100.00"),
        ]
    )
    assert [line.split(",")[4:6] for line in r.tape] == [["1", "3"], ["1", "4"], ["2", "4"]]
    assert [line.split(",")[3] for line in r.tape] == ["1.000", "1.000", "0.500"]
    assert r.book == ["BTC-USDT,sell,100.00,2,0.500,0.500"]


def test_trades_execute_at_the_makers_price_for_a_buy_taker():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "105.00"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,2,buy,0.10000000,0.20000000"]


def test_trades_execute_at_the_makers_price_for_a_sell_taker():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "95.00"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,2,sell,0.10000000,0.20000000"]


def test_limit_taker_does_not_trade_through_its_limit():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "101.00"),
            limit(3, "u3", "buy", "2.000", "100.50"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,3,buy,0.10000000,0.20000000"]
    assert r.status(3) == "partially_filled,1.000,"
    assert r.book == [
        "BTC-USDT,buy,100.50,3,1.000,1.000",
        "BTC-USDT,sell,101.00,2,1.000,1.000",
    ]


def test_non_crossing_orders_both_rest():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "99.99"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,new,0.000,", "2,new,0.000,"]
    assert r.book == [
        "BTC-USDT,buy,99.99,2,1.000,1.000",
        "BTC-USDT,sell,100.00,1,1.000,1.000",
    ]


def test_equal_prices_cross():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,2,sell,0.10000000,0.20000000"]
    assert r.book == []


def test_an_order_placed_again_after_a_cancel_goes_to_the_back():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            cancel(1, "u1"),
            limit(3, "u1", "sell", "1.000", "100.00"),
            limit(4, "u3", "buy", "1.000", "100.00"),
        ]
    )
    assert [line.split(",")[4] for line in r.tape] == ["2"]
    assert r.book == ["BTC-USDT,sell,100.00,3,1.000,1.000"]


def test_book_lists_symbols_in_definition_order_bids_then_asks_best_first():
    eth = "ETH-USDT"
    r = run(
        [
            symbol(eth),
            symbol("BTC-USDT"),
            limit(1, "u1", "buy", "1.000", "99.00"),
            limit(2, "u1", "buy", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "98.00"),
            limit(4, "u1", "sell", "1.000", "103.00"),
            limit(5, "u1", "sell", "1.000", "101.00"),
            limit(6, "u1", "sell", "1.000", "102.00"),
            limit(7, "u2", "buy", "1.000", "100.00"),
            limit(8, "u2", "sell", "2.000", "5.00", symbol=eth),
            limit(9, "u2", "buy", "1.000", "4.00", symbol=eth),
        ],
        define_symbol=False,
    )
    assert r.book == [
        "ETH-USDT,buy,4.00,9,1.000,1.000",
        "ETH-USDT,sell,5.00,8,2.000,2.000",
        "BTC-USDT,buy,100.00,2,1.000,1.000",
        "BTC-USDT,buy,100.00,7,1.000,1.000",
        "BTC-USDT,buy,99.00,1,1.000,1.000",
        "BTC-USDT,buy,98.00,3,1.000,1.000",
        "BTC-USDT,sell,101.00,5,1.000,1.000",
        "BTC-USDT,sell,102.00,6,1.000,1.000",
        "BTC-USDT,sell,103.00,4,1.000,1.000",
    ]


def test_symbols_have_separate_books():
    eth = "ETH-USDT"
    r = run(
        [
            symbol(eth),
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "100.00", symbol=eth),
        ]
    )
    assert r.tape == []
    assert r.book == [
        "BTC-USDT,sell,100.00,1,1.000,1.000",
        "ETH-USDT,buy,100.00,2,1.000,1.000",
    ]


def test_trade_ids_count_from_one_across_symbols():
    eth = "ETH-USDT"
    r = run(
        [
            symbol(eth),
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u1", "sell", "1.000", "100.00", symbol=eth),
            limit(3, "u2", "buy", "1.000", "100.00", symbol=eth),
            limit(4, "u2", "buy", "1.000", "100.00"),
        ]
    )
    assert r.tape == [
        "1,ETH-USDT,100.00,1.000,2,3,buy,0.10000000,0.20000000",
        "2,BTC-USDT,100.00,1.000,1,4,buy,0.10000000,0.20000000",
    ]
