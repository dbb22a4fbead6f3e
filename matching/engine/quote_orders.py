"""Market buys given by `quote_quantity` instead of `quantity` (API.md "Placing an order"),
an extension of SPEC.md: the order buys as much as its notional (price × quantity) pays for,
with fees charged on top as for any taker.

Validation (validation.py, at SPEC.md §2 rule 6 in place of the quantity checks): only on a
`market` `buy` without `quantity` and with tif IOC (the default), else `invalid_combination`;
then the value must be a decimal (§9.1) > 0 with at most the market's `quote_precision`
decimals (trailing zeros do not count, as for tick and lot checks, §9.11), else
`invalid_quote_quantity`; then, when the market's `min_notional` is > 0, a value below it is
`min_notional` (equality passes). `min_qty` does not apply: the quantity is not known before
the order ends.

Matching walks the asks in price-time priority. At a maker priced P the taker can afford
`floor(notional left / (P × lot_size))` lots; that is its "remaining" there, for the fill
(`min(affordable, maker visible)`) and for self-trade prevention alike (decrement_both spends
the decremented lots × P of the notional; cancel_smallest compares the affordable lots with
the resting order's total remaining). Within one price level the affordable lots go down by
exactly what is filled or decremented, so each level is matched by `execution.match` itself
with the order acting as a limit IOC at that level's price for its affordable lots: the same
code, events and fees as any taker, and nothing added to the ordinary orders' hot path.
Matching stops when the next maker's lot is unaffordable or the book is empty.

When it ends, the order's `quantity` is what it bought (so `remaining` is 0) and its status:
- `cancelled` if self-trade prevention cancelled it (after fills too, SPEC.md §9.13);
- `filled` if it bought at least one lot and either spent its whole notional or stopped at a
  resting ask whose lot it could not afford;
- `expired` otherwise: the book ran out with notional left (after some fills or none), or it
  bought nothing (e.g. an empty book, or a notional below one lot at the best ask).
Triggers fire after it as after any order. It never rests, so it is never live. A circuit
breaker (breaker.py) that stops it at a level it could afford cancels it, reason
`circuit_breaker`, and pauses the market.

With funds on (risk.py) it holds `quote_quantity × (1 + f)` at acceptance, pays each fill from
that hold and releases the rest when it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .breaker import CIRCUIT_BREAKER
from .domain import CANCELLED, EXPIRED, FILLED, QuoteOrder
from .events import order_update
from .execution import match
from .market import budget_exp
from .price_band import walk_limit
from .units import parse_decimal, pow10

if TYPE_CHECKING:
    from .engine import Engine
    from .market import Market


def quote_budget(market: Market, text: object) -> int | str:
    """The notional of a `quote_quantity` in units of `10**-budget_exp(market)`, or the
    rejection reason (`invalid_quote_quantity`, `min_notional`) as a str. O(len(text))."""
    value = parse_decimal(text)
    if value is None or value[0] <= 0 or value[1] > market.quote_precision:
        return "invalid_quote_quantity"
    num, scale = value
    # min_notional as the market's spec writes it: exact, unlike its rounded-up tick×lot units
    floor = parse_decimal(market.spec["min_notional"])
    assert floor is not None, "a market's min_notional is a decimal"
    floor_num, floor_scale = floor
    if floor_num > 0 and num * pow10(floor_scale) < floor_num * pow10(scale):
        return "min_notional"
    return num * pow10(budget_exp(market) - scale)


def take_quote(engine: Engine, order: QuoteOrder) -> None:
    """Runs an accepted quote-quantity market buy against the asks and ends it (never rests).

    O(fills + levels met), each level costing one `execution.match` call.
    """
    market = order.market
    asks = market.book.asks
    # one lot at one tick, in budget units: the cost of a lot at price P is P × unit
    unit = market.notional_unit * pow10(budget_exp(market) - market.notional_exp)
    budget = order.quote_left
    cancelled = tripped = False
    edge = None if market.price_band is None else walk_limit(market, True)
    breaker = market.breaker
    bounds = None if breaker is None else breaker.bounds(engine.clock)
    before = market.last_price
    while True:
        level = asks.best
        if level is None:
            break
        price = level.price
        if edge is not None and price > edge:
            break  # the price band's edge (price_band.py): the rest expires
        cost = price * unit
        affordable = budget // cost
        if not affordable:
            break
        if bounds is not None and not bounds[0] <= price <= bounds[1]:
            tripped = True  # the circuit breaker stops it (breaker.py)
            break
        order.remaining = affordable
        order.price = price  # match() stops where this level ends
        order.quote_left = budget  # with funds on, settlement spends it (risk.bound_left)
        cancelled = match(engine, order, asks)
        budget -= (affordable - order.remaining) * cost  # traded or decremented
        if cancelled:
            break
    order.price = None
    order.remaining = 0
    order.quote_left = budget
    order.quantity = order.filled
    if breaker is not None and market.last_price is not None and market.last_price != before:
        breaker.record(engine.clock, market.last_price)
    if tripped:
        order.status, order.reason = CANCELLED, CIRCUIT_BREAKER
    elif cancelled:
        order.status = CANCELLED
    elif order.filled and (not budget or asks.best is not None):
        order.status = FILLED
    else:
        order.status = EXPIRED
    if engine.funds is not None:
        engine.funds.release(order)  # what its hold did not spend
    engine.events.append(order_update(order))
    if tripped:
        engine._trip(market)
