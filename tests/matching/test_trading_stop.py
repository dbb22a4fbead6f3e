"""Stopping one user trading (the `trading` command, matching/engine/admin.py): their live
orders are cancelled with reason `admin`, their new orders rejected `trading_disabled` until
they are let trade again; kept in snapshots; other users untouched."""

from __future__ import annotations

from matching.engine.state import dump_state, load_state

from .helpers import limit, new, run


def trading(user, enabled) -> dict:
    return {"op": "trading", "user": user, "enabled": enabled}


def test_a_stopped_user_s_orders_are_cancelled_and_new_ones_rejected() -> None:
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "90.00"),
            new(2, "u1", "sell", "stop_limit", "1.000", price="80.00", trigger_price="85.00"),
            limit(3, "u2", "buy", "1.000", "91.00"),
            trading("u1", False),
            limit(4, "u1", "buy", "1.000", "90.00"),
            limit(5, "u2", "buy", "1.000", "90.00"),
            trading("u1", True),
            limit(6, "u1", "buy", "1.000", "90.00"),
        ]
    )

    assert [(u.order_id, u.status, u.reason) for u in r.order_updates(3)] == [
        (1, "cancelled", "admin"), (2, "cancelled", "admin")
    ]  # fmt: skip
    assert r.events[3][-1] == ("configured", "trading", "u1")
    assert r.status(4) == "rejected,0.000,trading_disabled"
    assert r.status(5).startswith("new") and r.status(6).startswith("new")
    assert r.status(3).startswith("new")


def test_the_stop_survives_a_snapshot_and_bad_commands_are_refused() -> None:
    r = run([trading("u1", False)])
    restored = load_state(dump_state(r.engine))

    events = restored.process(limit(1, "u1", "buy", "1.000", "90.00"))

    assert events[-1][11] == "trading_disabled"
    assert restored.process(trading("u1", "no")) == [
        ("refused", "trading", "u1", "u1", "invalid_enabled")
    ]
    assert restored.process({"op": "trading", "enabled": False}) == [
        ("refused", "trading", None, None, "invalid_user")
    ]
