"""The exchange's domain errors: what services and selectors raise when they turn a request
down. None carries an HTTP status; exchange/api/errors.py (`as_api_error`) maps each to
API.md's envelope and status, for REST, the fast order path and the WebSocket alike.

Each error has API.md's error `code`, a `message` for a person, the request `field` at fault
(None: the request as a whole) and `extra` facts a client can act on (the existing order's id
of a duplicate). The matcher's silence is `matching.service.client.MatcherUnavailable`.
"""

from __future__ import annotations

from matching.service.reasons import reason_of


class ExchangeError(Exception):
    """A request the exchange turns down, and why (and, for a refusal that passes, in how
    many seconds to try again: `retry_after`)."""

    retry_after: int | None = None

    def __init__(
        self, code: str, message: str, *, field: str | None = None, extra: dict | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field
        self.extra = extra or {}


class OrderRejected(ExchangeError):
    """The order was not placed: `code` is the engine's reason (matching/service/reasons.py),
    or `invalid_field` when the matcher refused the command as a whole."""


class DuplicateClientOrderId(OrderRejected):
    """The user has an order with this client_order_id already (its id in `extra`); nothing
    was placed."""

    def __init__(self, existing_order_id: int | None) -> None:
        reason = reason_of("duplicate_client_order_id")
        super().__init__(
            reason.code, reason.message, field=reason.field, extra={"order_id": existing_order_id}
        )
        self.existing_order_id = existing_order_id


class TradingDisabled(OrderRejected):
    """An administrator has stopped the user trading (exchange.models.TradingStop)."""

    def __init__(self) -> None:
        reason = reason_of("trading_disabled")
        super().__init__(reason.code, reason.message)


class ServiceBusy(ExchangeError):
    """The exchange takes no new orders for now, to protect itself: its database is too far
    behind the matcher (or refuses a write). Cancels are still taken; nothing was placed."""

    retry_after = 5  # seconds

    def __init__(self) -> None:
        super().__init__(
            "service_busy",
            "The exchange takes no new orders for a moment while its database catches up; "
            "nothing was placed. Cancels are still taken. Retry later.",
        )


class ReadBehind(ExchangeError):
    """The database is too far behind the matcher to show the user's latest acknowledged
    command within the read's wait (exchange/services/read_fence.py): no read answers with
    an older state than the user was told of."""

    retry_after = 1  # seconds

    def __init__(self) -> None:
        super().__init__(
            "service_busy",
            "The database is behind the matching engine and does not yet show your latest "
            "changes; retry in a moment.",
        )


class OrderNotFound(ExchangeError):
    """The user has no such order: it does not exist, or it is another user's (the two are
    told apart nowhere)."""

    def __init__(self) -> None:
        super().__init__("order_not_found", "No such order.", field="order_id")


class OrderNotOpen(ExchangeError):
    """The order cannot be cancelled: it is `order_status` (filled, cancelled, ...), no longer
    open."""

    def __init__(self, order_status: str, doing: str = "cancelled") -> None:
        super().__init__(
            "order_not_open",
            f"The order is {order_status}; only open orders can be {doing}.",
            extra={"status": order_status},
        )
        self.order_status = order_status


class UnknownSymbol(ExchangeError):
    """The `symbol` a request gives (an order's, a filter's) names no market."""

    def __init__(self, symbol: str) -> None:
        super().__init__("unknown_symbol", f"No market {symbol[:32]!r}.", field="symbol")


class MarketNotFound(ExchangeError):
    """The market a market-data path names does not exist."""

    def __init__(self, symbol: str) -> None:
        super().__init__("unknown_symbol", f"No market {symbol[:40]!r}.", field="symbol")


class InvalidParameter(ExchangeError):
    """A query parameter that is out of range or means nothing (`code` says which check)."""


class InvalidCursor(InvalidParameter):
    """The `cursor` is not one a page of this API gave."""

    def __init__(self) -> None:
        super().__init__("invalid_cursor", "The cursor is not one this API gave.", field="cursor")


class MarketChangeRefused(ExchangeError):
    """The matcher refused a market change (`reason` is the engine's) or did not answer
    (`reason` None); nothing was changed. `field` is the market field it concerns."""

    def __init__(self, message: str, field: str | None = None, *, reason: str | None = None):
        super().__init__("market_change_refused", message, field=field)
        self.reason = reason
