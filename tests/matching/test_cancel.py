"""SPEC.md §1-2 and §9.8: `cancel` ends a live order (resting or waiting) of the same user;
anything else is refused with `unknown_order`, changes nothing and appears in no output."""

from __future__ import annotations

from matching.engine.events import REFUSED, as_record

from .helpers import cancel, limit, market, new, run, symbol


def refusal(r, index):
    records = r.records(index)
    assert len(records) == 1
    return records[0]


def test_cancel_removes_a_resting_order():
    r = run([limit(1, "u1", "buy", "1.000", "100.00"), cancel(1, "u1")])
    assert r.orders == ["1,cancelled,0.000,"]
    assert r.book == []


def test_cancel_keeps_the_fills_of_a_partially_filled_order():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(2, "u2", "sell", "0.400", "100.00"),
            cancel(1, "u1"),
        ]
    )
    assert r.orders == ["1,cancelled,0.400,", "2,filled,0.400,"]
    assert len(r.tape) == 1
    assert r.book == []


def test_cancel_removes_an_iceberg_with_its_hidden_quantity():
    r = run(
        [
            limit(1, "u1", "sell", "5.000", "100.00", display_quantity="1.000"),
            cancel(1, "u1"),
            market(2, "u2", "buy", "1.000"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,expired,0.000,"]
    assert r.book == []


def test_cancel_of_a_waiting_stop_stops_it_from_ever_triggering():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "90.00"),
            new(2, "u2", "sell", "stop_loss", "1.000", trigger_price="95.00"),
            cancel(2, "u2"),
            limit(3, "x1", "sell", "0.100", "95.00"),
            limit(4, "x2", "buy", "0.100", "95.00"),
        ]
    )
    assert r.status(2) == "cancelled,0.000,"
    assert r.status(1) == "new,0.000,"
    assert len(r.tape) == 1


def test_cancel_from_the_middle_of_a_level_keeps_the_others_order():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "sell", "1.000", "100.00"),
            cancel(2, "u2"),
            limit(4, "u4", "buy", "1.500", "100.00"),
        ]
    )
    assert [line.split(",")[4] for line in r.tape] == ["1", "3"]
    assert r.book == ["BTC-USDT,sell,100.00,3,0.500,0.500"]


def test_cancel_by_another_user_is_refused_and_changes_nothing():
    r = run([limit(1, "u1", "buy", "1.000", "100.00"), cancel(1, "u2")])
    rec = refusal(r, 1)
    assert (rec.kind, rec.reason) == (REFUSED, "unknown_order")
    assert r.orders == ["1,new,0.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,1,1.000,1.000"]


def test_cancel_of_an_unknown_id_is_refused_and_changes_nothing():
    base = [limit(1, "u1", "buy", "1.000", "100.00"), limit(2, "u2", "sell", "0.500", "100.00")]
    with_cancels = base + [cancel(99, "u1"), cancel("1x", "u1"), cancel(2, "u2")]
    r, plain = run(with_cancels), run(base)
    for index in (2, 3, 4):
        assert refusal(r, index).reason == "unknown_order"
    assert (r.tape, r.orders, r.book) == (plain.tape, plain.orders, plain.book)


def test_cancel_of_a_filled_rejected_or_cancelled_order_is_refused():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u1", "buy", "1.000", "abc"),
            limit(4, "u1", "buy", "1.000", "90.00"),
            cancel(4, "u1"),
            cancel(1, "u1"),
            cancel(2, "u2"),
            cancel(3, "u1"),
            cancel(4, "u1"),
        ]
    )
    for index in (5, 6, 7, 8):
        assert refusal(r, index).reason == "unknown_order"
    assert r.orders == [
        "1,filled,1.000,",
        "2,filled,1.000,",
        "3,rejected,0.000,invalid_price",
        "4,cancelled,0.000,",
    ]


def test_cancel_matches_integer_and_string_ids_and_users():
    r = run(
        [
            limit(1, 7, "buy", "1.000", "100.00"),
            limit("2", "8", "buy", "1.000", "99.00"),
            cancel("1", "7"),
            cancel(2, 8),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,", "2,cancelled,0.000,"]
    assert r.book == []


def test_cancel_finds_orders_of_any_symbol_by_id():
    r = run(
        [
            symbol("ETH-USDT"),
            limit(1, "u1", "buy", "1.000", "100.00", symbol="ETH-USDT"),
            cancel(1, "u1"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,"]


def test_cancelled_id_cannot_be_used_again():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            cancel(1, "u1"),
            limit(1, "u1", "buy", "1.000", "100.00"),
        ]
    )
    assert r.orders == ["1,cancelled,0.000,"]
    assert r.book == []


def test_refused_cancel_returns_a_refusal_record():
    r = run([cancel(5, "u1")])
    rec = as_record(r.events[0][0])
    assert rec.kind == REFUSED and rec.op == "cancel" and rec.reason == "unknown_order"
    assert r.orders == [] and r.tape == [] and r.book == []


def test_cancel_without_id_is_not_malformed_and_its_ts_sweeps():
    """§9.4 calls only a `new` without id or user malformed; a `cancel` without an id is a
    command like any other: it cancels nothing, and its `ts` runs the expiry sweep (§9.6)."""
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00", tif="GTD", expire_at=5000),
            {"op": "cancel", "user": "u1", "ts": 5000},
        ]
    )
    assert r.orders == ["1,expired,0.000,"]
