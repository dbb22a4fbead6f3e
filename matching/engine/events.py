"""What the engine says happened: plain tuples, first field the kind.

The engine builds bare tuples on its hot path; each has the layout of the NamedTuple of
its kind below, so a consumer can read one by name with `as_record(event)`. Prices are
ticks, quantities lots and fees quote units of the event's symbol.
"""

from __future__ import annotations

from typing import NamedTuple

ORDER = "order"
TRADE = "trade"
REFUSED = "refused"
CONFIGURED = "configured"


class OrderUpdate(NamedTuple):
    """An order's state after it changed (accepted, rejected, traded, cancelled, ...)."""

    kind: str
    order_id: str
    user: str
    symbol: str | None
    side: str | None
    status: str
    price: int | None
    quantity: int
    filled: int
    remaining: int
    visible: int
    reason: str


class Trade(NamedTuple):
    kind: str
    trade_id: int
    symbol: str
    price: int
    quantity: int
    maker_order_id: str
    taker_order_id: str
    taker_side: str
    maker_fee: int
    taker_fee: int
    maker_user: str
    taker_user: str
    ts: int


class Refusal(NamedTuple):
    """A command that changed nothing: a duplicate id, a cancel of no live order, a bad line."""

    kind: str
    op: object
    ref: object
    user: object
    reason: str


class Configured(NamedTuple):
    """A `symbol`, `fees` or `market` line took effect."""

    kind: str
    op: str
    ref: str


_RECORDS = {ORDER: OrderUpdate, TRADE: Trade, REFUSED: Refusal, CONFIGURED: Configured}


def as_record(event: tuple) -> NamedTuple:
    """The event as its NamedTuple, for reading by field name."""
    return _RECORDS[event[0]]._make(event)


def order_update(order) -> tuple:
    """The ORDER event for `order` as it stands now."""
    market = order.market
    return (
        ORDER,
        order.id,
        order.user,
        market.symbol if market is not None else None,
        order.side,
        order.status,
        order.price,
        order.quantity,
        order.filled,
        order.remaining,
        order.visible,
        order.reason,
    )
