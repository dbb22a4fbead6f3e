"""What each reason the engine gives means to whoever sent the command: the request field at
fault and a sentence for a person.

The engine answers a rejected `new` order with a reason code (SPEC.md §2; API.md uses the
codes as its validation error codes) and a refused `market` change with another
(matching/engine/admin.py). This table is the one place that explains them: the order
services word an order's rejection with it (REST and WebSocket alike), the market service
a change's refusal (shown on the admin's form). A reason the table lacks concerns no field,
and its caller words it generically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """An engine reason `code`, the request `field` it concerns (None: the request as a
    whole) and the `message` that explains it (None: the caller's generic sentence)."""

    code: str
    field: str | None = None
    message: str | None = None
    api_code: str | None = None  # the code clients see, where it is not `code`

    @property
    def client_code(self) -> str:
        return self.api_code or self.code

    def worded(self, terms: Mapping[str, object]) -> str | None:
        """The message with the market's own values in its `{placeholders}` (`terms`: e.g.
        `tick_size`, `lot_size`, `min_qty`, `min_notional`, `base`, `quote`, `symbol`); a
        placeholder `terms` lacks stays as written."""
        if self.message is None:
            return None
        return self.message.format_map(_Terms(terms))


class _Terms(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


REASONS: dict[str, Reason] = {
    reason.code: reason
    for reason in (
        # a `new` order rejected (API.md: "`field` names the request field")
        Reason("unknown_symbol", "symbol"),
        Reason("symbol_halted", "symbol", "Trading in this market is halted."),
        Reason(
            "symbol_paused",
            "symbol",
            "The market is paused by its circuit breaker: orders are refused until it reopens "
            "(cancels are taken).",
        ),
        Reason("invalid_side", "side", 'side is "buy" or "sell".'),
        Reason(
            "invalid_type",
            "type",
            "type is one of limit, market, stop_loss, stop_limit, take_profit, take_profit_limit.",
        ),
        Reason("invalid_tif", "time_in_force", "time_in_force is one of GTC, IOC, FOK, GTD, DAY."),
        Reason(
            "invalid_quantity",
            "quantity",
            'quantity is a positive decimal string, e.g. "{lot_size}" (the lot size).',
        ),
        Reason(
            "lot_size",
            "quantity",
            "The quantity is not a whole multiple of the lot size, {lot_size} {base}.",
        ),
        Reason("min_qty", "quantity", "The quantity is below the minimum, {min_qty} {base}."),
        Reason(
            "min_notional",
            "quantity",
            "Price × quantity is below the minimum notional, {min_notional} {quote}.",
        ),
        Reason(
            "invalid_price",
            "price",
            'price is a positive decimal string on the tick, {tick_size} {quote}, e.g. "100".',
        ),
        Reason(
            "tick_size",
            "price",
            "The price is not a whole multiple of the tick size, {tick_size} {quote}.",
        ),
        Reason(
            "invalid_trigger_price",
            "trigger_price",
            "trigger_price is a positive decimal string on the tick, {tick_size} {quote}.",
        ),
        Reason(
            "invalid_display_quantity",
            "display_quantity",
            "display_quantity is a positive whole multiple of the lot size, {lot_size} {base}, "
            "no more than the quantity.",
        ),
        Reason(
            "post_only_would_take", "post_only", "A post-only order would have matched on arrival."
        ),
        Reason("expire_at_in_past", "expire_at", "expire_at is not in the future."),
        Reason(
            "invalid_stp",
            "stp_mode",
            "stp_mode is one of cancel_resting, cancel_incoming, cancel_both, decrement_both, "
            "cancel_smallest, none.",
        ),
        Reason(
            "invalid_client_order_id",
            "client_order_id",
            "client_order_id is a non-empty string of at most 64 characters.",
        ),
        Reason(
            "invalid_quote_quantity",
            "quote_quantity",
            "quote_quantity is a positive decimal string with at most {quote_precision} decimals.",
        ),
        Reason("invalid_combination", None, "These fields do not go together for this order type."),
        Reason("insufficient_funds", "quantity", "Not enough available balance."),
        # an `amend` refused (matching/engine/amend.py)
        Reason(
            "invalid_amend",
            None,
            "Nothing to change, a quantity not above what has filled, or an order waiting for "
            "its trigger (only resting orders are amended).",
        ),
        Reason(
            "price_out_of_band",
            "price",
            "The price is further from the last trade (or the mid) than the market's band, "
            "{price_band_pct} %.",
        ),
        Reason(
            "trigger_price_out_of_band",
            "trigger_price",
            "The trigger price is further from the last trade (or the mid) than the market's "
            "band, {price_band_pct} %.",
            api_code="price_out_of_band",
        ),
        Reason("trading_disabled", None, "An administrator has stopped this account trading."),
        Reason(
            "too_many_orders",
            None,
            "You have {max_open_orders} open orders in {symbol}, as many as it allows; cancel "
            "some first.",
        ),
        Reason(
            "duplicate_client_order_id",
            "client_order_id",
            "An order with this client_order_id exists; nothing was placed.",
        ),
        # a `market` change refused: the field is the admin form's
        Reason(
            "would_strand_orders",
            "tick_size",
            "Live orders are off the new tick or lot grid; cancel them or choose a grid they fit.",
        ),
        Reason(
            "last_price_off_grid", "tick_size", "The last trade price is off the new tick grid."
        ),
        Reason(
            "invalid_tick_size", "tick_size", "The tick size is a decimal more than 0, e.g. 0.01."
        ),
        Reason(
            "invalid_lot_size", "lot_size", "The lot size is a decimal more than 0, e.g. 0.001."
        ),
        Reason("invalid_min_qty", "min_qty", "The minimum quantity is a decimal more than 0."),
        Reason("invalid_min_notional", "min_notional", "The minimum notional is 0 or more."),
        Reason("invalid_quote_precision", "quote_precision", "Give 0 to 18 decimal places."),
        Reason("invalid_max_open_orders", "max_open_orders", "Give a whole number, 0 or more."),
        Reason("invalid_price_band_pct", "price_band_pct", "Give a percentage from 0 to 999."),
        Reason(
            "invalid_breaker_move_pct",
            "breaker_move_pct",
            "Give a percentage from 0 to 999, at most 8 decimal places.",
        ),
        Reason("invalid_breaker_window_s", "breaker_window_s", "Give whole seconds, 1 to 86400."),
        Reason("invalid_breaker_pause_s", "breaker_pause_s", "Give whole seconds, 1 to 86400."),
        Reason(
            "invalid_breaker_auction_s",
            "breaker_auction_s",
            "Give whole seconds, from 0 to the pause.",
        ),
    )
}


def reason_of(code: str) -> Reason:
    """The table's entry for `code`, or one with neither field nor message."""
    return REASONS.get(code) or Reason(code)
