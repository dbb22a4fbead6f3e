"""`LIMITS`: the store every rate limit and lockout counts in, as settings choose it.

settings.EXCHANGE_RATE_STORE names the store like Django's CACHES name a cache:
`{"BACKEND": dotted path, "OPTIONS": {...}}`. The settings give Redis
(exchange/api/rate_redis.py: one window for all web processes) when REDIS_URL is set, and
this process's memory (exchange/api/rate_window.py) otherwise. The store is built on first
use and again when the setting changes (tests override it).

`LIMITS.local` is this process's memory in both cases, for what must be answered without a
round trip (exchange/api/address_gate.py).
"""

from __future__ import annotations

from exchange.api.rate_window import SlidingWindow
from exchange.configured import FromSettings


class ConfiguredStore:
    """The store of settings.EXCHANGE_RATE_STORE, with the store's own methods."""

    def __init__(self) -> None:
        self._current = FromSettings("EXCHANGE_RATE_STORE")
        self._local = None

    @property
    def local(self):
        """This process's memory window (the store itself when that is the configured one)."""
        store = self._current()
        if isinstance(store, SlidingWindow):
            return store
        if self._local is None:
            self._local = SlidingWindow()
        return self._local

    def check(self, ident: str, limit: int, duration: float) -> float | None:
        """Counts a request of `ident`: None if within `limit` per `duration` seconds, else
        (counting nothing) the seconds until one is allowed."""
        return self._current().check(ident, limit, duration)

    async def acheck(self, ident: str, limit: int, duration: float) -> float | None:
        """`check` from the event loop, without blocking it."""
        return await self._current().acheck(ident, limit, duration)

    def reset(self, ident: str) -> None:
        self._current().reset(ident)

    def lock(self, ident: str, seconds: float) -> None:
        self._current().lock(ident, seconds)

    def locked(self, ident: str) -> float | None:
        return self._current().locked(ident)

    def clear(self) -> None:
        """Forgets every count and lock, of the store and of this process's memory."""
        self._current().clear()
        self.local.clear()


LIMITS = ConfiguredStore()
