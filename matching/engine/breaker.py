"""Circuit breakers, an extension of SPEC.md (API.md, "Market safety").

A market's breaker is set on its `symbol` or `market` line:
`breaker_move_pct` (a decimal string as `price_band_pct`: 0 <= x < 1000, at most 8 places;
absent on a `symbol` line or "0": off), `breaker_window_s` and `breaker_pause_s` (integers,
1 to 86400; defaults 300 and 300) and `breaker_auction_s` (an integer from 0 to the pause;
default 60, cut to the pause when the pause is shorter and the auction is not given).
A bad value refuses the line with `invalid_<field>`. On a `market` line an absent field
keeps the market's own value.

**The reference.** The price in force at the start of the window: the last trade price at
engine time `clock - window` (the clock is the commands' `ts`, in ms), or, when the market
had not traded by then, the first trade price within the window. A market that has never
traded has no reference, and the breaker does nothing yet. Turning a breaker on (or
defining a market with one) starts its history at the last trade price, if any.

**The trip.** With the reference r and the move m percent, a trade at price p may happen
only when |p - r| × 100 <= r × m. An incoming order (a `new` one, an activated stop, an
amend) trades as usual within those bounds; when the next trade it would make is outside
them (the best opposite price is within the order's own reach but past the far bound, or
already past the near one: an ask below the lower bound for a buy), that trade does not
happen:
- the order's remainder is cancelled with reason `circuit_breaker` (its fills stand; a FOK
  order that could fill within its reach but not within the bound is cancelled whole);
- the market pauses until `clock + pause` (`MARKET_STATUS` event, status `paused`, reason
  `circuit_breaker`, `resumes_at` that time).

**The pause.** `new` orders are rejected `symbol_paused` (right after `symbol_halted`), except
during the last `breaker_auction_s` seconds of the pause (fixed when it trips), when a plain
limit order (GTC, GTD or DAY, not post-only, not a stop) passes the other checks as usual
and then rests without matching: the book may be crossed. Amends are refused
`symbol_paused`. Cancels and expiries go on; waiting stops do not trigger.

**The reopening** (auction.py), at the first command whose `ts` reaches the pause's end
(`Engine.next_due` gives that time, so a `tick` fires it); on a market an admin halted
meanwhile, when the admin resumes it. The book uncrosses at one price, the market's status
is `trading` again (`MARKET_STATUS` event), its history restarts at the last trade price,
and waiting stops trigger on it.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Final

from .domain import DAY, GTC, GTD, LIMIT
from .market import MarketSpecError
from .price_band import parse_band
from .units import pow10

if TYPE_CHECKING:
    from .domain import Order
    from .market import Market

CIRCUIT_BREAKER: Final = "circuit_breaker"  # the reason of a pause and of the order it cancels
SYMBOL_PAUSED: Final = "symbol_paused"
PAUSED: Final = "paused"
MAX_SECONDS: Final = 86_400
DEFAULTS: Final = {"breaker_window_s": 300, "breaker_pause_s": 300, "breaker_auction_s": 0}
FIELDS: Final = ("breaker_move_pct", *DEFAULTS)


class Breaker:
    """A market's breaker: its settings (the move as given and parsed, times in ms) and the
    trade prices of its window, as `(ts, price)` pairs, oldest first, price changes only."""

    __slots__ = ("move_pct", "move", "window_ms", "pause_ms", "auction_ms", "history")

    def __init__(self, move_pct: str, window_s: int, pause_s: int, auction_s: int) -> None:
        move = parse_band(move_pct)
        if move is None:
            raise ValueError(f"no breaker moves {move_pct!r}")
        self.move_pct = move_pct
        self.move = move
        self.window_ms = window_s * 1000
        self.pause_ms = pause_s * 1000
        self.auction_ms = auction_s * 1000
        self.history: deque[tuple[int, int]] = deque()

    def settings(self) -> dict:
        """The four fields as a `symbol` line would give them."""
        return {
            "breaker_move_pct": self.move_pct,
            "breaker_window_s": self.window_ms // 1000,
            "breaker_pause_s": self.pause_ms // 1000,
            "breaker_auction_s": self.auction_ms // 1000,
        }

    def record(self, clock: int, price: int) -> None:
        """Notes the last trade price after a command's trades at `clock`."""
        history = self.history
        if history:
            last_ts, last_price = history[-1]
            if last_price == price:
                return
            if last_ts == clock:
                history[-1] = (clock, price)
                return
        history.append((clock, price))

    def reference(self, clock: int) -> int | None:
        """The price at the start of the window ending at `clock`; None if none yet.
        Drops what is older than needed: amortised O(1)."""
        history = self.history
        if not history:
            return None
        start = clock - self.window_ms
        while len(history) > 1 and history[1][0] <= start:
            history.popleft()
        return history[0][1]

    def bounds(self, clock: int) -> tuple[int, int] | None:
        """The lowest and highest prices a trade may happen at now; None: no bounds yet."""
        reference = self.reference(clock)
        if reference is None:
            return None
        num, scale = self.move
        room = reference * num // (100 * pow10(scale))
        return reference - room, reference + room


def breaker_of(cmd: dict, market: Market) -> Breaker | None:
    """The breaker a `symbol` or `market` line gives `market` (its own fields where absent);
    raises MarketSpecError(`invalid_<field>`). None when off. The history of a breaker that
    stays on is kept."""
    old = market.breaker
    current = old.settings() if old is not None else {"breaker_move_pct": "0", **DEFAULTS}
    given = {field: cmd.get(field) for field in FIELDS if cmd.get(field) is not None}
    if not given:
        return old
    values: dict[str, Any] = {**current, **given}
    move = values["breaker_move_pct"]
    try:
        on = parse_band(move) is not None
    except ValueError:
        raise MarketSpecError("invalid_breaker_move_pct") from None
    for field in ("breaker_window_s", "breaker_pause_s"):
        value = values[field]
        if type(value) is not int or not 1 <= value <= MAX_SECONDS:
            raise MarketSpecError(f"invalid_{field}")
    auction = values["breaker_auction_s"]
    if "breaker_auction_s" not in given and type(auction) is int:
        auction = min(auction, values["breaker_pause_s"])
    if type(auction) is not int or not 0 <= auction <= values["breaker_pause_s"]:
        raise MarketSpecError("invalid_breaker_auction_s")
    if not on:
        return None
    breaker = Breaker(move, values["breaker_window_s"], values["breaker_pause_s"], auction)
    if old is not None:
        breaker.history = old.history
    return breaker


def start_history(breaker: Breaker | None, market: Market, clock: int) -> None:
    """A breaker just turned on starts from the market's last trade price."""
    if breaker is not None and not breaker.history and market.last_price is not None:
        breaker.record(clock, market.last_price)


def joins_auction(order: Order) -> bool:
    """Whether a paused market in its auction window takes `order` (to rest unmatched)."""
    tif = order.tif
    return (
        order.type is LIMIT
        and (tif is GTC or tif is GTD or tif is DAY)
        and not order.post_only
        and order.trigger_price is None
    )
