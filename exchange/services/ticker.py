"""The 24 h ticker as served to REST and the socket, kept per market in this process.

The window's figures are read in full (`ticker_window`: rollups and the trades of the
window's first, partial minute) at most once every `EXCHANGE_TICKER_CACHE_SECONDS` (a
second) per market, however many clients ask. In between, each call reads the market's
latest trade id (one index lookup) and folds the trades written since the figures were read
into them (`ticker_new_trades`), so `last`, `high`, `low` and the volumes show a trade as
soon as the persister has written it; only a trade leaving the window at its old end takes
up to that second to drop out. The best bid and ask are read from the cached book on every
call. Concurrent calls for one market wait for one read instead of each making their own.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings

from exchange.models import Market
from exchange.selectors.market_data import (
    book_top_at_least,
    figures_combined,
    last_trade,
    ticker_body,
    ticker_new_trades,
    ticker_since,
    ticker_window,
)


@dataclass(frozen=True)
class Kept:
    """A market's window figures, the trade id (and seq) they cover at least, and when they
    are read anew."""

    figures: dict
    covered: int
    covered_seq: int
    expires: float


# A ticker waits up to EXCHANGE_TICKER_BOOK_WAIT_SECONDS for the cached book to reach its
# last trade: the matcher writes the book within about 50 ms of a change, more on a loaded
# machine. A matcher that is away is waited for once per trade: after a wait runs out, the
# market's later tickers show the book they have until a newer trade (`_waited_out`)
_waited_out: dict[str, int] = {}
_kept: dict[str, Kept] = {}
_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _lock(symbol: str) -> threading.Lock:
    with _guard:
        return _locks.setdefault(symbol, threading.Lock())


def _read_window(market: Market, latest: int, latest_seq: int) -> Kept:
    began = time.monotonic()
    figures = ticker_window(market=market, since=ticker_since())
    # the market's trades are committed in id order, so the window holds every trade up to
    # its last one and none after; trades up to `latest` that it lacks are out of the window
    covered = max(latest, figures["last"][0] if figures["count"] else 0)
    if covered > latest:  # committed between the two reads: the book must reach it too
        latest_seq = last_trade(market)[1]
    return Kept(figures, covered, latest_seq, began + settings.EXCHANGE_TICKER_CACHE_SECONDS)


def _kept_figures(market: Market) -> Kept:
    latest, latest_seq = last_trade(market)
    with _lock(market.symbol):
        kept = _kept.get(market.symbol)
        if kept is None or time.monotonic() >= kept.expires:
            kept = _read_window(market, latest, latest_seq)
        elif latest > kept.covered:
            new = ticker_new_trades(
                market=market, since=ticker_since(), after_id=kept.covered, up_to_id=latest
            )
            kept = Kept(figures_combined(kept.figures, new), latest, latest_seq, kept.expires)
        _kept[market.symbol] = kept
    return kept


def ticker_figures(market: Market) -> tuple[dict, int]:
    """(the market's ticker: the 24 h figures and the best bid and ask of a book at least as
    new as its last trade; the id of the latest trade it covers)."""
    kept = _kept_figures(market)
    waited_out = _waited_out.get(market.symbol, -1) >= kept.covered_seq
    top, reached = book_top_at_least(
        market=market,
        seq=kept.covered_seq,
        wait_seconds=0.0 if waited_out else settings.EXCHANGE_TICKER_BOOK_WAIT_SECONDS,
    )
    if not reached:
        _waited_out[market.symbol] = kept.covered_seq
    return {**ticker_body(market=market, figures=kept.figures), **top}, kept.covered


def ticker_get(market: Market) -> dict:
    """The ticker of REST."""
    return ticker_figures(market)[0]


def forget_tickers() -> None:
    """Drops every kept figure (tests: a new database)."""
    with _guard:
        _kept.clear()
        _waited_out.clear()
