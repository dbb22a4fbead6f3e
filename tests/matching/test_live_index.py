"""The engine keeps its live orders by user as well (`Engine.live_by_user`), so that what
cancels all of one user's orders visits what that user has, not what the exchange has; the
index follows every way an order stops being live (invariants.py checks it after every
command of every engine test)."""

from __future__ import annotations

from matching.engine import Engine
from matching.engine.state import dump_state, load_state

from .helpers import cancel, limit, symbol


def test_each_user_s_live_orders_and_no_one_else_s() -> None:
    engine = Engine()
    engine.process(symbol())
    for n in range(1, 301):
        engine.process(limit(n, 100 + n % 3, "buy", "1", f"{100 - n % 50}.00"))
    engine.process(cancel(5, 102))
    engine.process(limit(1000, 7, "sell", "2", "100.00"))  # fills two of user 101's (best bids)

    live_of = {user: sorted(mine) for user, mine in engine.live_by_user.items()}

    assert sorted(live_of) == [100, 101, 102]
    for user, ids in live_of.items():
        assert ids == sorted(i for i, o in engine.live.items() if o.user == user)
    assert 5 not in live_of[102]


def test_a_restored_engine_has_the_same_index() -> None:
    engine = Engine()
    engine.process(symbol())
    for n in range(1, 21):
        engine.process(limit(n, n % 4, "buy" if n % 2 else "sell", "1", f"{90 + n % 2 * 20}.00"))

    restored = load_state(dump_state(engine))

    assert {u: sorted(m) for u, m in restored.live_by_user.items()} == {
        u: sorted(m) for u, m in engine.live_by_user.items()
    }
