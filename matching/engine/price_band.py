"""Price bands, an extension of SPEC.md (API.md, "Market safety").

A market's `price_band_pct` (a decimal string on its `symbol` or `market` line, e.g. "10";
absent or "0": no band) bounds how far from the reference price orders may go. The
reference is the last trade price, or the mid of the best bid and ask when the market has
not traded; with neither there is no band yet.

- A new limit order (or stop limit) whose price is further than `price_band_pct` percent
  from the reference is rejected `price_out_of_band`; a stop whose trigger price is, with
  `trigger_price_out_of_band` (the API's `price_out_of_band`, field `trigger_price`). The
  trigger is checked first, and both come after every rule of SPEC.md §2.
- A market order (by quantity or by quote quantity) trades as if limited to the band's
  edge: it stops walking the book there and the rest expires (a FOK one that cannot fill
  within the band expires whole).
- An amend's new price is checked as a new order's is.

Exactly: with the reference r (in ticks; the mid may be a half tick) and the band b
percent, a price p is out of band when |p - r| × 100 > r × b. The edge a buy walks to is
the highest tick p with p - r ≤ r × b / 100; a sell's the lowest with r - p ≤ r × b / 100.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .units import parse_decimal, pow10

if TYPE_CHECKING:
    from .market import Market

PRICE_OUT_OF_BAND: Final = "price_out_of_band"
TRIGGER_OUT_OF_BAND: Final = "trigger_price_out_of_band"


def parse_band(text: object) -> tuple[int, int] | None:
    """`price_band_pct` as (num, scale), None for no band; raises ValueError if invalid."""
    if type(text) is not str:
        raise ValueError(text)
    parsed = parse_decimal(text)
    if parsed is None or parsed[0] < 0 or parsed[1] > 8 or parsed[0] >= 1000 * pow10(parsed[1]):
        raise ValueError(text)
    return parsed if parsed[0] else None


def _twice_reference(market: Market) -> int | None:
    """Twice the reference price, in ticks (so a half-tick mid stays whole)."""
    if market.last_price is not None:
        return 2 * market.last_price
    bid, ask = market.book.bids.best, market.book.asks.best
    if bid is None or ask is None:
        return None
    return bid.price + ask.price


def _band_now(market: Market) -> tuple[int, int, int] | None:
    """(twice the reference, band num, band scale), or None when no band applies now."""
    band = market.price_band
    twice = None if band is None else _twice_reference(market)
    return None if band is None or twice is None else (twice, *band)


def out_of_band(market: Market, price: int) -> bool:
    """Whether `price` (ticks) is further from the reference than the band allows."""
    now = _band_now(market)
    if now is None:
        return False
    twice, num, scale = now
    return abs(2 * price - twice) * 100 * pow10(scale) > twice * num


def walk_limit(market: Market, is_buy: bool) -> int | None:
    """The band's edge a market order on that side may trade up (down) to; None: no band."""
    now = _band_now(market)
    if now is None:
        return None
    twice, num, scale = now
    whole = 200 * pow10(scale)  # twice × 100 × 10**scale: the reference, at this scale
    if is_buy:
        return twice * (100 * pow10(scale) + num) // whole
    return -(-twice * (100 * pow10(scale) - num) // whole)
