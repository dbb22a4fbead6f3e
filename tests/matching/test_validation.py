"""SPEC.md §2 (every rejection reason, in its order) and §9.1-3, 7-11 (what is a decimal,
null as absent, ids, case-sensitive names, post_only, malformed expire_at, precedence,
equality at the limits, exact grid checks)."""

from __future__ import annotations

import pytest

from matching.engine.events import REFUSED, as_record

from .helpers import cancel, limit, market, run, symbol, tick

DROP = object()
CLOCK = 5000
# min_qty 0.002 and min_notional 10; the clock is at 5000.
SETUP = [
    symbol(min_qty="0.002", min_notional="10"),
    tick(CLOCK),
]
BASE = {
    "op": "new",
    "id": 1,
    "user": "u1",
    "symbol": "BTC-USDT",
    "side": "buy",
    "type": "limit",
    "quantity": "1.000",
    "price": "100.00",
}


def order(**changes):
    cmd = dict(BASE)
    for key, value in changes.items():
        if value is DROP:
            cmd.pop(key, None)
        else:
            cmd[key] = value
    return cmd


def outcome(cmd, before=()):
    """The orders.csv line of `cmd` (id 1) on a fresh engine, without the id."""
    r = run([*SETUP, *before, cmd], define_symbol=False)
    return r.status(1)


def rejected(reason, places="0.000"):
    return f"rejected,{places},{reason}"


def market_style(order_type="market", **changes):
    changes.setdefault("price", DROP)
    return order(type=order_type, **changes)


def triggered(order_type, **changes):
    changes.setdefault("trigger_price", "90.00")
    if order_type in ("stop_loss", "take_profit"):
        changes.setdefault("price", DROP)
    return order(type=order_type, **changes)


# ---- every reason -------------------------------------------------------------------------

CASES = {
    # 2. unknown_symbol (its filled_quantity prints as 0: no lot size to format with, §9.10)
    "symbol_unknown": (order(symbol="ETH-USDT"), rejected("unknown_symbol", "0")),
    "symbol_case": (order(symbol="btc-usdt"), rejected("unknown_symbol", "0")),
    "symbol_number": (order(symbol=5), rejected("unknown_symbol", "0")),
    "symbol_null": (order(symbol=None), rejected("unknown_symbol", "0")),
    "symbol_missing": (order(symbol=DROP), rejected("unknown_symbol", "0")),
    # 3. invalid_side
    "side_unknown": (order(side="long"), rejected("invalid_side")),
    "side_case": (order(side="BUY"), rejected("invalid_side")),
    "side_missing": (order(side=DROP), rejected("invalid_side")),
    "side_null": (order(side=None), rejected("invalid_side")),
    "side_list": (order(side=["buy"]), rejected("invalid_side")),
    # 4. invalid_type
    "type_unknown": (order(type="stop"), rejected("invalid_type")),
    "type_case": (order(type="Limit"), rejected("invalid_type")),
    "type_missing": (order(type=DROP), rejected("invalid_type")),
    "type_number": (order(type=1), rejected("invalid_type")),
    # 5. invalid_tif
    "tif_unknown": (order(tif="GTX"), rejected("invalid_tif")),
    "tif_case": (order(tif="gtc"), rejected("invalid_tif")),
    "tif_empty": (order(tif=""), rejected("invalid_tif")),
    "tif_number": (order(tif=0), rejected("invalid_tif")),
    # 6. invalid_quantity, lot_size, min_qty
    "qty_text": (order(quantity="abc"), rejected("invalid_quantity")),
    "qty_zero": (order(quantity="0"), rejected("invalid_quantity")),
    "qty_zero_decimals": (order(quantity="0.000"), rejected("invalid_quantity")),
    "qty_negative": (order(quantity="-1.000"), rejected("invalid_quantity")),
    "qty_missing": (order(quantity=DROP), rejected("invalid_quantity")),
    "qty_null": (order(quantity=None), rejected("invalid_quantity")),
    "qty_json_int": (order(quantity=1), rejected("invalid_quantity")),
    "qty_json_float": (order(quantity=1.0), rejected("invalid_quantity")),
    "qty_bool": (order(quantity=True), rejected("invalid_quantity")),
    "qty_exponent": (order(quantity="1e0"), rejected("invalid_quantity")),
    "qty_space": (order(quantity=" 1.000"), rejected("invalid_quantity")),
    "qty_trailing_dot": (order(quantity="1."), rejected("invalid_quantity")),
    "qty_unicode_digits": (order(quantity="١٢"), rejected("invalid_quantity")),
    "qty_nan": (order(quantity="NaN"), rejected("invalid_quantity")),
    "qty_infinity": (order(quantity="Infinity"), rejected("invalid_quantity")),
    "qty_double_sign": (order(quantity="+-1"), rejected("invalid_quantity")),
    "qty_comma": (order(quantity="1,000"), rejected("invalid_quantity")),
    "qty_hex": (order(quantity="0x10"), rejected("invalid_quantity")),
    "qty_underscore": (order(quantity="1_000"), rejected("invalid_quantity")),
    "qty_off_lot": (order(quantity="1.0005"), rejected("lot_size")),
    "qty_below_one_lot": (order(quantity="0.0001"), rejected("lot_size")),
    "qty_below_min_qty": (order(quantity="0.001"), rejected("min_qty")),
    # 7. price
    "price_missing": (order(price=DROP), rejected("invalid_price")),
    "price_null": (order(price=None), rejected("invalid_price")),
    "price_zero": (order(price="0"), rejected("invalid_price")),
    "price_negative": (order(price="-100.00"), rejected("invalid_price")),
    "price_text": (order(price="abc"), rejected("invalid_price")),
    "price_json_number": (order(price=100), rejected("invalid_price")),
    "price_exponent": (order(price="1e2"), rejected("invalid_price")),
    "price_off_tick": (order(price="100.001"), rejected("tick_size")),
    "price_off_tick_trailing_zero": (order(price="100.0050"), rejected("tick_size")),
    "stop_limit_price_missing": (triggered("stop_limit", price=DROP), rejected("invalid_price")),
    "tp_limit_price_off_tick": (
        triggered("take_profit_limit", price="99.999"),
        rejected("tick_size"),
    ),
    "price_on_market": (market_style(price="100.00"), rejected("invalid_combination")),
    "price_text_on_market": (market_style(price="abc"), rejected("invalid_combination")),
    "price_on_stop_loss": (triggered("stop_loss", price="100.00"), rejected("invalid_combination")),
    "price_on_take_profit": (triggered("take_profit", price="1"), rejected("invalid_combination")),
    # 8. trigger price
    "trigger_missing": (
        triggered("stop_loss", trigger_price=DROP),
        rejected("invalid_trigger_price"),
    ),
    "trigger_null": (
        triggered("take_profit", trigger_price=None),
        rejected("invalid_trigger_price"),
    ),
    "trigger_zero": (triggered("stop_limit", trigger_price="0"), rejected("invalid_trigger_price")),
    "trigger_negative": (
        triggered("take_profit_limit", trigger_price="-1.00"),
        rejected("invalid_trigger_price"),
    ),
    "trigger_json_number": (
        triggered("stop_loss", trigger_price=90),
        rejected("invalid_trigger_price"),
    ),
    "trigger_text": (triggered("stop_loss", trigger_price="x"), rejected("invalid_trigger_price")),
    "trigger_off_tick": (triggered("stop_limit", trigger_price="90.005"), rejected("tick_size")),
    "trigger_on_limit": (order(trigger_price="99.00"), rejected("invalid_combination")),
    "trigger_text_on_limit": (order(trigger_price="abc"), rejected("invalid_combination")),
    "trigger_on_market": (market_style(trigger_price="99.00"), rejected("invalid_combination")),
    # 9. tif against type
    "market_gtc": (market_style(tif="GTC"), rejected("invalid_combination")),
    "market_day": (market_style(tif="DAY"), rejected("invalid_combination")),
    "stop_loss_gtd": (
        triggered("stop_loss", tif="GTD", expire_at=10**13),
        rejected("invalid_combination"),
    ),
    "take_profit_day": (triggered("take_profit", tif="DAY"), rejected("invalid_combination")),
    # 10. display_quantity
    "display_with_ioc": (
        order(tif="IOC", display_quantity="0.500"),
        rejected("invalid_combination"),
    ),
    "display_with_fok": (
        order(tif="FOK", display_quantity="0.500"),
        rejected("invalid_combination"),
    ),
    "display_on_market": (market_style(display_quantity="0.500"), rejected("invalid_combination")),
    "display_on_stop_loss": (
        triggered("stop_loss", display_quantity="0.500"),
        rejected("invalid_combination"),
    ),
    "display_zero_with_ioc": (
        order(tif="IOC", display_quantity="0"),
        rejected("invalid_combination"),
    ),
    "display_zero": (order(display_quantity="0"), rejected("invalid_display_quantity")),
    "display_negative": (order(display_quantity="-0.500"), rejected("invalid_display_quantity")),
    "display_off_lot": (order(display_quantity="0.0005"), rejected("invalid_display_quantity")),
    "display_above_qty": (order(display_quantity="1.001"), rejected("invalid_display_quantity")),
    "display_text": (order(display_quantity="abc"), rejected("invalid_display_quantity")),
    "display_json_number": (order(display_quantity=0.5), rejected("invalid_display_quantity")),
    # 11. post_only
    "post_only_ioc": (order(tif="IOC", post_only=True), rejected("invalid_combination")),
    "post_only_fok": (order(tif="FOK", post_only=True), rejected("invalid_combination")),
    "post_only_market": (market_style(post_only=True), rejected("invalid_combination")),
    "post_only_take_profit": (
        triggered("take_profit", post_only=True),
        rejected("invalid_combination"),
    ),
    # 12. GTD / expire_at
    "gtd_without_expire_at": (order(tif="GTD"), rejected("invalid_combination")),
    "gtd_with_null_expire_at": (order(tif="GTD", expire_at=None), rejected("invalid_combination")),
    "gtd_with_string_expire_at": (
        order(tif="GTD", expire_at="9999999999999"),
        rejected("invalid_combination"),
    ),
    "gtd_with_float_expire_at": (
        order(tif="GTD", expire_at=9999999999999.0),
        rejected("invalid_combination"),
    ),
    "gtd_with_bool_expire_at": (order(tif="GTD", expire_at=True), rejected("invalid_combination")),
    "gtd_expire_at_clock": (order(tif="GTD", expire_at=CLOCK), rejected("expire_at_in_past")),
    "gtd_expire_at_before": (order(tif="GTD", expire_at=CLOCK - 1), rejected("expire_at_in_past")),
    "gtd_expire_at_negative": (order(tif="GTD", expire_at=-1), rejected("expire_at_in_past")),
    "expire_at_with_gtc": (order(tif="GTC", expire_at=10**13), rejected("invalid_combination")),
    "expire_at_with_default_tif": (order(expire_at=10**13), rejected("invalid_combination")),
    "expire_at_with_day": (order(tif="DAY", expire_at=10**13), rejected("invalid_combination")),
    "expire_at_with_ioc": (order(tif="IOC", expire_at=10**13), rejected("invalid_combination")),
    "expire_at_on_market": (market_style(expire_at=10**13), rejected("invalid_combination")),
    # 13. invalid_stp
    "stp_unknown": (order(stp="cancel_oldest"), rejected("invalid_stp")),
    "stp_case": (order(stp="NONE"), rejected("invalid_stp")),
    "stp_empty": (order(stp=""), rejected("invalid_stp")),
    "stp_number": (order(stp=1), rejected("invalid_stp")),
    # 14. min_notional (priced types, the limit price: 0.002 x 4999.99 = 9.99998)
    "below_min_notional": (order(quantity="0.002", price="4999.99"), rejected("min_notional")),
    "stop_limit_min_notional_uses_price_not_trigger": (
        triggered("stop_limit", quantity="0.002", trigger_price="10000.00"),
        rejected("min_notional"),
    ),
}

ACCEPTED = {
    "min_qty_equal": (order(quantity="0.002", price="5000.00"), "new,0.000,"),
    "min_notional_equal": (order(quantity="0.100", price="100.00"), "new,0.000,"),
    "stop_limit_min_notional_equal_low_trigger": (
        triggered("stop_limit", quantity="0.002", price="5000.00", trigger_price="1.00"),
        "pending_trigger,0.000,",
    ),
    "market_has_no_min_notional": (market_style(quantity="0.002"), "expired,0.000,"),
    "stop_loss_has_no_min_notional": (
        triggered("stop_loss", quantity="0.002"),
        "pending_trigger,0.000,",
    ),
    "display_equal_to_quantity": (order(display_quantity="1.000"), "new,0.000,"),
    "display_on_gtd": (
        order(tif="GTD", expire_at=CLOCK + 1, display_quantity="0.500"),
        "new,0.000,",
    ),
    "display_on_day": (order(tif="DAY", display_quantity="0.500"), "new,0.000,"),
    "display_on_stop_limit": (
        triggered("stop_limit", display_quantity="0.500"),
        "pending_trigger,0.000,",
    ),
    "gtd_expire_at_after_clock": (order(tif="GTD", expire_at=CLOCK + 1), "new,0.000,"),
    "post_only_gtc": (order(post_only=True), "new,0.000,"),
    "post_only_stop_limit": (triggered("stop_limit", post_only=True), "pending_trigger,0.000,"),
    "market_fok": (market_style(tif="FOK"), "expired,0.000,"),
    "stop_loss_fok": (triggered("stop_loss", tif="FOK"), "pending_trigger,0.000,"),
    "stop_limit_every_tif": (triggered("stop_limit", tif="DAY"), "pending_trigger,0.000,"),
    # §9.2: null counts as absent
    "null_tif": (order(tif=None), "new,0.000,"),
    "null_stp": (order(stp=None), "new,0.000,"),
    "null_display": (order(display_quantity=None), "new,0.000,"),
    "null_post_only": (order(post_only=None), "new,0.000,"),
    "null_expire_at": (order(expire_at=None), "new,0.000,"),
    "null_trigger_on_limit": (order(trigger_price=None), "new,0.000,"),
    "null_price_on_market": (market_style(price=None), "expired,0.000,"),
    "null_ts": (order(ts=None), "new,0.000,"),
    # §9.3: post_only is on only when it is JSON true
    "post_only_string_on_market": (market_style(post_only="true"), "expired,0.000,"),
    "post_only_one_on_ioc": (order(tif="IOC", post_only=1), "expired,0.000,"),
    "post_only_false_on_market": (market_style(post_only=False), "expired,0.000,"),
    # §9.7: a malformed expire_at counts as not given
    "string_expire_at_with_gtc": (order(expire_at="9999999999999"), "new,0.000,"),
    "float_expire_at_with_day": (order(tif="DAY", expire_at=1e13), "new,0.000,"),
    # §9.1: decimal forms
    "decimal_plus_sign": (order(quantity="+1.000", price="+100.00"), "new,0.000,"),
    "decimal_leading_dot": (order(quantity=".500", price="100.00"), "new,0.000,"),
    "decimal_leading_zeros": (order(quantity="0001.000", price="0100"), "new,0.000,"),
    # §9.11: exact grid checks
    "price_without_decimals": (order(price="100"), "new,0.000,"),
    "price_extra_zeros": (order(price="100.000000"), "new,0.000,"),
    "qty_extra_zeros": (order(quantity="0.0020", price="5000.00"), "new,0.000,"),
    "every_stp_mode": (order(stp="decrement_both"), "new,0.000,"),
}


@pytest.mark.parametrize("cmd,expected", CASES.values(), ids=CASES.keys())
def test_rejection_reason(cmd, expected):
    assert outcome(cmd) == expected


@pytest.mark.parametrize("cmd,expected", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted(cmd, expected):
    assert outcome(cmd) == expected


@pytest.mark.parametrize(
    "mode",
    [
        "none",
        "cancel_resting",
        "cancel_incoming",
        "cancel_both",
        "decrement_both",
        "cancel_smallest",
    ],
)
def test_all_six_stp_modes_are_valid(mode):
    assert outcome(order(stp=mode)) == "new,0.000,"


@pytest.mark.parametrize("tif", ["GTC", "IOC", "FOK", "DAY"])
def test_priced_types_take_every_tif(tif):
    expected = "expired,0.000," if tif in ("IOC", "FOK") else "new,0.000,"
    assert outcome(order(tif=tif)) == expected


# ---- precedence: the first failing rule in §2 order ---------------------------------------

PRECEDENCE = {
    "symbol_before_side": (
        order(symbol="NOPE", side="long", quantity="0"),
        rejected("unknown_symbol", "0"),
    ),
    "side_before_type": (order(side="long", type="stop"), rejected("invalid_side")),
    "type_before_tif": (order(type="stop", tif="GTX"), rejected("invalid_type")),
    "tif_before_quantity": (order(tif="GTX", quantity="0"), rejected("invalid_tif")),
    "quantity_before_price": (order(quantity="abc", price="abc"), rejected("invalid_quantity")),
    "lot_size_before_min_qty": (order(quantity="0.0015"), rejected("lot_size")),
    "min_qty_before_price": (order(quantity="0.001", price="0"), rejected("min_qty")),
    "price_before_trigger": (
        triggered("stop_limit", price="0", trigger_price=DROP),
        rejected("invalid_price"),
    ),
    "price_tick_before_trigger": (
        triggered("stop_limit", price="100.001", trigger_price=DROP),
        rejected("tick_size"),
    ),
    "price_combination_before_trigger": (
        triggered("stop_loss", price="abc", trigger_price=DROP),
        rejected("invalid_combination"),
    ),
    "trigger_before_tif_combination": (
        triggered("stop_loss", trigger_price="0", tif="GTC"),
        rejected("invalid_trigger_price"),
    ),
    "trigger_tick_before_tif_combination": (
        triggered("take_profit", trigger_price="95.001", tif="DAY"),
        rejected("tick_size"),
    ),
    "display_value_before_gtd_combination": (
        order(tif="GTD", display_quantity="5.000"),
        rejected("invalid_display_quantity"),
    ),
    "display_value_before_expire_at_in_past": (
        order(tif="GTD", expire_at=1, display_quantity="0"),
        rejected("invalid_display_quantity"),
    ),
    "display_value_before_stp": (
        order(display_quantity="2.000", stp="bogus"),
        rejected("invalid_display_quantity"),
    ),
    "display_value_before_min_notional": (
        order(quantity="0.002", display_quantity="0.003"),
        rejected("invalid_display_quantity"),
    ),
    "expire_at_in_past_before_stp": (
        order(tif="GTD", expire_at=10, stp="bogus"),
        rejected("expire_at_in_past"),
    ),
    "expire_at_combination_before_stp": (
        order(expire_at=10**13, stp="bogus"),
        rejected("invalid_combination"),
    ),
    "stp_before_min_notional": (order(quantity="0.002", stp="bogus"), rejected("invalid_stp")),
    "symbol_before_everything": (
        order(symbol="NOPE", quantity="abc", price="abc", stp="x"),
        rejected("unknown_symbol", "0"),
    ),
}


@pytest.mark.parametrize("cmd,expected", PRECEDENCE.values(), ids=PRECEDENCE.keys())
def test_first_failing_rule_wins(cmd, expected):
    assert outcome(cmd) == expected


def test_min_notional_before_post_only_would_take():
    ask = limit(9, "u2", "sell", "1.000", "100.00")
    assert outcome(order(quantity="0.002", post_only=True), [ask]) == rejected("min_notional")
    assert outcome(order(post_only=True), [ask]) == rejected("post_only_would_take")


# ---- duplicates, ids and users (§2, §9.3, §9.8) -------------------------------------------


def test_duplicate_id_appears_nowhere_and_leaves_the_first_order_alone():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(1, "u2", "sell", "1.000", "100.00"),
        ]
    )
    assert r.orders == ["1,new,0.000,"]
    assert r.tape == []
    assert r.book == ["BTC-USDT,buy,100.00,1,1.000,1.000"]
    refusal = as_record(r.events[1][0])
    assert (refusal.kind, refusal.reason) == (REFUSED, "duplicate_order_id")


def test_integer_and_string_ids_are_the_same_id():
    r = run([limit(1, "u1", "buy", "1.000", "100.00"), limit("1", "u2", "buy", "1.000", "99.00")])
    assert r.orders == ["1,new,0.000,"]
    r = run([limit("7", "u1", "buy", "1.000", "100.00"), limit(7, "u2", "buy", "1.000", "99.00")])
    assert r.orders == ["7,new,0.000,"]
    assert len(r.book) == 1


def test_rejected_order_uses_its_id():
    r = run(
        [
            limit(5, "u1", "long", "1.000", "100.00"),
            limit(5, "u1", "buy", "1.000", "100.00"),
        ]
    )
    assert r.orders == ["5,rejected,0.000,invalid_side"]
    assert r.book == []


def test_ids_of_ended_orders_stay_used():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            cancel(1, "u1"),
            limit(2, "u1", "buy", "1.000", "100.00"),
            limit(3, "u2", "sell", "1.000", "100.00"),
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(2, "u1", "buy", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00", symbol="NOPE"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,filled,1.000,", "3,filled,1.000,"]
    assert r.book == []


def test_duplicate_check_comes_before_every_other_rule():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(1, "u1", "long", "abc", "abc", symbol="NOPE"),
        ]
    )
    assert r.orders == ["1,new,0.000,"]


# ---- rejected orders never touch the book -------------------------------------------------


def test_rejected_crossing_order_does_not_trade():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "100.00", stp="bogus"),
            market(3, "u2", "buy", "1.000", tif="GTC"),
        ]
    )
    assert r.tape == []
    assert r.book == ["BTC-USDT,sell,100.00,1,1.000,1.000"]


def test_rejected_stop_never_waits():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "90.00"),
            {
                "op": "new",
                "id": 2,
                "user": "u2",
                "symbol": "BTC-USDT",
                "side": "sell",
                "type": "stop_loss",
                "quantity": "1.000",
                "trigger_price": "95.00",
                "tif": "GTC",
            },
            limit(3, "x1", "sell", "0.100", "95.00"),
            limit(4, "x2", "buy", "0.100", "95.00"),
        ]
    )
    assert r.status(2) == "rejected,0.000,invalid_combination"
    assert r.status(1) == "new,0.000,"


def test_rejected_order_prints_zero_with_its_markets_lot_places():
    r = run(
        [
            symbol("ETH-USDT", lot="0.01"),
            symbol("DOGE-USDT", tick="0.0001", lot="1"),
            limit(1, "u1", "long", "1.00", "100.00", symbol="ETH-USDT"),
            limit(2, "u1", "long", "1", "1.0000", symbol="DOGE-USDT"),
            limit(3, "u1", "long", "1.000", "100.00"),
            limit(4, "u1", "buy", "1.000", "100.00", symbol="NOPE"),
        ]
    )
    assert r.orders == [
        "1,rejected,0.00,invalid_side",
        "2,rejected,0,invalid_side",
        "3,rejected,0.000,invalid_side",
        "4,rejected,0,unknown_symbol",
    ]


def test_names_are_case_sensitive_in_symbol_too():
    r = run([symbol("eth-usdt"), limit(1, "u1", "buy", "1.000", "100.00", symbol="ETH-USDT")])
    assert r.orders == ["1,rejected,0,unknown_symbol"]


# The optional fields are read only when the command has keys besides the usual ones
# (validation.py, `checked_order`'s `found`): each case hides one behind a usual key that is
# null or missing, or beside an unknown key, so the key count alone would not show it.
HIDDEN_OPTIONAL = {
    "display_quantity_without_ts": (
        order(display_quantity="2.000"),
        rejected("invalid_display_quantity"),
    ),
    "post_only_with_ts": (
        order(post_only=True, ts=CLOCK, tif="IOC"),
        rejected("invalid_combination"),
    ),
    "stp_beside_a_null_tif": (order(tif=None, stp="bogus"), rejected("invalid_stp")),
    "stp_beside_a_null_client_order_id": (
        order(client_order_id=None, stp="bogus"),
        rejected("invalid_stp"),
    ),
    "expire_at_beside_a_null_ts": (
        order(ts=None, expire_at=CLOCK + 1),
        rejected("invalid_combination"),
    ),
    "trigger_beside_an_unknown_key": (
        order(note="x", trigger_price="90.00"),
        rejected("invalid_combination"),
    ),
    "quote_quantity_with_a_null_price": (
        market_style(quantity=DROP, price=None, quote_quantity="50.00", ts=CLOCK),
        "expired,0.000,",  # taken (not invalid_quantity), and nothing to buy in an empty book
    ),
}


@pytest.mark.parametrize("cmd,expected", HIDDEN_OPTIONAL.values(), ids=HIDDEN_OPTIONAL.keys())
def test_an_optional_field_is_read_whatever_else_the_command_holds(cmd, expected):
    assert outcome(cmd) == expected
