"""The engine's `quote_quantity` extension of `new` (API.md "Placing an order"): a market buy
that spends a notional (price × quantity, fees on top) instead of buying a quantity.

Hand-worked books on BTC-USDT (tick 0.01, lot 0.001, quote_precision 8; fees maker 0.001,
taker 0.002): at price P one lot costs P × 0.001, and at each maker the taker can afford
floor(notional left / (P × 0.001)) lots.
"""

from __future__ import annotations

import pytest

from matching.engine.events import ORDER
from matching.service.event_format import event_dict

from .helpers import limit, market, new, run, symbol, tick


def qbuy(order_id, user, quote, **extra) -> dict:
    """A market buy for `quote` USDT; `extra` adds or overrides fields (side, type, ...)."""
    cmd = new(order_id, user, "buy", "market", None)
    del cmd["quantity"]
    cmd["quote_quantity"] = quote
    cmd.update(extra)
    return cmd


def asks() -> list[dict]:
    return [
        limit(1, "u1", "sell", "1.000", "100.00"),
        limit(2, "u2", "sell", "1.000", "101.00"),
        limit(3, "u3", "sell", "1.000", "102.00"),
    ]


def final(r, index: int, order_id) -> object:
    """The last ORDER event of `order_id` in the `index`-th command, as a record."""
    updates = [u for u in r.order_updates(index) if u.order_id == order_id]
    return updates[-1]


# ---- matching ------------------------------------------------------------------------------


def test_buys_as_many_lots_as_the_notional_pays_for_walking_the_levels():
    # 100.00 × 1.000 = 100 spent, 50 left; at 101.00 floor(50 / 0.101) = 495 lots = 49.995;
    # 0.005 left cannot buy a lot at 101.00: filled.
    r = run([*asks(), qbuy(4, "u4", "150")])
    assert r.tape == [
        "1,BTC-USDT,100.00,1.000,1,4,buy,0.10000000,0.20000000",
        "2,BTC-USDT,101.00,0.495,2,4,buy,0.04999500,0.09999000",
    ]
    assert r.status(4) == "filled,1.495,"
    assert r.book == ["BTC-USDT,sell,101.00,2,0.505,0.505", "BTC-USDT,sell,102.00,3,1.000,1.000"]
    update = final(r, 3, 4)
    assert (update.status, update.quantity, update.filled, update.remaining) == (
        "filled",
        1495,
        1495,
        0,
    )
    assert (update.price, update.visible, update.side) == (None, 0, "buy")


def test_the_order_event_says_quantity_is_what_filled():
    r = run([*asks(), qbuy(4, "u4", "150")])
    event = next(e for e in r.events[3] if e[0] == ORDER and e[1] == 4)
    shown = event_dict(r.engine, event)
    assert (shown["quantity"], shown["filled_quantity"], shown["remaining_quantity"]) == (
        "1.495",
        "1.495",
        "0.000",
    )


def test_fees_are_charged_on_top_of_the_notional():
    r = run([limit(1, "u1", "sell", "2.000", "100.00"), qbuy(2, "u2", "100")])
    # all 100 USDT buys 1.000; the taker's 0.2 fee is on top, not taken out of the 100
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,2,buy,0.10000000,0.20000000"]
    assert r.status(2) == "filled,1.000,"


def test_spending_everything_with_the_book_used_up_is_filled():
    r = run([limit(1, "u1", "sell", "1.000", "100.00"), qbuy(2, "u2", "100")])
    assert r.status(2) == "filled,1.000,"
    assert r.book == []


def test_the_book_running_out_with_notional_left_expires_the_rest():
    r = run([*asks(), qbuy(4, "u4", "500")])  # the book holds 303 USDT
    assert [line.split(",")[3] for line in r.tape] == ["1.000", "1.000", "1.000"]
    assert r.status(4) == "expired,3.000,"
    update = final(r, 3, 4)
    assert (update.quantity, update.filled, update.remaining) == (3000, 3000, 0)
    assert r.book == []


def test_an_empty_book_expires_with_nothing_bought():
    r = run([qbuy(1, "u1", "100")])
    assert r.tape == []
    assert r.status(1) == "expired,0.000,"
    update = final(r, 0, 1)
    assert (update.status, update.quantity, update.filled, update.remaining) == (
        "expired",
        0,
        0,
        0,
    )


def test_a_notional_below_one_lot_at_the_best_ask_buys_nothing_and_expires():
    r = run([*asks(), qbuy(4, "u4", "0.09999999")])  # one lot at 100.00 costs 0.1
    assert r.tape == []
    assert r.status(4) == "expired,0.000,"
    assert len(r.book) == 3


def test_exact_arithmetic_at_quote_precision():
    # 100.00000001 buys 1.000 at 100.00 and keeps 0.00000001: filled, the next lot unaffordable
    r = run([*asks(), qbuy(4, "u4", "100.00000001")])
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,4,buy,0.10000000,0.20000000"]
    assert r.status(4) == "filled,1.000,"
    # 100.101 buys 1.000 at 100.00, then exactly one lot at 101.00
    r = run([*asks(), qbuy(4, "u4", "100.101")])
    assert [line.split(",")[2:4] for line in r.tape] == [["100.00", "1.000"], ["101.00", "0.001"]]
    assert r.status(4) == "filled,1.001,"


def test_fills_take_makers_in_price_time_priority_within_a_level():
    r = run(
        [
            limit(1, "u1", "sell", "0.300", "100.00"),
            limit(2, "u2", "sell", "0.300", "100.00"),
            limit(3, "u3", "sell", "0.300", "99.00"),
            qbuy(4, "u4", "60"),  # 0.300 × 99 = 29.7; 0.300 × 100 = 30; 0.3 left: 0.003 of 2
        ]
    )
    assert [line.split(",")[2:5] for line in r.tape] == [
        ["99.00", "0.300", "3"],
        ["100.00", "0.300", "1"],
        ["100.00", "0.003", "2"],
    ]
    assert r.status(4) == "filled,0.603,"


def test_a_coarse_grid_floors_to_whole_lots():
    cmds = [
        symbol("ETH-USD", tick="0.5", lot="0.1", quote_precision=2),
        limit(1, "u1", "sell", "10.0", "1000.5", symbol="ETH-USD"),
        qbuy(2, "u2", "250.12", symbol="ETH-USD"),  # a lot costs 100.05: 2 lots = 200.10
    ]
    r = run(cmds, define_symbol=False)
    assert r.tape == ["1,ETH-USD,1000.5,0.2,1,2,buy,0.20,0.40"]
    assert r.status(2) == "filled,0.2,"


def test_icebergs_show_slices_to_a_quote_order_as_to_any_taker():
    r = run(
        [
            limit(1, "u1", "sell", "2.000", "100.00", display_quantity="0.500"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            qbuy(3, "u3", "200"),
        ]
    )
    assert [line.split(",")[3:5] for line in r.tape] == [
        ["0.500", "1"],
        ["1.000", "2"],
        ["0.500", "1"],
    ]
    assert r.status(3) == "filled,2.000,"
    assert r.book == ["BTC-USDT,sell,100.00,1,0.500,1.000"]  # 1.000 left, a slice showing


def test_the_taker_never_rests_and_triggers_fire_after_it():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "101.00"),
            new(5, "u5", "buy", "stop_loss", "0.500", trigger_price="100.00"),
            qbuy(4, "u4", "100"),  # buys 1 at 100.00: the buy stop activates and takes 2
        ]
    )
    assert [line.split(",")[2:6] for line in r.tape] == [
        ["100.00", "1.000", "1", "4"],
        ["101.00", "0.500", "2", "5"],
    ]
    statuses = [(u.order_id, u.status) for u in r.order_updates(3)]
    assert statuses.index((4, "filled")) < statuses.index((5, "filled"))
    assert r.status(4) == "filled,1.000,"
    assert r.status(5) == "filled,0.500,"


def test_ordinary_market_buys_are_unchanged_next_to_quote_orders():
    r = run([*asks(), qbuy(4, "u4", "150"), market(5, "u5", "buy", "1.000")])
    assert [line.split(",")[2:6] for line in r.tape[2:]] == [
        ["101.00", "0.505", "2", "5"],
        ["102.00", "0.495", "3", "5"],
    ]
    assert r.status(5) == "filled,1.000,"


# ---- self-trade prevention: the taker's "remaining" is the lots it can afford there -------------


def test_stp_none_trades_with_own_orders():
    r = run([limit(1, "u1", "sell", "1.000", "100.00"), qbuy(2, "u1", "50", stp="none")])
    assert r.tape == ["1,BTC-USDT,100.00,0.500,1,2,buy,0.05000000,0.10000000"]
    assert r.status(2) == "filled,0.500,"


def test_stp_cancel_resting_cancels_own_and_goes_on():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "2.000", "100.00"),
            qbuy(3, "u1", "150"),  # default stp: cancel_resting
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,partially_filled,1.500,", "3,filled,1.500,"]
    assert r.book == ["BTC-USDT,sell,100.00,2,0.500,0.500"]


@pytest.mark.parametrize(
    ("mode", "own_status"), [("cancel_incoming", "new"), ("cancel_both", "cancelled")]
)
def test_stp_cancel_incoming_and_both_stop_the_taker_with_what_it_bought(mode, own_status):
    r = run(
        [
            limit(1, "u2", "sell", "1.000", "100.00"),
            limit(2, "u1", "sell", "1.000", "101.00"),
            limit(3, "u3", "sell", "1.000", "102.00"),
            qbuy(4, "u1", "200", stp=mode),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,4,buy,0.10000000,0.20000000"]
    assert r.status(4) == "cancelled,1.000,"
    assert r.status(2) == f"{own_status},0.000,"
    update = final(r, 3, 4)
    assert (update.quantity, update.filled, update.remaining) == (1000, 1000, 0)


def test_stp_decrement_both_spends_notional_on_the_decrement_and_goes_on():
    # 1.000 at 100.00 (100 left); own 0.300 at 101.00: afford 990, cut 300, 30.3 gone (69.7
    # left) and the own order is cancelled; at 102.00 floor(69.7 / 0.102) = 683 lots.
    r = run(
        [
            limit(1, "u2", "sell", "1.000", "100.00"),
            limit(2, "u1", "sell", "0.300", "101.00"),
            limit(3, "u3", "sell", "1.000", "102.00"),
            qbuy(4, "u1", "200", stp="decrement_both"),
        ]
    )
    assert [line.split(",")[2:5] for line in r.tape] == [
        ["100.00", "1.000", "1"],
        ["102.00", "0.683", "3"],
    ]
    assert r.status(2) == "cancelled,0.000,"
    assert r.status(4) == "filled,1.683,"
    assert r.book == ["BTC-USDT,sell,102.00,3,0.317,0.317"]


def test_stp_decrement_both_that_uses_up_what_the_taker_can_afford_cancels_it():
    r = run(
        [
            limit(1, "u1", "sell", "2.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            qbuy(3, "u1", "100", stp="decrement_both"),  # affords 1000 lots: all decremented
        ]
    )
    assert r.tape == []
    assert r.status(3) == "cancelled,0.000,"
    assert r.status(1) == "new,0.000,"  # reduced, not emptied: keeps its status and place
    assert r.book == ["BTC-USDT,sell,100.00,1,1.000,1.000", "BTC-USDT,sell,100.00,2,1.000,1.000"]


def test_stp_decrement_both_emptying_the_resting_order_leaves_the_rest_to_trade():
    r = run(
        [
            limit(1, "u1", "sell", "0.500", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            qbuy(3, "u1", "100", stp="decrement_both"),  # 50 on the decrement, 50 buys 0.500
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,0.500,2,3,buy,0.05000000,0.10000000"]
    assert r.orders == ["1,cancelled,0.000,", "2,partially_filled,0.500,", "3,filled,0.500,"]


def test_stp_cancel_smallest_resting_smaller_than_what_the_taker_can_afford():
    r = run(
        [
            limit(1, "u1", "sell", "0.500", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            qbuy(3, "u1", "100", stp="cancel_smallest"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,filled,1.000,", "3,filled,1.000,"]


def test_stp_cancel_smallest_taker_smaller_is_cancelled():
    r = run(
        [limit(1, "u1", "sell", "2.000", "100.00"), qbuy(2, "u1", "100", stp="cancel_smallest")]
    )
    assert r.orders == ["1,new,0.000,", "2,cancelled,0.000,"]


def test_stp_cancel_smallest_tie_cancels_both():
    r = run(
        [limit(1, "u1", "sell", "1.000", "100.00"), qbuy(2, "u1", "100", stp="cancel_smallest")]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,cancelled,0.000,"]


def test_stp_cancel_smallest_compares_lots_affordable_at_that_makers_price():
    # 1.000 at 100.00 leaves 101; own 1.000 at 101.00 could be afforded exactly: a tie
    r = run(
        [
            limit(1, "u2", "sell", "1.000", "100.00"),
            limit(2, "u1", "sell", "1.000", "101.00"),
            qbuy(3, "u1", "201", stp="cancel_smallest"),
        ]
    )
    assert r.orders == ["1,filled,1.000,", "2,cancelled,0.000,", "3,cancelled,1.000,"]


# ---- validation ----------------------------------------------------------------------------

SETUP = [symbol(min_notional="10", min_qty="0.500"), tick(5000)]


def outcome(cmd) -> str:
    return run([*SETUP, cmd], define_symbol=False).status(cmd["id"])


def rejected(reason: str, places: str = "0.000") -> str:
    return f"rejected,{places},{reason}"


CASES = {
    # the combination
    "on_a_sell": (qbuy(1, "u1", "100", side="sell"), rejected("invalid_combination")),
    "on_a_limit": (
        qbuy(1, "u1", "100", type="limit", price="100.00"),
        rejected("invalid_combination"),
    ),
    "on_a_stop_loss": (
        qbuy(1, "u1", "100", type="stop_loss", trigger_price="100.00"),
        rejected("invalid_combination"),
    ),
    "on_a_take_profit": (
        qbuy(1, "u1", "100", type="take_profit", trigger_price="100.00"),
        rejected("invalid_combination"),
    ),
    "with_quantity": (qbuy(1, "u1", "100", quantity="1.000"), rejected("invalid_combination")),
    "with_bad_quantity": (qbuy(1, "u1", "100", quantity="abc"), rejected("invalid_combination")),
    "fok": (qbuy(1, "u1", "100", tif="FOK"), rejected("invalid_combination")),
    "gtc": (qbuy(1, "u1", "100", tif="GTC"), rejected("invalid_combination")),
    "fok_and_bad_value": (qbuy(1, "u1", "abc", tif="FOK"), rejected("invalid_combination")),
    # the value
    "text": (qbuy(1, "u1", "abc"), rejected("invalid_quote_quantity")),
    "json_number": (qbuy(1, "u1", 100), rejected("invalid_quote_quantity")),
    "json_bool": (qbuy(1, "u1", True), rejected("invalid_quote_quantity")),
    "list": (qbuy(1, "u1", ["100"]), rejected("invalid_quote_quantity")),
    "zero": (qbuy(1, "u1", "0"), rejected("invalid_quote_quantity")),
    "zero_decimals": (qbuy(1, "u1", "0.00000000"), rejected("invalid_quote_quantity")),
    "negative": (qbuy(1, "u1", "-100"), rejected("invalid_quote_quantity")),
    "exponent": (qbuy(1, "u1", "1e3"), rejected("invalid_quote_quantity")),
    "space": (qbuy(1, "u1", " 100"), rejected("invalid_quote_quantity")),
    "trailing_dot": (qbuy(1, "u1", "100."), rejected("invalid_quote_quantity")),
    "too_many_decimals": (qbuy(1, "u1", "100.000000001"), rejected("invalid_quote_quantity")),
    "empty": (qbuy(1, "u1", ""), rejected("invalid_quote_quantity")),
    # min_notional (equality passes) and what is not checked
    "below_min_notional": (qbuy(1, "u1", "9.99999999"), rejected("min_notional")),
    "at_min_notional": (qbuy(1, "u1", "10"), "expired,0.000,"),
    "trailing_zeros_count_by_value": (qbuy(1, "u1", "10.0000000000"), "expired,0.000,"),
    "plus_sign_and_leading_dot_forms": (qbuy(1, "u1", "+10.5"), "expired,0.000,"),
    "explicit_ioc": (qbuy(1, "u1", "100", tif="IOC"), "expired,0.000,"),
    "null_quantity": (qbuy(1, "u1", "100", quantity=None), "expired,0.000,"),
    # the position among the other rules
    "unknown_symbol_first": (qbuy(1, "u1", "abc", symbol="NOPE"), rejected("unknown_symbol", "0")),
    "invalid_side_first": (qbuy(1, "u1", "abc", side="BUY"), rejected("invalid_side")),
    "invalid_type_first": (qbuy(1, "u1", "abc", type="mkt"), rejected("invalid_type")),
    "invalid_tif_first": (qbuy(1, "u1", "abc", tif="ioc"), rejected("invalid_tif")),
    "before_price": (qbuy(1, "u1", "abc", price="100.00"), rejected("invalid_quote_quantity")),
    "before_trigger": (
        qbuy(1, "u1", "0", trigger_price="100.00"),
        rejected("invalid_quote_quantity"),
    ),
    "min_notional_before_stp": (qbuy(1, "u1", "1", stp="bogus"), rejected("min_notional")),
    "then_price": (qbuy(1, "u1", "100", price="100.00"), rejected("invalid_combination")),
    "then_stp": (qbuy(1, "u1", "100", stp="bogus"), rejected("invalid_stp")),
    "then_display": (
        qbuy(1, "u1", "100", display_quantity="0.500"),
        rejected("invalid_combination"),
    ),
    "then_post_only": (qbuy(1, "u1", "100", post_only=True), rejected("invalid_combination")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_validation(case):
    cmd, expected = CASES[case]
    assert outcome(cmd) == expected


def test_quote_precision_is_the_markets():
    cmds = [
        symbol("ETH-USD", tick="0.5", lot="0.1", quote_precision=2),
        qbuy(1, "u1", "10.001", symbol="ETH-USD"),
        qbuy(2, "u1", "10.01", symbol="ETH-USD"),
        qbuy(3, "u1", "10.010", symbol="ETH-USD"),
    ]
    r = run(cmds, define_symbol=False)
    assert r.orders == [
        "1,rejected,0.0,invalid_quote_quantity",
        "2,expired,0.0,",
        "3,expired,0.0,",
    ]


def test_min_qty_does_not_apply_to_a_quote_order():
    r = run([*SETUP, limit(1, "u1", "sell", "1.000", "100.00"), qbuy(2, "u2", "10")],
            define_symbol=False)  # fmt: skip
    assert r.status(2) == "filled,0.100,"  # below min_qty 0.500: min_qty is for orders given
    # in quantity; a quote order's quantity is only known when it ends


def test_a_rejected_quote_order_touches_nothing():
    r = run([*asks(), qbuy(4, "u4", "0", stp="none")])
    assert r.tape == []
    assert len(r.book) == 3
    assert final(r, 3, 4).status == "rejected"
