"""SPEC.md §6 and §9.16: stops and take-profits wait off the book until the symbol's last
trade price meets the trigger, then run as new market/limit orders (earliest placed first,
re-checked after each activation), with their time priority taken at activation."""

from __future__ import annotations

import pytest

from .helpers import limit, market, new, run, symbol


def stop(order_id, user, side, order_type, quantity, trigger, **extra):
    return new(order_id, user, side, order_type, quantity, trigger_price=trigger, **extra)


def trade_at(first_id, price, quantity="0.100", **extra):
    """Two lines that trade `quantity` at `price` between users x1 (sell) and x2 (buy)."""
    return [
        limit(first_id, "x1", "sell", quantity, price, **extra),
        limit(first_id + 1, "x2", "buy", quantity, price, **extra),
    ]


def fills(r):
    """(price, quantity, maker, taker) of each trade."""
    return [tuple(line.split(",")[2:6]) for line in r.tape]


# ---- directions ---------------------------------------------------------------------------

# (type, side, resting counter-order side and price, a price that does not trigger, one that does)
DIRECTIONS = [
    ("stop_loss", "sell", "buy", "95.00", "96.01", "96.00"),
    ("stop_loss", "buy", "sell", "105.00", "100.99", "101.00"),
    ("take_profit", "sell", "buy", "95.00", "100.99", "101.00"),
    ("take_profit", "buy", "sell", "105.00", "99.01", "99.00"),
]
TRIGGERS = {
    ("stop_loss", "sell"): "96.00",
    ("stop_loss", "buy"): "101.00",
    ("take_profit", "sell"): "101.00",
    ("take_profit", "buy"): "99.00",
}


@pytest.mark.parametrize("order_type,side,counter_side,counter_price,miss,hit", DIRECTIONS)
def test_trigger_direction(order_type, side, counter_side, counter_price, miss, hit):
    trigger = TRIGGERS[(order_type, side)]
    setup = [
        limit(1, "u1", counter_side, "1.000", counter_price),
        stop(2, "u2", side, order_type, "1.000", trigger),
        *trade_at(3, miss),
    ]
    r = run(setup)
    assert r.status(2) == "pending_trigger,0.000,"
    assert fills(r) == [(miss, "0.100", "3", "4")]
    r = run(setup + trade_at(5, hit))
    assert fills(r) == [
        (miss, "0.100", "3", "4"),
        (hit, "0.100", "5", "6"),
        (counter_price, "1.000", "1", "2"),
    ]
    assert r.status(2) == "filled,1.000,"


def test_stop_limit_activates_as_a_limit_order_and_rests_when_it_does_not_cross():
    r = run(
        [
            *trade_at(1, "100.00"),
            stop(3, "u3", "sell", "stop_limit", "1.000", "99.00", price="98.00"),
            *trade_at(4, "99.00"),
        ]
    )
    assert r.status(3) == "new,0.000,"
    assert r.book == ["BTC-USDT,sell,98.00,3,1.000,1.000"]


def test_take_profit_limit_activates_trades_and_rests_the_remainder():
    r = run(
        [
            *trade_at(1, "100.00", "1.000"),
            stop(3, "u3", "buy", "take_profit_limit", "1.000", "99.00", price="99.50"),
            limit(4, "u6", "sell", "0.400", "99.50"),
            limit(5, "u4", "sell", "0.500", "99.00"),
            limit(6, "u5", "buy", "0.500", "99.00"),
        ]
    )
    assert fills(r) == [
        ("100.00", "1.000", "1", "2"),
        ("99.00", "0.500", "5", "6"),
        ("99.50", "0.400", "4", "3"),
    ]
    assert r.status(3) == "partially_filled,0.400,"
    assert r.book == ["BTC-USDT,buy,99.50,3,0.600,0.600"]


def test_waiting_orders_are_off_the_book():
    r = run(
        [
            *trade_at(1, "100.00"),
            stop(3, "u3", "sell", "stop_limit", "1.000", "90.00", price="89.00"),
            stop(4, "u3", "buy", "take_profit_limit", "1.000", "90.00", price="91.00"),
        ]
    )
    assert r.orders[2:] == ["3,pending_trigger,0.000,", "4,pending_trigger,0.000,"]
    assert r.book == []


# ---- no last price ------------------------------------------------------------------------


def test_nothing_triggers_in_a_symbol_without_a_trade():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "99.00"),
            limit(2, "u1", "sell", "1.000", "101.00"),
            stop(3, "u2", "sell", "stop_loss", "1.000", "999999.00"),
            stop(4, "u2", "buy", "stop_loss", "1.000", "0.01"),
            stop(5, "u2", "sell", "take_profit", "1.000", "0.01"),
            stop(6, "u2", "buy", "take_profit", "1.000", "999999.00"),
            stop(7, "u2", "buy", "stop_limit", "1.000", "0.01", price="101.00"),
        ]
    )
    assert r.orders[2:] == [f"{i},pending_trigger,0.000," for i in range(3, 8)]
    assert r.tape == []


# ---- immediate activation -----------------------------------------------------------------


def test_stop_whose_trigger_is_already_met_activates_right_after_its_line():
    r = run(
        [
            *trade_at(1, "100.00"),
            limit(3, "u3", "buy", "1.000", "99.00"),
            stop(4, "u4", "sell", "stop_loss", "1.000", "101.00"),
        ]
    )
    assert fills(r)[1:] == [("99.00", "1.000", "3", "4")]
    assert r.status(4) == "filled,1.000,"
    assert r.book == []


def test_take_profit_limit_already_met_activates_and_rests():
    r = run(
        [
            *trade_at(1, "100.00"),
            stop(3, "u3", "sell", "take_profit_limit", "1.000", "99.00", price="102.00"),
        ]
    )
    assert r.status(3) == "new,0.000,"
    assert r.book == ["BTC-USDT,sell,102.00,3,1.000,1.000"]


def test_activated_market_style_order_with_no_liquidity_expires():
    r = run([*trade_at(1, "100.00"), stop(3, "u3", "buy", "take_profit", "1.000", "100.00")])
    assert r.status(3) == "expired,0.000,"


# ---- the cascade --------------------------------------------------------------------------


def test_cascade_activates_the_earliest_placed_met_order_and_rechecks_after_each():
    r = run(
        [
            *trade_at(1, "100.00", "1.000"),
            limit(3, "u3", "buy", "1.000", "99.00"),
            limit(4, "u3", "buy", "1.000", "98.00"),
            limit(5, "u3", "buy", "1.000", "97.00"),
            limit(6, "u3", "buy", "1.000", "96.00"),
            stop(7, "u4", "sell", "stop_loss", "1.000", "96.00"),
            stop(8, "u5", "sell", "stop_loss", "1.000", "99.00"),
            stop(9, "u6", "sell", "stop_loss", "1.000", "98.00"),
            stop(10, "u7", "sell", "stop_loss", "0.500", "99.00"),
            limit(11, "u8", "sell", "1.000", "99.00"),
        ]
    )
    # last 99 -> 8 and 10 met, 8 first; last 98 -> 9 and 10 met, 9 first (placed before 10);
    # last 97 -> 10; last 96 -> 7, which finds only 0.500 left.
    assert fills(r) == [
        ("100.00", "1.000", "1", "2"),
        ("99.00", "1.000", "3", "11"),
        ("98.00", "1.000", "4", "8"),
        ("97.00", "1.000", "5", "9"),
        ("96.00", "0.500", "6", "10"),
        ("96.00", "0.500", "6", "7"),
    ]
    assert r.status(7) == "expired,0.500,"
    assert r.status(10) == "filled,0.500,"
    assert r.book == []


# ---- priority at activation ---------------------------------------------------------------


def test_activated_stop_limit_joins_its_level_behind_orders_placed_before_activation():
    r = run(
        [
            *trade_at(1, "101.00", "1.000"),
            stop(3, "u3", "buy", "stop_limit", "1.000", "102.00", price="99.00"),
            limit(4, "u4", "buy", "1.000", "99.00"),
            *trade_at(5, "102.00", "0.500"),
        ]
    )
    assert r.book == [
        "BTC-USDT,buy,99.00,4,1.000,1.000",
        "BTC-USDT,buy,99.00,3,1.000,1.000",
    ]
    r = run(
        [
            *trade_at(1, "101.00", "1.000"),
            stop(3, "u3", "buy", "stop_limit", "1.000", "102.00", price="99.00"),
            limit(4, "u4", "buy", "1.000", "99.00"),
            *trade_at(5, "102.00", "0.500"),
            limit(7, "u7", "sell", "1.000", "99.00"),
        ]
    )
    assert fills(r)[-1] == ("99.00", "1.000", "4", "7")
    assert r.book == ["BTC-USDT,buy,99.00,3,1.000,1.000"]


# ---- activation outcomes ------------------------------------------------------------------


def _post_only_stop(price):
    return [
        limit(1, "u1", "sell", "1.000", "100.00"),
        limit(2, "u1", "sell", "1.000", "100.50"),
        stop(3, "u3", "buy", "stop_limit", "1.000", "100.00", price=price, post_only=True),
        limit(4, "u2", "buy", "1.000", "100.00"),
    ]


def test_activated_post_only_that_would_take_is_rejected():
    r = run(_post_only_stop("101.00"))
    assert fills(r) == [("100.00", "1.000", "1", "4")]
    assert r.status(3) == "rejected,0.000,post_only_would_take"
    assert r.book == ["BTC-USDT,sell,100.50,2,1.000,1.000"]


def test_activated_post_only_that_does_not_cross_rests():
    r = run(_post_only_stop("100.25"))
    assert r.status(3) == "new,0.000,"
    assert r.book == [
        "BTC-USDT,buy,100.25,3,1.000,1.000",
        "BTC-USDT,sell,100.50,2,1.000,1.000",
    ]


def test_activated_fok_that_cannot_fill_expires_without_trading():
    for order_type, extra in (("stop_loss", {}), ("stop_limit", {"price": "99.00"})):
        r = run(
            [
                limit(1, "u1", "sell", "1.000", "100.00"),
                limit(2, "u2", "buy", "1.000", "99.00"),
                stop(3, "u3", "sell", order_type, "2.000", "100.00", tif="FOK", **extra),
                limit(4, "u4", "buy", "1.000", "100.00"),
            ]
        )
        assert fills(r) == [("100.00", "1.000", "1", "4")], order_type
        assert r.status(3) == "expired,0.000,", order_type
        assert r.book == ["BTC-USDT,buy,99.00,2,1.000,1.000"], order_type


def test_activated_fok_that_can_fill_fills():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "99.00"),
            stop(3, "u3", "sell", "stop_loss", "1.000", "100.00", tif="FOK"),
            limit(4, "u4", "buy", "1.000", "100.00"),
        ]
    )
    assert fills(r)[-1] == ("99.00", "1.000", "2", "3")
    assert r.status(3) == "filled,1.000,"


def test_activated_stop_keeps_its_tif_ioc():
    r = run(
        [
            *trade_at(1, "100.00"),
            limit(3, "u3", "buy", "0.400", "99.00"),
            stop(4, "u4", "sell", "stop_limit", "1.000", "100.00", price="99.00", tif="IOC"),
        ]
    )
    assert fills(r)[-1] == ("99.00", "0.400", "3", "4")
    assert r.status(4) == "expired,0.400,"
    assert r.book == []


def test_activated_stop_keeps_its_display_quantity():
    r = run(
        [
            *trade_at(1, "100.00"),
            stop(
                3,
                "u4",
                "sell",
                "stop_limit",
                "3.000",
                "100.00",
                price="101.00",
                display_quantity="1.000",
            ),
        ]
    )
    assert r.book == ["BTC-USDT,sell,101.00,3,1.000,3.000"]


def test_activated_stop_applies_its_own_stp():
    r = run(
        [
            *trade_at(1, "100.00", "1.000"),
            limit(3, "u1", "sell", "1.000", "101.00"),
            limit(4, "u2", "sell", "0.500", "100.50"),
            stop(5, "u1", "buy", "stop_loss", "1.000", "100.50", stp="cancel_incoming"),
            limit(6, "u3", "buy", "0.500", "100.50"),
        ]
    )
    assert fills(r)[-1] == ("100.50", "0.500", "4", "6")
    assert r.status(5) == "cancelled,0.000,"
    assert r.status(3) == "new,0.000,"
    assert r.book == ["BTC-USDT,sell,101.00,3,1.000,1.000"]


# ---- what moves the trigger price ---------------------------------------------------------


def test_trades_of_other_symbols_do_not_trigger():
    eth = "ETH-USDT"
    setup = [
        symbol(eth),
        limit(1, "u9", "buy", "1.000", "50.00", symbol=eth),
        stop(2, "u1", "sell", "stop_loss", "1.000", "1000.00", symbol=eth),
        *trade_at(3, "100.00"),
    ]
    r = run(setup)
    assert r.status(2) == "pending_trigger,0.000,"
    r = run(setup + trade_at(5, "60.00", symbol=eth))
    assert fills(r)[-1] == ("50.00", "1.000", "1", "2")
    assert r.status(2) == "filled,1.000,"


def test_self_trade_prevention_is_not_a_trade_and_does_not_trigger():
    r = run(
        [
            *trade_at(1, "100.00", "1.000"),
            limit(3, "u3", "buy", "1.000", "90.00"),
            stop(4, "u4", "sell", "stop_loss", "1.000", "95.00"),
            limit(5, "u5", "sell", "1.000", "95.00"),
            limit(6, "u5", "buy", "1.000", "95.00", stp="decrement_both"),
            limit(7, "u6", "sell", "1.000", "94.00"),
            limit(8, "u6", "buy", "1.000", "94.00", stp="cancel_resting"),
            market(9, "u7", "sell", "0.001", stp="cancel_both"),
        ]
    )
    # 9 is a real trade at 94.00 against 8 (different users): it triggers the stop, whose
    # market sell takes the rest of 8 and then 0.001 of 3.
    assert fills(r) == [
        ("100.00", "1.000", "1", "2"),
        ("94.00", "0.001", "8", "9"),
        ("94.00", "0.999", "8", "4"),
        ("90.00", "0.001", "3", "4"),
    ]
    r = run(
        [
            *trade_at(1, "100.00", "1.000"),
            limit(3, "u3", "buy", "1.000", "90.00"),
            stop(4, "u4", "sell", "stop_loss", "1.000", "95.00"),
            limit(5, "u5", "sell", "1.000", "95.00"),
            limit(6, "u5", "buy", "1.000", "95.00", stp="decrement_both"),
            limit(7, "u6", "sell", "1.000", "94.00"),
            limit(8, "u6", "buy", "1.000", "94.00", stp="cancel_resting"),
        ]
    )
    assert len(r.tape) == 1
    assert r.status(4) == "pending_trigger,0.000,"
