"""The dead man's switch (matching/engine/cancel_after.py): armed by a journaled command, fired
by the engine's own time (a later command's `ts`, the periodic tick included), so a replay or
a restored snapshot fires it at the same sequence number."""

from __future__ import annotations

from matching.engine import Engine
from matching.engine.state import dump_state, load_state

from .helpers import limit, new, symbol


def arm(user, timeout_ms, ts) -> dict:
    return {"op": "cancel_after", "user": user, "timeout_ms": timeout_ms, "ts": ts}


def tick(ts: int) -> dict:
    return {"op": "tick", "ts": ts}


def engine_with_orders() -> Engine:
    engine = Engine()
    engine.process({**symbol(), "ts": 1000})
    engine.process({**symbol("ETH-USDT"), "ts": 1000})
    engine.process({**limit(3, "u1", "buy", "1.000", "90.00"), "ts": 1000})
    engine.process({**limit(1, "u1", "sell", "1.000", "110.00"), "ts": 1000})
    engine.process({**limit(2, "u1", "buy", "1.000", "90.00", symbol="ETH-USDT"), "ts": 1000})
    engine.process(
        {
            **new(4, "u1", "sell", "stop_limit", "1.000", price="80.00", trigger_price="85.00"),
            "ts": 1000,
        }  # fmt: skip
    )
    engine.process({**limit(5, "u2", "buy", "1.000", "91.00"), "ts": 1000})
    return engine


def cancelled(events) -> list:
    return [(e[1], e[5], e[11]) for e in events if e[0] == "order"]


def test_the_switch_fires_at_its_deadline_and_cancels_every_live_order_of_the_user() -> None:
    engine = engine_with_orders()
    assert engine.process(arm("u1", 5000, 2000)) == [("configured", "cancel_after", "u1")]

    early = engine.process(tick(6999))
    fired = engine.process(tick(7000))

    assert early == []
    assert cancelled(fired) == [
        (1, "cancelled", "cancel_after"),
        (2, "cancelled", "cancel_after"),
        (3, "cancelled", "cancel_after"),
        (4, "cancelled", "cancel_after"),
    ]
    assert sorted(engine.live) == [5]  # another user's order stays
    assert engine.process(tick(20_000)) == []  # fired once, then disarmed


def test_any_command_s_time_fires_it_before_the_command_runs() -> None:
    engine = engine_with_orders()
    engine.process(arm("u1", 1000, 2000))

    events = engine.process({**limit(6, "u1", "buy", "1.000", "95.00"), "ts": 3500})

    assert [e[1] for e in events if e[0] == "order"] == [1, 2, 3, 4, 6]
    assert events[-1][5] == "new"  # the command's own order comes after, and stays


def test_a_new_call_moves_the_deadline_and_0_disarms() -> None:
    engine = engine_with_orders()
    engine.process(arm("u1", 1000, 2000))
    engine.process(arm("u1", 5000, 2500))  # now due at 7500
    assert engine.process(tick(3000)) == []
    assert engine.process(tick(7500))  # fired

    engine.process({**limit(7, "u1", "buy", "1.000", "95.00"), "ts": 8000})
    engine.process(arm("u1", 1000, 8000))
    engine.process(arm("u1", 0, 8500))
    assert engine.process(tick(60_000)) == []
    assert 7 in engine.live


def test_bad_timeouts_are_refused_and_change_nothing() -> None:
    engine = engine_with_orders()
    for bad in (999, 600_001, -1, "5000", 1.5, None, True):
        assert engine.process(arm("u1", bad, 2000)) == [
            ("refused", "cancel_after", "u1", "u1", "invalid_timeout_ms")
        ]
    assert engine.process({"op": "cancel_after", "timeout_ms": 5000}) == [
        ("refused", "cancel_after", None, None, "invalid_user")
    ]
    assert engine.process(tick(700_000)) == []


def test_a_restored_engine_fires_at_the_same_time() -> None:
    engine = engine_with_orders()
    engine.process(arm("u1", 5000, 2000))
    restored = load_state(dump_state(engine))

    assert restored.process(tick(6999)) == []
    assert cancelled(restored.process(tick(7000))) == cancelled(engine.process(tick(7000)))


def test_no_switch_dumps_as_before() -> None:
    assert "cancel_after" not in dump_state(engine_with_orders())
