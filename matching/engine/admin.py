"""Market administration, an extension of SPEC.md: halting a market and changing its grid.

`{"op": "market", "symbol": S, "status": ..., "tick_size": ..., "lot_size": ...,
"min_qty": ..., "min_notional": ...}` changes the given fields of a defined market (JSON
null counts as absent: unchanged) and answers `(CONFIGURED, "market", S)`; on failure it
answers `(REFUSED, "market", S, None, reason)` and changes nothing. Reasons, in the order
they are checked:

`status` and `version` may also be given on a `symbol` line (the service defines a market
with them); `version` is a non-negative integer the engine keeps and reports in
`Engine.market_config`, so the service can tell which revision of its configuration is
applied (`invalid_version` otherwise).

1. `unknown_symbol` — no market `S`.
2. `invalid_field` — a non-null key other than op, symbol, ts and the five above (`base`,
   `quote` and `quote_precision` cannot change).
3. `invalid_status` — not `"trading"` or `"halted"`; `invalid_version`;
   `invalid_max_open_orders` — not a non-negative integer; `invalid_price_band_pct` —
   not a decimal string from 0 to below 1000 (price_band.py); `invalid_breaker_move_pct`,
   `invalid_breaker_window_s`, `invalid_breaker_pause_s`, `invalid_breaker_auction_s`
   (breaker.py).
4. `invalid_tick_size`, `invalid_lot_size`, `invalid_min_qty`, `invalid_min_notional` — as
   for a `symbol` line (the merged definition must make a market).
   With funds on (risk.py), `invalid_precision` when tick places + lot places exceed 18.
5. `would_strand_orders` — a live order of the market (resting or waiting) has a price or
   trigger price off the new tick grid, or a quantity, remaining, visible, filled or display
   quantity off the new lot grid.
6. `last_price_off_grid` — the last trade price is off the new tick grid (triggers compare
   whole ticks).

`max_open_orders` (also on a `symbol` line; absent there: 0, no limit) bounds the live
orders, resting or waiting, a user may have in the market: a `new` order that may become
live (a limit order that is not IOC or FOK, or any stop) is rejected `too_many_orders` when
its user has that many already. The check comes after every rule of SPEC.md §2 and before
funds (so an order it rejects holds nothing); a market, IOC or FOK order is never refused
for it. Lowering the limit cancels nothing.

A halted market rejects `new` orders with `symbol_halted` (checked right after
`unknown_symbol`); cancels and expiry go on. A new tick or lot size rescales the market's live
orders and last price into the new units, keeping the book exactly as it was: the same
levels, queues, priorities and waiting order. Minimums only apply to later orders. A
`min_qty` defaulted from the first `lot_size` keeps that value when the lot changes.
"""

from __future__ import annotations

from math import gcd
from typing import TYPE_CHECKING, Final

from .breaker import FIELDS as BREAKER_FIELDS
from .breaker import breaker_of, start_history
from .domain import Order
from .market import MARKET_STATUSES, Market, MarketSpecError
from .price_band import parse_band
from .risk import exact_enough
from .units import pow10

if TYPE_CHECKING:
    from .engine import Engine

MARKET_FIELDS: Final = frozenset(
    (
        "op",
        "symbol",
        "ts",
        "status",
        "tick_size",
        "lot_size",
        "min_qty",
        "min_notional",
        "version",
        "max_open_orders",
        "price_band_pct",
        *BREAKER_FIELDS,
    )
)


def price_band_of(cmd: dict, market: Market) -> tuple[str, tuple[int, int] | None]:
    """The `price_band_pct` a `symbol` or `market` line gives (the market's own where absent)
    as given and parsed (price_band.py; `invalid_price_band_pct` if it is not a decimal
    string from 0 to below 1000 with at most 8 places)."""
    text = cmd.get("price_band_pct")
    if text is None:
        return market.price_band_pct, market.price_band
    try:
        return text, parse_band(text)
    except ValueError:
        raise MarketSpecError("invalid_price_band_pct") from None


def max_open_orders_of(cmd: dict, market: Market) -> int:
    """The `max_open_orders` a `symbol` or `market` line gives (the market's own where
    absent): a non-negative integer, 0 for no limit (`invalid_max_open_orders` otherwise)."""
    limit = cmd.get("max_open_orders")
    if limit is None:
        return market.max_open_orders
    if type(limit) is not int or limit < 0:
        raise MarketSpecError("invalid_max_open_orders")
    return limit


def status_and_version(cmd: dict, market: Market) -> tuple[str, int]:
    """The `status` and `version` a `symbol` or `market` line gives (the market's own where
    absent). The version is the configuration's revision in the service's database: a
    non-negative integer the engine only keeps, so the service can tell what it applied."""
    status = cmd.get("status")
    if status is None:
        status = market.status
    else:
        status = MARKET_STATUSES.get(status) if type(status) is str else None
        if status is None:
            raise MarketSpecError("invalid_status")
    version = cmd.get("version")
    if version is None:
        version = market.version
    elif type(version) is not int or version < 0:
        raise MarketSpecError("invalid_version")
    return status, version


# `{"op": "trading", "user": U, "enabled": false}` stops user U trading: each of their live
# orders is cancelled in order of id, reason `admin`, and their `new` orders are rejected
# `trading_disabled` (the first check, before SPEC.md §2's) until `"enabled": true` comes.
# Answers `(CONFIGURED, "trading", U)`, or `(REFUSED, "trading", U, U, reason)` changing
# nothing: `invalid_user`, `invalid_enabled` (not a boolean).
ADMIN: Final = "admin"  # the reason of the orders it cancels
TRADING_DISABLED: Final = "trading_disabled"

SPEC_FIELDS: Final = ("tick_size", "lot_size", "min_qty", "min_notional")


def configure_market(engine: Engine, cmd: dict) -> None:
    """Applies a `market` command; raises MarketSpecError(reason) before changing anything."""
    symbol = cmd.get("symbol")
    market = engine.markets.get(symbol) if type(symbol) is str else None
    if market is None:
        raise MarketSpecError("unknown_symbol")
    for key, value in cmd.items():
        if value is not None and key not in MARKET_FIELDS:
            raise MarketSpecError("invalid_field")
    status, version = status_and_version(cmd, market)
    max_open_orders = max_open_orders_of(cmd, market)
    band = price_band_of(cmd, market)
    breaker = breaker_of(cmd, market)
    spec = dict(market.spec)
    for field in SPEC_FIELDS:
        value = cmd.get(field)
        if value is not None:
            spec[field] = value
    if spec != market.spec:
        rebuilt = Market(spec)
        if engine.funds is not None and not exact_enough(rebuilt):
            raise MarketSpecError("invalid_precision")  # funds need exact notionals (risk.py)
        market = _rebuilt(market, rebuilt)
        engine.markets[market.symbol] = market  # same key: definition order is kept
    market.status, market.version = status, version
    market.max_open_orders = max_open_orders
    market.price_band_pct, market.price_band = band
    market.breaker = breaker
    start_history(breaker, market, engine.clock)


def _ratio(old_num: int, old_places: int, new_num: int, new_places: int) -> tuple[int, int]:
    """`(num, den)` in lowest terms: `x` old units are `x * num / den` new units, a whole
    number exactly when `den` divides `x`."""
    num, den = old_num * pow10(new_places), new_num * pow10(old_places)
    common = gcd(num, den)
    return num // common, den // common


def _rebuilt(old: Market, new: Market) -> Market:
    """`new` holding `old`'s live orders and last price in its units, queues and priorities
    unchanged; raises MarketSpecError, touching nothing, if some value is off the new grid.
    O(n log n) in the market's live orders."""
    tick_num, tick_den = _ratio(old.tick_num, old.tick_places, new.tick_num, new.tick_places)
    lot_num, lot_den = _ratio(old.lot_num, old.lot_places, new.lot_num, new.lot_places)
    # Collected before any move: re-adding an order relinks it, which would cut a walk short.
    bids = [order for level in old.book.bids.levels() for order in level.orders()]
    asks = [order for level in old.book.asks.levels() for order in level.orders()]
    waiting = list(old.stops.orders())
    if tick_den != 1 or lot_den != 1:
        for order in (*bids, *asks, *waiting):
            if not _on_grid(order, tick_den, lot_den):
                raise MarketSpecError("would_strand_orders")
    last = old.last_price
    if last is not None and last % tick_den:
        raise MarketSpecError("last_price_off_grid")
    new.last_price = None if last is None else last // tick_den * tick_num
    new.paused_until, new.auction_from = old.paused_until, old.auction_from
    new.open_orders = old.open_orders  # the same live orders, moved below
    if old.breaker is not None:  # its history was in the old ticks: it restarts (breaker.py)
        new.breaker = old.breaker
        new.breaker.history.clear()
    tick, lot = (tick_num, tick_den), (lot_num, lot_den)
    for orders, side in ((bids, new.book.bids), (asks, new.book.asks)):
        for order in orders:  # in queue order, so each level's queue comes out the same
            _rescale(order, tick, lot)
            order.market = new
            side.add(order)
    for order in waiting:
        _rescale(order, tick, lot)
        order.market = new
        new.stops.add(order)  # keyed by (trigger, placed): placement order is kept
    return new


def _on_grid(order: Order, tick_den: int, lot_den: int) -> bool:
    for price in (order.price, order.trigger_price):
        if price is not None and price % tick_den:
            return False
    for quantity in (order.quantity, order.remaining, order.visible, order.filled, order.display):
        if quantity is not None and quantity % lot_den:
            return False
    return True


def _rescale(order: Order, tick: tuple[int, int], lot: tuple[int, int]) -> None:
    """Converts the order's prices and quantities (checked whole by `_on_grid`)."""
    tick_num, tick_den = tick
    lot_num, lot_den = lot
    if order.price is not None:
        order.price = order.price // tick_den * tick_num
    if order.trigger_price is not None:
        order.trigger_price = order.trigger_price // tick_den * tick_num
    order.quantity = order.quantity // lot_den * lot_num
    order.remaining = order.remaining // lot_den * lot_num
    order.visible = order.visible // lot_den * lot_num
    order.filled = order.filled // lot_den * lot_num
    if order.display is not None:
        order.display = order.display // lot_den * lot_num
