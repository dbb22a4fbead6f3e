"""What the engine says happened: plain tuples, first field the kind.

The engine builds bare tuples on its hot path; each has the layout of the NamedTuple of
its kind below, so a consumer can read one by name with `as_record(event)`. Prices are
ticks, quantities lots and fees quote units of the event's symbol; amounts of funds (POSTING,
BALANCE: only while funds are on, risk.py) are units of `10**-18` of their asset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, NamedTuple

if TYPE_CHECKING:
    from .domain import Order

ORDER: Final = "order"
TRADE: Final = "trade"
REFUSED: Final = "refused"
CONFIGURED: Final = "configured"
POSTING: Final = "posting"
BALANCE: Final = "balance"
MARKET_STATUS: Final = "market_status"


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
    op: Any
    ref: Any
    user: Any
    reason: str


class Configured(NamedTuple):
    """A `symbol`, `fees`, `market` or `funds` line took effect (`ref` is None for funds)."""

    kind: str
    op: str
    ref: str


class Posting(NamedTuple):
    """One double-entry leg: `amount` (> 0) moved from one account's bucket to another's.

    Accounts are user ids, `risk.FEE_ACCOUNT` or `risk.EXTERNAL` (whose bucket is "external");
    other buckets are "available" and "locked". `reason` is deposit, withdrawal, hold,
    release, trade, fee or rebate; the ids say which order, trade or transfer moved it.
    """

    kind: str
    asset: str
    from_account: Any
    from_bucket: str
    to_account: Any
    to_bucket: str
    amount: int
    reason: str
    order_id: Any
    trade_id: int | None
    transfer_id: Any


class Balance(NamedTuple):
    """An account's balance of one asset after a command that changed it (once per command)."""

    kind: str
    user: Any
    asset: str
    available: int
    locked: int


class MarketStatus(NamedTuple):
    """A market's status changed: `trading`, `halted` (an admin; reason `admin`) or `paused`
    (its circuit breaker, breaker.py; reason `circuit_breaker`, `resumes_at` the engine time
    the pause ends). `status_reason` and `resumes_at` are None while trading."""

    kind: str
    symbol: str
    status: str
    status_reason: str | None
    resumes_at: int | None


_RECORDS: Final[dict[str, Any]] = {
    ORDER: OrderUpdate,
    TRADE: Trade,
    REFUSED: Refusal,
    CONFIGURED: Configured,
    POSTING: Posting,
    BALANCE: Balance,
    MARKET_STATUS: MarketStatus,
}


def as_record(event: tuple) -> NamedTuple:
    """The event as its NamedTuple, for reading by field name."""
    return _RECORDS[event[0]]._make(event)


def order_update(order: Order) -> tuple:
    """The ORDER event for `order` as it stands now."""
    return (
        ORDER,
        order.id,
        order.user,
        order.market.symbol,
        order.side,
        order.status,
        order.price,
        order.quantity,
        order.filled,
        order.remaining,
        order.visible,
        order.reason,
    )
