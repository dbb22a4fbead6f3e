"""The engine's consistency checks, run after every command by the tests (in the manner of
exchange-core's `validateInternalState()`): books, waiting orders, the live set, expiry and,
with funds on, balances and holds (risk.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .domain import LIVE_STATUSES, NEW, PARTIALLY_FILLED, PENDING_TRIGGER
from .triggers import triggers_on_fall

if TYPE_CHECKING:
    from .engine import Engine


def check_engine(engine: Engine) -> None:
    """Raises AssertionError if the state is inconsistent. O(live orders + accounts)."""
    resting = waiting = 0
    for market in engine.markets.values():
        # a paused market's auction collects orders without matching them (breaker.py)
        market.book.check_invariants(may_cross=market.paused_until is not None)
        assert (market.paused_until is not None) == (market.symbol in engine.pauses)
        last = market.last_price
        for order in market.stops.orders():
            waiting += 1
            assert order.status is PENDING_TRIGGER and order.market is market
            assert engine.live.get(order.id) is order, "waiting order not live"
            if last is not None and market.paused_until is None:  # a pause holds them
                trigger = order.trigger_price
                assert trigger is not None, "a waiting order has a trigger"
                met = last <= trigger if triggers_on_fall(order) else last >= trigger
                assert not met, f"order {order.id} should have triggered"
    for _, _, order in engine.resting_orders():
        resting += 1
        assert engine.live.get(order.id) is order, "resting order not live"
        assert order.status is NEW or order.status is PARTIALLY_FILLED
        assert (order.status is PARTIALLY_FILLED) == (order.filled > 0)
    assert resting + waiting == len(engine.live), "live orders not all in a book"
    by_user = {(user, order_id): order for user, mine in engine.live_by_user.items()
               for order_id, order in mine.items()}  # fmt: skip
    assert all(mine for mine in engine.live_by_user.values()), "an empty user entry kept"
    assert by_user == {(o.user, o.id): o for o in engine.live.values()}, "user index out of step"
    counts: dict = {}
    for order in engine.live.values():
        key = (order.market.symbol, order.user)
        counts[key] = counts.get(key, 0) + 1
    assert engine.open_counts() == counts, "open order counts out of step"
    for order in engine.live.values():
        assert order.status in LIVE_STATUSES
        assert order.filled + order.remaining <= order.quantity, "overfilled"
        assert order.remaining > 0
        if order.expire_at is not None:
            assert order.expire_at > engine.clock, f"order {order.id} should have expired"
    expiring = sum(1 for order in engine.live.values() if order.expire_at is not None)
    assert len(engine.expiries) == expiring, "expiry queue out of step"
    if engine.funds is not None:
        engine.funds.check_invariants()
