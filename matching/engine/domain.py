"""Value types and names of the matching core: sides, types, times in force, statuses, orders.

Everything here is plain data. Prices are integer ticks and quantities integer lots of the
order's market; `units.py` converts to and from decimals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .book import Level
    from .market import Market

BUY: Final = "buy"
SELL: Final = "sell"
SIDES: Final = frozenset((BUY, SELL))

LIMIT: Final = "limit"
MARKET: Final = "market"
STOP_LOSS: Final = "stop_loss"
STOP_LIMIT: Final = "stop_limit"
TAKE_PROFIT: Final = "take_profit"
TAKE_PROFIT_LIMIT: Final = "take_profit_limit"
ORDER_TYPES: Final = frozenset(
    (LIMIT, MARKET, STOP_LOSS, STOP_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT)
)
PRICED_TYPES: Final = frozenset((LIMIT, STOP_LIMIT, TAKE_PROFIT_LIMIT))
MARKET_STYLE_TYPES: Final = frozenset((MARKET, STOP_LOSS, TAKE_PROFIT))
TRIGGERED_TYPES: Final = frozenset((STOP_LOSS, STOP_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT))
STOP_TYPES: Final = frozenset((STOP_LOSS, STOP_LIMIT))

GTC: Final = "GTC"
IOC: Final = "IOC"
FOK: Final = "FOK"
GTD: Final = "GTD"
DAY: Final = "DAY"
TIFS: Final = frozenset((GTC, IOC, FOK, GTD, DAY))
IMMEDIATE_TIFS: Final = frozenset((IOC, FOK))
RESTING_TIFS: Final = frozenset((GTC, GTD, DAY))

STP_NONE: Final = "none"
STP_CANCEL_RESTING: Final = "cancel_resting"
STP_CANCEL_INCOMING: Final = "cancel_incoming"
STP_CANCEL_BOTH: Final = "cancel_both"
STP_DECREMENT_BOTH: Final = "decrement_both"
STP_CANCEL_SMALLEST: Final = "cancel_smallest"
STP_MODES: Final = frozenset(
    (
        STP_NONE,
        STP_CANCEL_RESTING,
        STP_CANCEL_INCOMING,
        STP_CANCEL_BOTH,
        STP_DECREMENT_BOTH,
        STP_CANCEL_SMALLEST,
    )
)

NEW: Final = "new"
PARTIALLY_FILLED: Final = "partially_filled"
FILLED: Final = "filled"
CANCELLED: Final = "cancelled"
EXPIRED: Final = "expired"
REJECTED: Final = "rejected"
PENDING_TRIGGER: Final = "pending_trigger"
LIVE_STATUSES: Final = frozenset((NEW, PARTIALLY_FILLED, PENDING_TRIGGER))
STATUSES: Final = frozenset(
    (NEW, PARTIALLY_FILLED, FILLED, CANCELLED, EXPIRED, REJECTED, PENDING_TRIGGER)
)

DAY_MS: Final = 86_400_000


class Order:
    """One order. While it rests it is also a node of its price level's queue (`prev`/`next`).

    `quantity` is what was asked; `remaining` what is still open (hidden iceberg quantity
    included); `visible` the part of `remaining` that shows in the book (0 when the order is
    not resting); `filled` what traded.
    `placed` is the placement sequence (trigger and expiry order); `priority` the time
    priority taken when the order joined the book (or was activated).
    `hold_left` is what the order still holds of its user's funds (risk.py), in units of
    `10**-18` of the asset it pays with; always 0 while funds are off.
    """

    __slots__ = (
        "id",
        "user",
        "market",
        "side",
        "type",
        "tif",
        "price",
        "trigger_price",
        "quantity",
        "remaining",
        "visible",
        "display",
        "filled",
        "status",
        "stp",
        "post_only",
        "expire_at",
        "placed",
        "priority",
        "reason",
        "hold_left",
        "level",
        "prev",
        "next",
    )

    def __init__(
        self,
        order_id: int | str,
        user: int | str,
        market: Market,
        side: str | None,
        order_type: str | None,
        tif: str | None = None,
        price: int | None = None,
        trigger_price: int | None = None,
        quantity: int = 0,
        display: int | None = None,
        stp: str | None = None,
        post_only: bool = False,
        expire_at: int | None = None,
    ) -> None:
        self.id = order_id
        self.user = user
        self.market = market
        self.side = side
        self.type = order_type
        self.tif = tif
        self.price = price
        self.trigger_price = trigger_price
        self.quantity = quantity
        self.remaining = quantity
        self.visible = 0  # what shows in the book: set when the order rests
        self.display = display
        self.filled = 0
        self.status = NEW
        self.stp = stp
        self.post_only = post_only
        self.expire_at = expire_at
        self.placed = 0
        self.priority = 0
        self.reason = ""
        self.hold_left = 0
        self.level: Level | None = None
        self.prev: Order | None = None
        self.next: Order | None = None

    @property
    def is_buy(self) -> bool:
        return self.side is BUY

    def __repr__(self) -> str:
        return (
            f"Order({self.id!r}, {self.user!r}, {self.side}, {self.type}, price={self.price}, "
            f"remaining={self.remaining}, visible={self.visible}, status={self.status})"
        )


class QuoteOrder(Order):
    """A market buy given by `quote_quantity` instead of `quantity` (quote_orders.py).

    A subclass, so that ordinary orders carry no extra slot and pay nothing for it.
    `quote_left` is the notional it may still spend, in units of
    `10**-quote_orders.budget_exp(market)`. It never rests or waits, so it is never live and
    never in a snapshot.
    """

    __slots__ = ("quote_left",)

    def __init__(
        self,
        order_id: int | str,
        user: int | str,
        market: Market,
        tif: str | None,
        stp: str | None,
        quote_left: int,
    ) -> None:
        super().__init__(order_id, user, market, BUY, MARKET, tif, stp=stp)
        self.quote_left = quote_left
