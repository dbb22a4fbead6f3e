"""SPEC.md §5, §9.13-15: self-trade prevention, all six modes (the incoming order's mode
applies), icebergs, and the FOK dry run with STP."""

from __future__ import annotations

from .helpers import limit, market, run


def _fills(r):
    """(quantity, maker, taker) of each trade."""
    return [tuple(line.split(",")[3:6]) for line in r.tape]


# ---- none ---------------------------------------------------------------------------------


def test_stp_none_lets_the_same_user_trade_and_pay_both_fees():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u1", "buy", "1.000", "100.00", stp="none"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,2,buy,0.10000000,0.20000000"]
    assert r.orders == ["1,filled,1.000,", "2,filled,1.000,"]


def test_different_users_are_never_prevented():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "buy", "1.000", "100.00", stp="cancel_both"),
        ]
    )
    assert _fills(r) == [("1.000", "1", "2")]


# ---- cancel_resting (the default) ---------------------------------------------------------


def test_default_stp_is_cancel_resting():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,filled,1.000,", "3,filled,1.000,"]
    assert _fills(r) == [("1.000", "2", "3")]


def test_cancel_resting_cancels_own_order_and_goes_on_matching_then_rests():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.500", "100.00", stp="cancel_resting"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,2,3,buy,0.10000000,0.20000000"]
    assert r.orders == ["1,cancelled,0.000,", "2,filled,1.000,", "3,partially_filled,1.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,3,0.500,0.500"]


def test_cancel_resting_across_several_levels():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u1", "sell", "1.000", "101.00"),
            limit(3, "u2", "sell", "1.000", "102.00"),
            market(4, "u1", "buy", "1.000", stp="cancel_resting"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,102.00,1.000,3,4,buy,0.10200000,0.20400000"]
    assert r.orders[:2] == ["1,cancelled,0.000,", "2,cancelled,0.000,"]
    assert r.book == []


def test_cancel_resting_cancels_a_whole_iceberg():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
            limit(2, "u1", "buy", "1.000", "100.00"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,cancelled,0.000,", "2,new,0.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,2,1.000,1.000"]


def test_integer_and_string_user_are_the_same_user():
    r = run(
        [
            limit(1, 7, "sell", "1.000", "100.00"),
            limit(2, "7", "buy", "1.000", "100.00"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,cancelled,0.000,", "2,new,0.000,"]


def test_the_incoming_orders_mode_applies_not_the_resting_ones():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00", stp="cancel_incoming"),
            limit(2, "u1", "buy", "1.000", "100.00", stp="cancel_resting"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,new,0.000,"]
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00", stp="cancel_both"),
            limit(2, "u1", "buy", "1.000", "100.00", stp="none"),
        ]
    )
    assert r.orders == ["1,filled,1.000,", "2,filled,1.000,"]


# ---- cancel_incoming ----------------------------------------------------------------------


def _own_in_the_middle(stp):
    return [
        limit(1, "u2", "sell", "0.500", "100.00"),
        limit(2, "u1", "sell", "1.000", "100.00"),
        limit(3, "u3", "sell", "1.000", "100.00"),
        limit(4, "u1", "buy", "2.000", "100.00", stp=stp),
    ]


def test_cancel_incoming_stops_the_taker_which_keeps_its_fills_and_does_not_rest():
    r = run(_own_in_the_middle("cancel_incoming"))
    assert r.tape == ["1,BTC-USDT,100.00,0.500,1,4,buy,0.05000000,0.10000000"]
    assert r.orders == [
        "1,filled,0.500,",
        "2,new,0.000,",
        "3,new,0.000,",
        "4,cancelled,0.500,",
    ]
    assert r.book == [
        "BTC-USDT,sell,100.00,2,1.000,1.000",
        "BTC-USDT,sell,100.00,3,1.000,1.000",
    ]


def test_market_order_cancelled_by_stp_is_cancelled_not_expired():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            market(2, "u1", "buy", "1.000", stp="cancel_incoming"),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,cancelled,0.000,"]


# ---- cancel_both --------------------------------------------------------------------------


def test_cancel_both_cancels_both_and_stops():
    r = run(_own_in_the_middle("cancel_both"))
    assert r.tape == ["1,BTC-USDT,100.00,0.500,1,4,buy,0.05000000,0.10000000"]
    assert r.orders == [
        "1,filled,0.500,",
        "2,cancelled,0.000,",
        "3,new,0.000,",
        "4,cancelled,0.500,",
    ]
    assert r.book == ["BTC-USDT,sell,100.00,3,1.000,1.000"]


# ---- decrement_both -----------------------------------------------------------------------


def test_decrement_both_empties_the_resting_order_and_goes_on_matching():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "2.500", "100.00", stp="decrement_both"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,2,3,buy,0.10000000,0.20000000"]
    assert r.orders == ["1,cancelled,0.000,", "2,filled,1.000,", "3,partially_filled,1.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,3,0.500,0.500"]


def test_decrement_both_reduces_a_larger_resting_order_which_keeps_status_and_place():
    setup = [
        limit(1, "u1", "sell", "1.000", "100.00"),
        limit(2, "u2", "sell", "1.000", "100.00"),
        limit(3, "u1", "buy", "0.400", "100.00", stp="decrement_both"),
    ]
    r = run(setup)
    assert r.tape == []
    assert r.orders == ["1,new,0.000,", "2,new,0.000,", "3,cancelled,0.000,"]
    assert r.book == [
        "BTC-USDT,sell,100.00,1,0.600,0.600",
        "BTC-USDT,sell,100.00,2,1.000,1.000",
    ]
    # Reduced, then traded away: `filled` with filled_quantity below its quantity (§9.14).
    r = run(setup + [limit(4, "u3", "buy", "0.600", "100.00")])
    assert r.tape == ["1,BTC-USDT,100.00,0.600,1,4,buy,0.06000000,0.12000000"]
    assert r.status(1) == "filled,0.600,"
    assert r.book == ["BTC-USDT,sell,100.00,2,1.000,1.000"]


def test_decrement_both_equal_quantities_cancels_both():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u1", "buy", "1.000", "100.00", stp="decrement_both"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,cancelled,0.000,", "2,cancelled,0.000,"]
    assert r.book == []


def test_decrement_both_keeps_a_partially_filled_resting_status():
    r = run(
        [
            limit(1, "u1", "sell", "2.000", "100.00"),
            limit(2, "u2", "buy", "0.500", "100.00"),
            limit(3, "u1", "buy", "0.500", "100.00", stp="decrement_both"),
        ]
    )
    assert r.status(1) == "partially_filled,0.500,"
    assert r.status(3) == "cancelled,0.000,"
    assert r.book == ["BTC-USDT,sell,100.00,1,1.000,1.000"]


def test_decrement_both_taker_reduced_then_traded_away_is_filled():
    r = run(
        [
            limit(1, "u1", "sell", "0.400", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00", stp="decrement_both"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,0.600,2,3,buy,0.06000000,0.12000000"]
    assert r.orders == ["1,cancelled,0.000,", "2,partially_filled,0.600,", "3,filled,0.600,"]
    assert r.book == ["BTC-USDT,sell,100.00,2,0.400,0.400"]


def test_decrement_both_taker_traded_then_reduced_to_zero_is_cancelled():
    r = run(
        [
            limit(1, "u2", "sell", "0.500", "100.00"),
            limit(2, "u1", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00", stp="decrement_both"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,0.500,1,3,buy,0.05000000,0.10000000"]
    assert r.orders == ["1,filled,0.500,", "2,new,0.000,", "3,cancelled,0.500,"]
    assert r.book == ["BTC-USDT,sell,100.00,2,0.500,0.500"]


def test_decrement_both_taker_that_only_decremented_rests_as_new():
    r = run(
        [
            limit(1, "u1", "sell", "0.300", "100.00"),
            limit(2, "u1", "buy", "1.000", "100.00", stp="decrement_both"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,cancelled,0.000,", "2,new,0.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,2,0.700,0.700"]


def test_decrement_both_iceberg_loses_visible_first_and_keeps_place():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "0.400", "100.00", stp="decrement_both"),
        ]
    )
    assert r.book == [
        "BTC-USDT,sell,100.00,1,0.600,2.600",
        "BTC-USDT,sell,100.00,2,1.000,1.000",
    ]
    assert r.status(1) == "new,0.000,"


def test_decrement_both_emptying_an_iceberg_slice_requeues_a_new_slice_at_the_back():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "0.400", "100.00", stp="decrement_both"),
            limit(4, "u1", "buy", "0.600", "100.00", stp="decrement_both"),
        ]
    )
    assert r.book == [
        "BTC-USDT,sell,100.00,2,1.000,1.000",
        "BTC-USDT,sell,100.00,1,1.000,2.000",
    ]
    assert r.orders[2:] == ["3,cancelled,0.000,", "4,cancelled,0.000,"]


def test_decrement_both_larger_than_the_slice_cuts_hidden_quantity_too():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.500", "100.00", stp="decrement_both"),
        ]
    )
    assert r.tape == []
    assert r.book == [
        "BTC-USDT,sell,100.00,2,1.000,1.000",
        "BTC-USDT,sell,100.00,1,1.000,1.500",
    ]
    assert r.status(3) == "cancelled,0.000,"


def test_decrement_both_uses_the_icebergs_total_remaining():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="1.000"),
            limit(2, "u1", "buy", "5.000", "100.00", stp="decrement_both"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,new,0.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,2,2.000,2.000"]


# ---- cancel_smallest ----------------------------------------------------------------------


def test_cancel_smallest_cancels_a_smaller_resting_order_and_goes_on():
    r = run(
        [
            limit(1, "u1", "sell", "0.500", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00", stp="cancel_smallest"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,2,3,buy,0.10000000,0.20000000"]
    assert r.orders == ["1,cancelled,0.000,", "2,filled,1.000,", "3,filled,1.000,"]


def test_cancel_smallest_cancels_a_smaller_taker_and_leaves_the_resting_order():
    r = run(
        [
            limit(1, "u1", "sell", "2.000", "100.00"),
            limit(2, "u1", "buy", "1.000", "100.00", stp="cancel_smallest"),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,cancelled,0.000,"]
    assert r.book == ["BTC-USDT,sell,100.00,1,2.000,2.000"]


def test_cancel_smallest_tie_cancels_both():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00", stp="cancel_smallest"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,cancelled,0.000,", "2,new,0.000,", "3,cancelled,0.000,"]
    assert r.book == ["BTC-USDT,sell,100.00,2,1.000,1.000"]


def test_cancel_smallest_compares_an_icebergs_total_remaining():
    r = run(
        [
            limit(1, "u1", "sell", "3.000", "100.00", display_quantity="0.500"),
            limit(2, "u1", "buy", "1.000", "100.00", stp="cancel_smallest"),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,cancelled,0.000,"]
    assert r.book == ["BTC-USDT,sell,100.00,1,0.500,3.000"]


def test_cancel_smallest_compares_the_takers_remaining_after_fills():
    r = run(
        [
            limit(1, "u2", "sell", "0.600", "100.00"),
            limit(2, "u1", "sell", "0.500", "100.00"),
            limit(3, "u3", "sell", "1.000", "100.00"),
            limit(4, "u1", "buy", "1.000", "100.00", stp="cancel_smallest"),
        ]
    )
    assert _fills(r) == [("0.600", "1", "4")]
    assert r.orders == ["1,filled,0.600,", "2,new,0.000,", "3,new,0.000,", "4,cancelled,0.600,"]


# ---- FOK and STP (the dry run, §3 and §9.15) ----------------------------------------------


def test_fok_dry_run_skips_own_orders_under_cancel_resting_without_side_effects():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "2.000", "100.00", tif="FOK", stp="cancel_resting"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,new,0.000,", "2,new,0.000,", "3,expired,0.000,"]
    assert r.book == [
        "BTC-USDT,sell,100.00,1,1.000,1.000",
        "BTC-USDT,sell,100.00,2,1.000,1.000",
    ]


def test_fok_that_fills_applies_its_cancel_resting_for_real():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "sell", "1.000", "100.00"),
            limit(4, "u1", "buy", "2.000", "100.00", tif="FOK"),
        ]
    )
    assert _fills(r) == [("1.000", "2", "4"), ("1.000", "3", "4")]
    assert r.orders == [
        "1,cancelled,0.000,",
        "2,filled,1.000,",
        "3,filled,1.000,",
        "4,filled,2.000,",
    ]
    assert r.book == []


def test_fok_that_would_be_cancelled_incoming_expires_without_trading():
    for stp in ("cancel_incoming", "cancel_both"):
        cmds = _own_in_the_middle(stp)
        cmds[-1]["tif"] = "FOK"
        r = run(cmds)
        assert r.tape == [], stp
        assert r.orders == [
            "1,new,0.000,",
            "2,new,0.000,",
            "3,new,0.000,",
            "4,expired,0.000,",
        ], stp
        assert len(r.book) == 3, stp


def test_fok_filled_before_meeting_its_own_order_fills():
    for stp in ("cancel_incoming", "cancel_both", "decrement_both", "cancel_smallest"):
        r = run(
            [
                limit(1, "u2", "sell", "1.000", "100.00"),
                limit(2, "u1", "sell", "1.000", "100.00"),
                limit(3, "u1", "buy", "1.000", "100.00", tif="FOK", stp=stp),
            ]
        )
        assert r.orders == ["1,filled,1.000,", "2,new,0.000,", "3,filled,1.000,"], stp


def test_fok_dry_run_does_not_count_decremented_quantity():
    r = run(
        [
            limit(1, "u1", "sell", "0.500", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00", tif="FOK", stp="decrement_both"),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,new,0.000,", "2,new,0.000,", "3,expired,0.000,"]
    assert r.book == [
        "BTC-USDT,sell,100.00,1,0.500,0.500",
        "BTC-USDT,sell,100.00,2,1.000,1.000",
    ]


def test_fok_only_decremented_against_own_order_expires_and_leaves_it_untouched():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "100.00", tif="FOK", stp="decrement_both"),
        ]
    )
    assert r.orders[2] == "3,expired,0.000,"
    assert r.book[0] == "BTC-USDT,sell,100.00,1,1.000,1.000"


def test_fok_cancel_smallest_removing_a_smaller_own_order_fills():
    r = run(
        [
            limit(1, "u1", "sell", "0.500", "100.00"),
            limit(2, "u2", "sell", "2.000", "100.00"),
            limit(3, "u1", "buy", "2.000", "100.00", tif="FOK", stp="cancel_smallest"),
        ]
    )
    assert _fills(r) == [("2.000", "2", "3")]
    assert r.orders == ["1,cancelled,0.000,", "2,filled,2.000,", "3,filled,2.000,"]


def test_fok_cancel_smallest_that_would_cancel_the_taker_expires():
    for own in ("3.000", "2.000"):  # larger, then a tie
        r = run(
            [
                limit(1, "u1", "sell", own, "100.00"),
                limit(2, "u2", "sell", "2.000", "100.00"),
                limit(3, "u1", "buy", "2.000", "100.00", tif="FOK", stp="cancel_smallest"),
            ]
        )
        assert r.tape == [], own
        assert r.orders == ["1,new,0.000,", "2,new,0.000,", "3,expired,0.000,"], own


def test_fok_stp_none_counts_own_orders():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            market(2, "u1", "buy", "1.000", tif="FOK", stp="none"),
        ]
    )
    assert r.orders == ["1,filled,1.000,", "2,filled,1.000,"]
