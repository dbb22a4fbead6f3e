"""Amending a resting order (matching/engine/amend.py): a size-down keeps the order's place
in its queue; a new price or a larger size sends it to the back (of its new level), a
crossing new price trades as a taker would; holds follow; a refusal changes nothing."""

from __future__ import annotations

from .funds_helpers import credit, run_funded
from .helpers import limit, new, run

A1 = limit(1, "u1", "sell", "2.000", "100.00")
A2 = limit(2, "u2", "sell", "2.000", "100.00")


def amend(order_id, user, **fields) -> dict:
    return {"op": "amend", "id": order_id, "user": user, **fields}


def test_a_size_down_keeps_the_place_in_the_queue() -> None:
    r = run([A1, A2, amend(1, "u1", quantity="1.500"), limit(3, "u3", "buy", "1.000", "100.00")])

    assert r.order_updates(2)[0].reason == "amended"
    assert [(t.maker_order_id, t.quantity) for t in r.trades()] == [(1, 1000)]
    assert r.status(1).startswith("partially_filled,1.000")
    assert r.book == ["BTC-USDT,sell,100.00,1,0.500,0.500", "BTC-USDT,sell,100.00,2,2.000,2.000"]


def test_a_larger_size_goes_to_the_back_of_the_level() -> None:
    r = run([A1, A2, amend(1, "u1", quantity="3.000"), limit(3, "u3", "buy", "1.000", "100.00")])

    assert [t.maker_order_id for t in r.trades()] == [2]
    assert r.book == ["BTC-USDT,sell,100.00,2,1.000,1.000", "BTC-USDT,sell,100.00,1,3.000,3.000"]


def test_a_new_price_goes_to_the_back_of_the_new_level() -> None:
    r = run(
        [
            A1,
            limit(2, "u2", "sell", "1.000", "101.00"),
            amend(1, "u1", price="101.00"),
            limit(3, "u3", "buy", "1.000", "101.00"),
        ]
    )

    assert [t.maker_order_id for t in r.trades()] == [2]
    assert r.book == ["BTC-USDT,sell,101.00,1,2.000,2.000"]  # behind nothing: 2 has filled


def test_a_crossing_new_price_trades_as_a_taker_and_the_rest_rests() -> None:
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "99.00"),
            limit(5, "u5", "sell", "3.000", "101.00"),
            amend(5, "u5", price="99.00"),
        ]
    )

    trades = r.trades()
    assert [(t.maker_order_id, t.taker_order_id, t.price, t.quantity) for t in trades] == [
        (1, 5, 9900, 1000)
    ]
    assert r.status(5).startswith("partially_filled,1.000")
    assert r.book == ["BTC-USDT,sell,99.00,5,2.000,2.000"]


def test_refusals_change_nothing() -> None:
    base = [A1, limit(2, "u2", "buy", "1.000", "99.00", post_only=True)]
    cases = [
        (amend(9, "u1", quantity="1.000"), "unknown_order"),
        (amend(1, "u2", quantity="1.000"), "unknown_order"),
        (amend(1, "u1"), "invalid_amend"),
        (amend(1, "u1", price="100.00", quantity="2.000"), "invalid_amend"),
        (amend(1, "u1", price="-1"), "invalid_price"),
        (amend(1, "u1", price="100.005"), "tick_size"),
        (amend(1, "u1", quantity="0"), "invalid_quantity"),
        (amend(1, "u1", quantity="1.0005"), "lot_size"),
        (amend(1, "u1", display_quantity="3.000"), "invalid_display_quantity"),
        (amend(2, "u2", price="100.00"), "post_only_would_take"),
    ]
    for command, reason in cases:
        r = run([*base, command])
        assert r.events[-1] == [("refused", "amend", command["id"], command["user"], reason)]
        assert r.book == ["BTC-USDT,buy,99.00,2,1.000,1.000", "BTC-USDT,sell,100.00,1,2.000,2.000"]


def test_quantity_must_stay_above_what_has_filled() -> None:
    r = run([A1, limit(2, "u2", "buy", "1.000", "100.00"), amend(1, "u1", quantity="1.000")])

    assert r.events[-1] == [("refused", "amend", 1, "u1", "invalid_amend")]


def test_a_waiting_stop_is_not_amended() -> None:
    stop = new(1, "u1", "sell", "stop_limit", "1.000", price="80.00", trigger_price="85.00")
    r = run([stop, amend(1, "u1", quantity="0.500")])

    assert r.events[-1] == [("refused", "amend", 1, "u1", "invalid_amend")]


def test_an_iceberg_s_display_can_shrink_in_place() -> None:
    r = run(
        [
            limit(1, "u1", "sell", "5.000", "100.00", display_quantity="2.000"),
            A2,
            amend(1, "u1", display_quantity="1.000"),
            limit(3, "u3", "buy", "1.000", "100.00"),
        ]
    )

    assert [t.maker_order_id for t in r.trades()] == [1]


def test_holds_follow_the_amend() -> None:
    r = run_funded(
        [
            credit("t1", "u1", "USDT", "1000"),
            limit(1, "u1", "buy", "2.000", "100.00"),
            amend(1, "u1", quantity="1.000"),
            amend(1, "u1", quantity="20.000"),
            amend(1, "u1", price="200.00"),
        ]
    )

    assert r.refusal(3) == "insufficient_funds"
    available, locked = r.balance("u1", "USDT")
    assert r.refusal(4) is None and float(locked) > 200  # 1 at 200.00, with the fee room
    assert float(available) + float(locked) == 1000
