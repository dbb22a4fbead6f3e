"""What keeps one client from costing the web process much: a rate for the messages of a
connection, a cap on connections per client address, and the market list read at most every
MARKETS_SECONDS however many unknown symbols clients ask for."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from exchange.models import Market

MARKETS_SECONDS = 2.0


class MessageRate:
    """A token bucket: `rate` messages a second, `2 × rate` at once."""

    def __init__(self, rate: float) -> None:
        self.rate, self.burst = rate, 2 * rate
        self.tokens, self.at = self.burst, time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class AddressCount:
    """Open connections per client address in this process (the address by REST's rule,
    exchange/client_address.py: the peer, or the client a trusted proxy forwards)."""

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    def enter(self, address: str, limit: int) -> bool:
        """Counts one more connection from `address`; False (and not counted) past `limit`."""
        if self._open[address] >= limit:
            return False
        self._open[address] += 1
        return True

    def leave(self, address: str) -> None:
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]


OPEN_BY_ADDRESS = AddressCount()


def _all_symbols() -> frozenset[str]:
    return frozenset(Market.objects.values_list("symbol", flat=True))


class KnownMarkets:
    """The market symbols, read from the database at most every MARKETS_SECONDS."""

    def __init__(self, load: Callable[[], frozenset[str]] = _all_symbols) -> None:
        self._load = load
        self._symbols: frozenset[str] = frozenset()
        self._read_at = float("-inf")

    def stale(self) -> bool:
        return time.monotonic() - self._read_at >= MARKETS_SECONDS

    def refresh(self) -> None:
        """Reads the symbols if the last read is MARKETS_SECONDS old (on a thread: it may
        ask the database)."""
        if self.stale():
            self._symbols, self._read_at = self._load(), time.monotonic()

    def symbols(self) -> frozenset[str]:
        """The symbols last read (never asks the database)."""
        return self._symbols


KNOWN_MARKETS = KnownMarkets()
