"""SPEC.md §7 and §9.5: maker/taker fees in the quote asset, rates by user / `*` / defaults
as in force at trade time, rounded to quote_precision with ROUND_HALF_UP (ties away from
zero), no `-0`."""

from __future__ import annotations

import pytest

from .helpers import fees, limit, run, symbol

XRP = "XRP-USDT"  # tick 0.0001, lot 1, quote_precision 4: 0.5000 x 3 is a notional of 1.5


def fee_pair(r, index=0):
    """(maker_fee, taker_fee) of the index-th trade."""
    return tuple(r.tape[index].split(",")[7:9])


def _trade(maker="m", taker="t", quantity="1.000", price="100.00", **extra):
    return [
        limit(101, maker, "sell", quantity, price, **extra),
        limit(102, taker, "buy", quantity, price, **extra),
    ]


def test_default_rates_before_any_fees_line():
    r = run(_trade())
    assert r.tape == ["1,BTC-USDT,100.00,1.000,101,102,buy,0.10000000,0.20000000"]


def test_star_line_replaces_the_defaults():
    r = run([fees("*", "0.0005", "0.0015"), *_trade(quantity="2.000")])
    assert fee_pair(r) == ("0.10000000", "0.30000000")


def test_users_own_line_wins_over_star_whatever_the_order_of_lines():
    r = run(
        [
            fees("m", "0.0002", "0.0004"),
            fees("*", "0.0005", "0.0015"),
            *_trade(quantity="2.000"),
        ]
    )
    assert fee_pair(r) == ("0.04000000", "0.30000000")
    r = run(
        [
            fees("*", "0.0005", "0.0015"),
            fees("t", "0.0002", "0.0004"),
            *_trade(quantity="2.000"),
        ]
    )
    assert fee_pair(r) == ("0.10000000", "0.08000000")


def test_latest_line_for_a_user_applies():
    r = run([fees("m", "0.0002", "0.0004"), fees("m", "0.0003", "0.0004"), *_trade()])
    assert fee_pair(r) == ("0.03000000", "0.20000000")


def test_maker_pays_its_maker_rate_and_taker_its_taker_rate():
    r = run([fees("m", "0.0001", "0.0009"), fees("t", "0.0003", "0.0007"), *_trade()])
    assert fee_pair(r) == ("0.01000000", "0.07000000")


def test_negative_rates_are_rebates():
    r = run(
        [fees("m", "-0.0001", "0.0002"), fees("t", "0.0001", "-0.0003"), *_trade("m", "t", "2.000")]
    )
    assert fee_pair(r) == ("-0.02000000", "-0.06000000")


def test_rates_in_force_at_trade_time_apply():
    r = run(
        [
            limit(1, "m", "sell", "2.000", "100.00"),
            limit(2, "t", "buy", "1.000", "100.00"),
            fees("m", "0.0003", "0.0004"),
            fees("t", "0.0005", "0.0006"),
            limit(3, "t", "buy", "1.000", "100.00"),
            fees("m", "0.5", "0.5"),
        ]
    )
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,1,2,buy,0.10000000,0.20000000",
        "2,BTC-USDT,100.00,1.000,1,3,buy,0.03000000,0.06000000",
    ]


def test_integer_user_in_fees_line_is_the_same_user_as_its_string_form():
    r = run([fees(5, "0.0003", "0.0004"), fees("6", "0.0001", "0.0007"), *_trade("5", 6)])
    assert fee_pair(r) == ("0.03000000", "0.07000000")


def test_self_trade_with_stp_none_charges_both_sides_to_the_same_user():
    r = run([fees("m", "0.0003", "0.0004"), *_trade("m", "m", stp="none")])
    assert fee_pair(r) == ("0.03000000", "0.04000000")


@pytest.mark.parametrize(
    "maker_rate,taker_rate,maker_fee,taker_fee",
    [
        ("0.0001", "-0.0001", "0.0002", "-0.0002"),  # 0.00015: a tie, away from zero
        ("-0.00017", "0.00017", "-0.0003", "0.0003"),  # 0.000255
        ("0.00005", "-0.00005", "0.0001", "-0.0001"),  # 0.000075
        ("0.00003", "-0.00003", "0.0000", "0.0000"),  # 0.000045: no minus sign on zero
        ("0", "-0", "0.0000", "0.0000"),
    ],
)
def test_round_half_up_to_quote_precision(maker_rate, taker_rate, maker_fee, taker_fee):
    r = run(
        [
            symbol(XRP, tick="0.0001", lot="1", quote_precision=4),
            fees("m", maker_rate, "0"),
            fees("t", "0", taker_rate),
            limit(1, "m", "sell", "3", "0.5000", symbol=XRP),
            limit(2, "t", "buy", "3", "0.5000", symbol=XRP),
        ]
    )
    assert r.tape == [f"1,XRP-USDT,0.5000,3,1,2,buy,{maker_fee},{taker_fee}"]


def test_ties_at_eight_decimals():
    # 123.45 x 0.123 = 15.18435
    r = run(
        [
            fees("m", "0.0001", "0"),
            fees("t", "0", "0.0003"),
            fees("n", "-0.0001", "0"),
            *_trade(quantity="0.123", price="123.45"),
            limit(3, "n", "sell", "0.123", "123.45"),
            limit(4, "t", "buy", "0.123", "123.45"),
        ]
    )
    assert fee_pair(r, 0) == ("0.00151844", "0.00455531")
    assert fee_pair(r, 1) == ("-0.00151844", "0.00455531")
    r = run(_trade(quantity="0.123", price="123.45"))
    assert fee_pair(r) == ("0.01518435", "0.03036870")


def test_each_trade_is_rounded_on_its_own():
    # 0.5000 x 1 x 0.0001 = 0.00005 -> 0.0001 per trade
    r = run(
        [
            symbol(XRP, tick="0.0001", lot="1", quote_precision=4),
            fees("*", "0.0001", "0.0001"),
            limit(1, "m", "sell", "1", "0.5000", symbol=XRP),
            limit(2, "m2", "sell", "1", "0.5000", symbol=XRP),
            limit(3, "t", "buy", "2", "0.5000", symbol=XRP),
        ]
    )
    assert [fee_pair(r, i) for i in range(2)] == [("0.0001", "0.0001")] * 2


def test_quote_precision_zero_prints_whole_units():
    r = run(
        [
            symbol("BIG-USD", tick="1", lot="1", quote_precision=0),
            fees("m", "0.05", "0.04"),
            fees("t", "-0.05", "0.04"),
            limit(1, "m", "sell", "1", "10", symbol="BIG-USD"),
            limit(2, "t", "buy", "1", "10", symbol="BIG-USD"),
            limit(3, "t", "sell", "1", "10", symbol="BIG-USD"),
            limit(4, "m", "buy", "1", "10", symbol="BIG-USD"),
        ]
    )
    assert r.tape == [
        "1,BIG-USD,10,1,1,2,buy,1,0",
        "2,BIG-USD,10,1,3,4,buy,-1,0",
    ]


def test_quote_precision_defaults_to_eight():
    r = run(
        [
            fees("*", "0.00000001", "0.00000002"),
            *_trade(quantity="0.001", price="0.01"),
        ]
    )
    # notional 0.00001: fees 1e-13 and 2e-13 round to zero at 8 decimals
    assert fee_pair(r) == ("0.00000000", "0.00000000")


def test_tiny_rebate_rounding_to_zero_has_no_minus_sign():
    r = run([fees("*", "-0.0001", "-0.0004"), *_trade(quantity="0.001", price="0.01")])
    assert fee_pair(r) == ("0.00000000", "0.00000000")
