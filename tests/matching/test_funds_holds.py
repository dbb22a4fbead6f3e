"""Holds with funds on (risk.py): taken when an order is accepted (or a stop activated),
checked as the last validation rule, released when the order ends.

BTC-USDT: tick 0.01, lot 0.001, quote_precision 8; default fees maker 0.001, taker 0.002.
"""

from __future__ import annotations

from matching.engine.events import POSTING, as_record

from .funds_helpers import amount, credit, run_funded
from .helpers import cancel, fees, limit, market, new, symbol, tick


def qbuy(order_id, user, quote: str) -> dict:
    cmd = new(order_id, user, "buy", "market", None, quote_quantity=quote)
    del cmd["quantity"]
    return cmd


def postings(r, index: int) -> list:
    return [(p.reason, p.asset, p.amount, p.order_id) for p in r.records(index, POSTING)]


def test_a_limit_buy_holds_its_notional_and_the_larger_fee_rate():
    r = run_funded(
        [
            fees("*", "-0.0001", "0.0005"),
            credit("t", "b", "USDT", "20000"),
            limit(1, "b", "buy", "0.500", "20000.00"),  # 10000 × (1 + 0.0005)
        ]
    )
    assert postings(r, 2) == [("hold", "USDT", amount("10005"), 1)]
    assert r.balance("b", "USDT") == ("9995", "10005")
    assert r.engine.live[1].hold_left == amount("10005")


def test_the_hold_is_rounded_up_to_quote_precision():
    r = run_funded(
        [
            credit("t", "b", "USDT", "1"),
            limit(1, "b", "buy", "0.001", "0.01"),  # 0.00001 × 1.002 = 0.00001002
            limit(2, "b", "buy", "0.003", "0.03"),  # 0.00009 × 1.002 = 0.00009018 → 0.00009018
            fees("b", "0.00123", "0"),
            limit(3, "b", "buy", "0.001", "0.01"),  # 0.00001 × 1.00123 → 0.00001002 (up)
        ]
    )
    assert postings(r, 1) == [("hold", "USDT", amount("0.00001002"), 1)]
    assert postings(r, 2) == [("hold", "USDT", amount("0.00009018"), 2)]
    assert postings(r, 4) == [("hold", "USDT", amount("0.00001002"), 3)]


def test_a_buy_with_only_rebates_holds_just_its_notional():
    r = run_funded(
        [
            fees("b", "-0.0002", "-0.0001"),
            credit("t", "b", "USDT", "50"),
            limit(1, "b", "buy", "0.500", "100.00"),
        ]
    )
    assert r.balance("b", "USDT") == ("0", "50")


def test_a_sell_holds_its_base_quantity():
    r = run_funded([credit("t", "s", "BTC", "2"), limit(1, "s", "sell", "1.250", "100.00")])
    assert postings(r, 1) == [("hold", "BTC", amount("1.25"), 1)]
    assert r.balance("s", "BTC") == ("0.75", "1.25")


def test_an_iceberg_holds_its_whole_quantity():
    r = run_funded(
        [
            credit("t", "s", "BTC", "2"),
            limit(1, "s", "sell", "2.000", "100.00", display_quantity="0.100"),
        ]
    )
    assert r.balance("s", "BTC") == ("0", "2")


def test_a_sell_without_enough_base_is_rejected_and_uses_up_its_id():
    r = run_funded(
        [
            credit("t", "s", "BTC", "0.5"),
            limit(1, "s", "sell", "0.501", "100.00"),
            market(2, "s", "sell", "0.600"),
            limit(1, "s", "sell", "0.100", "100.00"),
        ]
    )
    for index, order_id in ((1, 1), (2, 2)):
        (event,) = r.records(index)
        assert (event.order_id, event.status, event.reason) == (
            order_id,
            "rejected",
            "insufficient_funds",
        )
    assert r.refusal(3) == "duplicate_order_id"
    assert r.balance("s", "BTC") == ("0.5", "0")


def test_a_buy_without_enough_quote_is_rejected_holding_nothing():
    r = run_funded([credit("t", "b", "USDT", "100.19"), limit(1, "b", "buy", "1.000", "100.00")])
    (event,) = r.records(1)
    assert (event.status, event.reason) == ("rejected", "insufficient_funds")
    assert r.balance("b", "USDT") == ("100.19", "0")


def test_insufficient_funds_is_the_last_validation_rule():
    r = run_funded(
        [
            limit(1, "b", "buy", "1.000", "100.005"),  # off the tick grid, and no money
            new(2, "b", "buy", "limit", "1.000", price="100.00", tif="GTD"),  # no expire_at
        ]
    )
    assert r.order(1).reason == "tick_size"
    assert r.order(2).reason == "invalid_combination"


def test_min_notional_comes_before_insufficient_funds():
    r = run_funded([limit(1, "b", "buy", "0.001", "1.00")], symbols=[symbol(min_notional="1")])
    assert r.order(1).reason == "min_notional"


def test_partial_fills_then_cancel_release_what_is_left_of_the_hold():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "200"),
            credit("t2", "s", "BTC", "1"),
            limit(1, "b", "buy", "1.000", "100.00"),  # holds 100 × 1.002 = 100.2
            limit(2, "s", "sell", "0.300", "100.00"),  # b pays 30 + maker fee 0.03
            limit(3, "s", "sell", "0.200", "99.00"),  # at 100.00: b pays 20 + 0.02
            cancel(1, "b"),
        ]
    )
    assert postings(r, 5) == [("release", "USDT", amount("50.15"), 1)]
    assert r.balance("b", "USDT") == ("149.95", "0")
    assert r.balance("b", "BTC") == ("0.5", "0")
    assert r.balance("s", "USDT") == ("49.9", "0")  # 30 - 0.06 + 20 - 0.04
    assert r.balance("s", "BTC") == ("0.5", "0")
    assert r.fee_account() == ("0.15", "0")


def test_a_hold_is_kept_while_partially_filled():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "200"),
            credit("t2", "s", "BTC", "1"),
            limit(1, "b", "buy", "1.000", "100.00"),
            limit(2, "s", "sell", "0.300", "100.00"),
        ]
    )
    assert r.balance("b", "USDT") == ("99.8", "70.17")
    assert r.engine.live[1].hold_left == amount("70.17")


def test_expiry_releases_the_hold():
    r = run_funded(
        [
            credit("t", "s", "BTC", "1", ts=1_000),
            limit(1, "s", "sell", "0.400", "100.00", tif="GTD", expire_at=5_000),
            tick(4_999),
            tick(5_000),
        ]
    )
    assert r.balance("s", "BTC") == ("1", "0")
    assert postings(r, 3) == [("release", "BTC", amount("0.4"), 1)]
    assert r.order(1).status == "expired"


def test_an_ioc_remainder_releases_its_hold_at_once():
    r = run_funded(
        [
            credit("t", "b", "USDT", "1000"),
            limit(1, "b", "buy", "1.000", "100.00", tif="IOC"),
        ]
    )
    assert postings(r, 1) == [
        ("hold", "USDT", amount("100.2"), 1),
        ("release", "USDT", amount("100.2"), 1),
    ]
    assert r.balance("b", "USDT") == ("1000", "0")


def test_a_stop_holds_nothing_while_it_waits_and_holds_when_it_activates():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "1000"),
            credit("t2", "s", "BTC", "1"),
            credit("t3", "c", "USDT", "1000"),
            new(1, "b", "buy", "stop_limit", "1.000", price="101.00", trigger_price="100.00"),
            limit(2, "s", "sell", "0.100", "100.00"),
            limit(3, "c", "buy", "0.100", "100.00"),  # trades at 100.00: the stop activates
        ]
    )
    assert [e.kind for e in r.records(3)] == ["order"]  # no posting while it waits
    assert r.records(3)[0].status == "pending_trigger"
    assert [p for p in postings(r, 5) if p[3] == 1] == [("hold", "USDT", amount("101.202"), 1)]
    assert r.balance("b", "USDT") == ("898.798", "101.202")
    assert r.order(1).status == "new"


def test_a_stop_is_rejected_at_activation_without_the_funds():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "50"),
            credit("t2", "s", "BTC", "1"),
            credit("t3", "c", "USDT", "1000"),
            new(1, "b", "buy", "stop_limit", "1.000", price="101.00", trigger_price="100.00"),
            new(4, "s", "sell", "stop_loss", "2.000", trigger_price="100.00"),  # has only 1
            limit(2, "s", "sell", "0.100", "100.00"),
            limit(3, "c", "buy", "0.100", "100.00"),
        ]
    )
    ended = [(u.order_id, u.status, u.reason) for u in r.records(6, "order")]
    assert (1, "rejected", "insufficient_funds") in ended
    assert (4, "rejected", "insufficient_funds") in ended
    assert 1 not in r.engine.live and 4 not in r.engine.live
    assert r.balance("b", "USDT") == ("50", "0")
    assert r.balance("s", "BTC") == ("0.9", "0")


def test_a_quote_quantity_buy_holds_its_notional_with_fees_and_releases_the_rest():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "200"),
            credit("t2", "s", "BTC", "2"),
            limit(1, "s", "sell", "1.000", "100.00"),
            limit(2, "s", "sell", "1.000", "101.00"),
            qbuy(3, "b", "150"),  # holds 150.3; buys 1 at 100 and 0.495 at 101
        ]
    )
    legs = postings(r, 4)
    assert legs[0] == ("hold", "USDT", amount("150.3"), 3)
    # 100 + 0.2 and 49.995 + 0.09999 spent: 0.00501 left of the hold
    assert legs[-1] == ("release", "USDT", amount("0.00501"), 3)
    assert r.balance("b", "USDT") == ("49.70501", "0")
    assert r.balance("b", "BTC") == ("1.495", "0")
    assert r.order(3).status == "filled"


def test_a_quote_quantity_buy_without_the_funds_is_rejected():
    r = run_funded([credit("t1", "b", "USDT", "150.29"), qbuy(3, "b", "150")])
    assert (r.order(3).status, r.order(3).reason) == ("rejected", "insufficient_funds")
    assert r.balance("b", "USDT") == ("150.29", "0")


def test_a_post_only_rejection_releases_the_hold():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "200"),
            credit("t2", "s", "BTC", "2"),
            limit(1, "s", "sell", "1.000", "100.00"),
            limit(2, "b", "buy", "1.000", "100.00", post_only=True),
        ]
    )
    assert [p[0] for p in postings(r, 3)] == ["hold", "release"]
    assert r.order(2).reason == "post_only_would_take"
    assert r.balance("b", "USDT") == ("200", "0")


def test_a_hold_event_comes_before_the_order_event():
    r = run_funded([credit("t", "s", "BTC", "1"), limit(1, "s", "sell", "1.000", "100.00")])
    kinds = [as_record(e).kind for e in r.events[1]]
    assert kinds == ["posting", "order", "balance"]
