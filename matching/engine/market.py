"""A market (symbol): its specification, its book, its waiting stops and its last price."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .book import OrderBook
from .triggers import StopBook
from .units import decimal_places, parse_decimal, pow10, units_of

if TYPE_CHECKING:
    from .breaker import Breaker

DEFAULT_QUOTE_PRECISION: Final = 8

# A market's status (admin.py): a halted market takes no new orders.
TRADING: Final = "trading"
HALTED: Final = "halted"
MARKET_STATUSES: Final = {TRADING: TRADING, HALTED: HALTED}  # input -> the interned constant


class MarketSpecError(ValueError):
    """A `symbol` definition or `market` change that cannot be made; the message is the reason
    code."""


def _given(cmd: dict, field: str, default: object) -> Any:
    """The field's value; JSON null counts as absent (SPEC.md §9.2)."""
    value = cmd.get(field)
    return default if value is None else value


def _name(cmd: dict, field: str) -> str:
    """A name field (symbol, base, quote): a non-empty string."""
    text = cmd.get(field)
    if type(text) is not str or not text:
        raise MarketSpecError(f"invalid_{field}")
    return text


def _positive(cmd: dict, field: str, default: object = None) -> tuple[tuple[int, int], int]:
    """(value, places as written) of a positive decimal field."""
    text = _given(cmd, field, default)
    value = parse_decimal(text)
    if value is None or value[0] <= 0:
        raise MarketSpecError(f"invalid_{field}")
    return value, decimal_places(text)


NOT_POSITIVE: Final = 0
OFF_GRID: Final = -1
_MEMO_LIMIT: Final = 1 << 16


def _memo_units(memo: dict[str, int], text: str, unit_num: int, unit_places: int) -> int:
    """Converts a text not seen before and remembers it (the memo is bounded)."""
    value = parse_decimal(text)
    if value is None or value[0] <= 0:
        units = NOT_POSITIVE
    else:
        on_grid = units_of(value, unit_num, unit_places)
        units = OFF_GRID if on_grid is None else on_grid
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[text] = units
    return units


def budget_exp(market: Market) -> int:
    """The exponent of the unit a quote order's notional is kept in (`QuoteOrder.quote_left`):
    fine enough for both the quote_quantity (`quote_precision` places) and a fill's notional
    (tick places + lot places), so every sum and comparison is an exact integer one."""
    return max(market.notional_exp, market.quote_precision)


def _ceil_ratio(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


class Market:
    """Tick and lot are `num / 10**places`, `places` as written (SPEC.md §9.5)."""

    __slots__ = (
        "symbol",
        "base",
        "quote",
        "tick_num",
        "tick_places",
        "lot_num",
        "lot_places",
        "spec",
        "status",
        "version",
        "max_open_orders",
        "price_band_pct",
        "price_band",
        "breaker",
        "paused_until",
        "auction_from",
        "quote_precision",
        "notional_unit",
        "notional_exp",
        "min_lots",
        "min_notional_units",
        "book",
        "stops",
        "last_price",
        "lots_memo",
        "ticks_memo",
        "open_orders",
    )

    symbol: str
    base: str
    quote: str
    tick_num: int
    tick_places: int
    lot_num: int
    lot_places: int
    spec: dict[str, Any]
    status: str
    version: int
    max_open_orders: int
    price_band_pct: str
    breaker: Breaker | None
    quote_precision: int
    notional_unit: int
    notional_exp: int
    min_lots: int
    min_notional_units: int

    def __init__(self, cmd: dict) -> None:
        symbol, base, quote = _name(cmd, "symbol"), _name(cmd, "base"), _name(cmd, "quote")
        self.symbol, self.base, self.quote = symbol, base, quote
        tick, self.tick_places = _positive(cmd, "tick_size")
        lot, self.lot_places = _positive(cmd, "lot_size")
        self.tick_num = tick[0] * pow10(self.tick_places - tick[1])
        self.lot_num = lot[0] * pow10(self.lot_places - lot[1])
        min_qty, _ = _positive(cmd, "min_qty", cmd.get("lot_size"))
        min_notional_text = _given(cmd, "min_notional", "0")
        min_notional = parse_decimal(min_notional_text)
        if min_notional is None or min_notional[0] < 0:
            raise MarketSpecError("invalid_min_notional")
        precision = cmd.get("quote_precision")
        if precision is None:
            precision = DEFAULT_QUOTE_PRECISION
        if type(precision) is not int or not 0 <= precision <= 18:
            raise MarketSpecError("invalid_quote_precision")
        self.quote_precision = precision
        # the definition with its defaults filled in: what a snapshot keeps of the market
        self.spec = {
            "symbol": symbol,
            "base": base,
            "quote": quote,
            "tick_size": cmd["tick_size"],
            "lot_size": cmd["lot_size"],
            "min_qty": _given(cmd, "min_qty", cmd["lot_size"]),
            "min_notional": min_notional_text,
            "quote_precision": precision,
        }
        # price ticks × quantity lots × notional_unit = the notional in units of 10**-notional_exp
        self.notional_unit = self.tick_num * self.lot_num
        self.notional_exp = self.tick_places + self.lot_places
        # Lots and ticks are integers, so "q × lot < min_qty" is "q < ceil(min_qty / lot)" and
        # "p × tick × q × lot < min_notional" is "p × q < ceil(min_notional / (tick × lot))".
        self.min_lots = _ceil_ratio(
            min_qty[0] * pow10(self.lot_places), self.lot_num * pow10(min_qty[1])
        )
        self.min_notional_units = _ceil_ratio(
            min_notional[0] * pow10(self.notional_exp), self.notional_unit * pow10(min_notional[1])
        )
        # Not part of `spec`: set by the service's `symbol`/`market` lines (admin.py).
        self.status = TRADING
        self.version = 0
        self.max_open_orders = 0  # live orders a user may have here; 0: no limit
        self.price_band_pct = "0"  # as given (price_band.py); "0": no band
        self.price_band: tuple[int, int] | None = None  # the same as (num, scale)
        self.breaker = None  # its circuit breaker (breaker.py), None when off
        self.paused_until: int | None = None  # engine time a breaker's pause ends (breaker.py)
        self.auction_from: int | None = None  # when, in the pause, the auction takes orders
        self.book = OrderBook()
        self.stops = StopBook()
        self.last_price: int | None = None
        # Prices and quantities repeat a lot: text -> units as `lots_of_text` gives them.
        # Validation reads these first (a hit is one look-up) and calls the methods on a miss.
        self.lots_memo: dict[str, int] = {}
        self.ticks_memo: dict[str, int] = {}
        # user -> how many live orders (resting or waiting) the user has here, users with
        # none left out: what `max_open_orders` bounds (kept by the engine's `_index`)
        self.open_orders: dict[int | str, int] = {}

    def lots_of_text(self, text: object) -> int:
        """Whole lots in a positive decimal quantity string; `NOT_POSITIVE` if it is not one,
        `OFF_GRID` if it is not a whole number of lots. O(1) for a text seen before."""
        if type(text) is not str:
            return NOT_POSITIVE
        units = self.lots_memo.get(text)
        if units is None:
            units = _memo_units(self.lots_memo, text, self.lot_num, self.lot_places)
        return units

    def ticks_of_text(self, text: object) -> int:
        """Whole ticks in a positive decimal price string, like `lots_of_text`."""
        if type(text) is not str:
            return NOT_POSITIVE
        units = self.ticks_memo.get(text)
        if units is None:
            units = _memo_units(self.ticks_memo, text, self.tick_num, self.tick_places)
        return units
