"""`max_open_orders` (matching/engine/admin.py): a market may bound the live orders, resting or
waiting, each user has in it; a `new` order that may become live is rejected
`too_many_orders` at the limit, after every SPEC.md rule and before funds. Orders that end at
once (market, IOC, FOK) are never refused for it. 0 or absent: no limit."""

from __future__ import annotations

from matching.engine import Engine
from matching.engine.state import dump_state, load_state

from .helpers import cancel, limit, market, new, run, symbol

LIMITED = symbol(max_open_orders=2)


def test_a_third_resting_order_is_rejected_and_a_cancel_makes_room() -> None:
    r = run(
        [
            LIMITED,
            limit(1, "u1", "buy", "1.000", "90.00"),
            limit(2, "u1", "buy", "1.000", "91.00"),
            limit(3, "u1", "buy", "1.000", "92.00"),
            limit(4, "u2", "buy", "1.000", "92.00"),  # another user's count is their own
            cancel(1, "u1"),
            limit(5, "u1", "buy", "1.000", "93.00"),
        ],
        define_symbol=False,
    )

    assert r.status(3) == "rejected,0.000,too_many_orders"
    assert r.status(4).startswith("new,")
    assert r.status(5).startswith("new,")


def test_waiting_stops_count_and_orders_that_end_at_once_are_taken() -> None:
    r = run(
        [
            LIMITED,
            limit(1, "u2", "sell", "5.000", "100.00"),
            limit(2, "u1", "buy", "1.000", "90.00"),
            new(3, "u1", "sell", "stop_limit", "1.000", price="80.00", trigger_price="85.00"),
            new(4, "u1", "sell", "stop_limit", "1.000", price="80.00", trigger_price="84.00"),
            market(5, "u1", "buy", "1.000"),
            limit(6, "u1", "buy", "1.000", "100.00", tif="IOC"),
            limit(7, "u1", "buy", "1.000", "100.00", tif="FOK"),
        ],
        define_symbol=False,
    )

    assert r.status(4) == "rejected,0.000,too_many_orders"
    assert [r.status(n).split(",")[0] for n in (5, 6, 7)] == ["filled"] * 3


def test_the_limit_is_per_market() -> None:
    engine = Engine()
    engine.process(LIMITED)
    engine.process(symbol("ETH-USDT", max_open_orders=2))
    for order_id in range(1, 3):
        engine.process(limit(order_id, "u1", "buy", "1.000", "90.00"))
    eth = engine.process(limit(3, "u1", "buy", "1.000", "90.00", symbol="ETH-USDT"))

    assert eth[-1][5] == "new"


def test_an_order_that_would_break_a_spec_rule_gets_that_rule_s_reason_first() -> None:
    r = run(
        [
            LIMITED,
            limit(1, "u1", "buy", "1.000", "90.00"),
            limit(2, "u1", "buy", "1.000", "91.00"),
            limit(3, "u1", "buy", "1.000", "91.005"),
        ],
        define_symbol=False,
    )

    assert r.status(3) == "rejected,0.000,tick_size"


def test_the_market_command_changes_the_limit_and_0_lifts_it() -> None:
    engine = Engine()
    engine.process(symbol())
    for order_id in range(1, 4):
        engine.process(limit(order_id, "u1", "buy", "1.000", "90.00"))
    lowered = engine.process({"op": "market", "symbol": "BTC-USDT", "max_open_orders": 2})
    refused = engine.process(limit(4, "u1", "buy", "1.000", "90.00"))
    lifted = engine.process({"op": "market", "symbol": "BTC-USDT", "max_open_orders": 0})
    taken = engine.process(limit(5, "u1", "buy", "1.000", "90.00"))

    assert lowered == [("configured", "market", "BTC-USDT")]
    assert len(engine.live) == 4  # lowering it cancelled nothing
    assert refused[-1][11] == "too_many_orders"
    assert lifted == [("configured", "market", "BTC-USDT")]
    assert taken[-1][5] == "new"


def test_a_bad_limit_is_refused() -> None:
    engine = Engine()
    engine.process(symbol())
    for bad in (-1, "5", 1.5, True):
        events = engine.process({"op": "market", "symbol": "BTC-USDT", "max_open_orders": bad})
        assert events == [("refused", "market", "BTC-USDT", None, "invalid_max_open_orders")]
    defined = engine.process(symbol("ETH-USDT", max_open_orders=-3))
    assert defined[-1][-1] == "invalid_max_open_orders"


def test_a_restored_engine_keeps_the_limit_and_the_counts() -> None:
    engine = Engine()
    engine.process(LIMITED)
    engine.process(limit(1, "u1", "buy", "1.000", "90.00"))
    engine.process(limit(2, "u1", "buy", "1.000", "91.00"))

    restored = load_state(dump_state(engine))
    events = restored.process(limit(3, "u1", "buy", "1.000", "92.00"))

    assert restored.open_counts() == {("BTC-USDT", "u1"): 2}
    assert events[-1][11] == "too_many_orders"


def test_a_market_without_a_limit_dumps_as_before() -> None:
    engine = Engine()
    engine.process(symbol())

    assert "max_open_orders" not in dump_state(engine)["markets"][0]


def test_a_market_rebuilt_on_a_new_grid_keeps_the_counts() -> None:
    """A `market` line that changes the tick size moves the live orders to the rebuilt market
    (admin.py); their count moves with them."""
    engine = Engine()
    engine.process(LIMITED)
    engine.process(limit(1, "u1", "buy", "1.000", "90.00"))
    engine.process(limit(2, "u1", "buy", "1.000", "91.00"))

    changed = engine.process({"op": "market", "symbol": "BTC-USDT", "tick_size": "0.001"})
    third = engine.process(limit(3, "u1", "buy", "1.000", "92.000"))
    engine.process(cancel(1, "u1"))
    fourth = engine.process(limit(4, "u1", "buy", "1.000", "92.500"))

    assert not any(event[0] == "refused" for event in changed)
    assert engine.open_counts() == {("BTC-USDT", "u1"): 2}
    assert third[-1][11] == "too_many_orders"
    assert fourth[-1][5] == "new"
    engine.check_invariants()
