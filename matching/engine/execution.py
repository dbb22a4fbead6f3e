"""Running an incoming order against the book: matching, self-trade prevention, the FOK
dry run (SPEC.md §3-5).

These functions work on the engine's state; they are the hot path, so they read
attributes into locals and build events as bare tuples.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .book import BookSide
from .domain import (
    BUY,
    CANCELLED,
    FILLED,
    PARTIALLY_FILLED,
    STP_CANCEL_BOTH,
    STP_CANCEL_INCOMING,
    STP_CANCEL_RESTING,
    STP_CANCEL_SMALLEST,
    STP_DECREMENT_BOTH,
    STP_NONE,
    Order,
)
from .events import TRADE, order_update
from .fees import fee_units
from .risk import INSUFFICIENT_FUNDS
from .settlement import affordable_lots, settle_trade

if TYPE_CHECKING:
    from .engine import Engine


def crosses(taker: Order, level_price: int) -> bool:
    """True if `taker` may trade at `level_price` (market-style orders cross any price)."""
    limit = taker.price
    if limit is None:
        return True
    return level_price <= limit if taker.side is BUY else level_price >= limit


def match(engine: Engine, taker: Order, opposite: BookSide, edge: int | None = None) -> bool:
    """Trades `taker` against `opposite` while it crosses and has quantity left, no further
    than `edge` if given: a market order's price band (price_band.py), or a circuit
    breaker's bound (breaker.py) inside the order's own limit.

    Returns True if self-trade prevention cancelled the taker. Each fill is
    O(1); a level emptied costs O(log levels).
    """
    market = taker.market
    symbol = market.symbol
    notional_unit, notional_exp = market.notional_unit, market.notional_exp
    precision = market.quote_precision
    limit = taker.price
    is_buy = taker.side is BUY
    user, stp = taker.user, taker.stp
    rates, default_rates = engine.fees.by_user, engine.fees.default  # fixed within a command
    taker_rate = rates.get(user, default_rates)[1]
    events = engine.events
    funds = engine.funds  # None while funds are off: one test per fill, nothing more
    pays_per_fill = funds is not None and is_buy and limit is None
    if edge is not None:
        limit = edge
    while taker.remaining:
        level = opposite.best
        if level is None:
            break
        price = level.price
        if limit is not None and (price > limit if is_buy else price < limit):
            break
        maker = level.head
        assert maker is not None, "a level in the book has orders"
        if maker.user == user and stp is not STP_NONE:
            if prevent_self_trade(engine, taker, maker, opposite):
                return True
            continue
        quantity = taker.remaining if taker.remaining < maker.visible else maker.visible
        # a market buy by quantity holds nothing: it fills what it can pay
        if pays_per_fill and funds is not None:
            quantity = affordable_lots(
                funds.available(user, market.quote), market, price, quantity, taker_rate
            )
            if not quantity:
                taker.reason = INSUFFICIENT_FUNDS  # the remainder expires (engine._take)
                break
        taker.remaining -= quantity
        taker.filled += quantity
        maker.remaining -= quantity
        maker.visible -= quantity
        maker.filled += quantity
        level.volume -= quantity
        notional = price * (quantity * notional_unit)  # two small factors (book.py's BookSide)
        engine.trade_seq += 1
        events.append(
            (
                TRADE,
                engine.trade_seq,
                symbol,
                price,
                quantity,
                maker.id,
                taker.id,
                taker.side,
                fee_units(
                    rates.get(maker.user, default_rates)[0], notional, notional_exp, precision
                ),
                fee_units(taker_rate, notional, notional_exp, precision),
                maker.user,
                user,
                engine.clock,
            )
        )
        if funds is not None:
            settle_trade(funds, taker, maker, quantity, notional)
        market.last_price = price
        if maker.remaining == 0:
            maker.status = FILLED
            opposite.remove(maker)
            engine.forget(maker)
        else:
            maker.status = PARTIALLY_FILLED
            if maker.visible == 0:
                reveal_next_slice(engine, maker, opposite)
        events.append(order_update(maker))
    return False


def reveal_next_slice(engine: Engine, order: Order, side: BookSide) -> None:
    """An iceberg whose slice is used up shows a new one at the back of its level (SPEC.md §4)."""
    display, level = order.display, order.level
    assert display is not None and level is not None, "a resting iceberg"
    order.visible = display if display < order.remaining else order.remaining
    level.volume += order.visible
    engine.priority_seq += 1
    order.priority = engine.priority_seq
    side.requeue(order)


def prevent_self_trade(engine: Engine, taker: Order, maker: Order, side: BookSide) -> bool:
    """Applies the taker's STP mode to a meeting with its own resting order (SPEC.md §5).

    Returns True if the taker is cancelled (matching stops), False to go on matching.
    """
    mode = taker.stp
    if mode is STP_CANCEL_RESTING:
        engine.end(maker, CANCELLED)
        return False
    if mode is STP_CANCEL_INCOMING:
        return True
    if mode is STP_CANCEL_BOTH:
        engine.end(maker, CANCELLED)
        return True
    if mode is STP_DECREMENT_BOTH:
        cut = taker.remaining if taker.remaining < maker.remaining else maker.remaining
        taker.remaining -= cut
        maker.remaining -= cut
        if maker.remaining == 0:
            engine.end(maker, CANCELLED)
        else:
            shown = cut if cut < maker.visible else maker.visible
            maker.visible -= shown
            level = maker.level
            assert level is not None
            level.volume -= shown
            if maker.visible == 0:
                reveal_next_slice(engine, maker, side)
            engine.events.append(order_update(maker))
        return taker.remaining == 0
    # cancel_smallest: the smaller remaining goes, both on a tie
    if maker.remaining <= taker.remaining:
        engine.end(maker, CANCELLED)
    return taker.remaining <= maker.remaining


def fok_can_fill(
    taker: Order,
    opposite: BookSide,
    pay: Callable[[int, int], int] | None = None,
    edge: int | None = None,
) -> bool:
    """The FOK dry run: would `taker`, processed as IOC, trade its whole quantity?

    Walks the book without changing it, following iceberg re-slices and self-trade
    prevention (quantity removed by decrement_both does not count), no further than `edge`
    if given (as `match`). O(orders met).
    `pay` (funds on, a market buy by quantity: settlement.fok_payer) says how many lots of a
    fill the buyer could pay; a fill it cannot pay in full means the order cannot fill.
    """
    need = taker.remaining
    remaining = need
    traded = 0
    user, stp = taker.user, taker.stp
    limit = edge if edge is not None else taker.price
    is_buy = taker.side is BUY
    for level in opposite.levels():
        if limit is not None and (level.price > limit if is_buy else level.price < limit):
            break
        queue: deque[list[Any]] = deque(
            [order, order.visible, order.remaining] for order in level.orders()
        )
        while queue:
            entry = queue.popleft()
            order, visible, left = entry
            if order.user == user and stp is not STP_NONE:
                if stp is STP_CANCEL_RESTING:
                    continue
                if stp is STP_DECREMENT_BOTH:
                    cut = min(remaining, left)
                    remaining -= cut
                    if remaining == 0:
                        return False
                    continue  # the resting order was used up
                if stp is STP_CANCEL_SMALLEST and left < remaining:
                    continue
                return False  # the taker is cancelled: it cannot fill
            quantity = min(remaining, visible)
            if pay is not None and pay(level.price, quantity) < quantity:
                return False
            traded += quantity
            remaining -= quantity
            if remaining == 0:
                return traded == need
            left -= quantity
            if left:
                entry[1] = min(order.display, left)
                entry[2] = left
                queue.append(entry)
    return False
