"""Sliding-window rate limits and lockouts kept in this process's memory.

The rule: at most N requests of an ident in any `duration` seconds; a deque of request
times per ident, checked in microseconds, from the event loop or a thread alike. Locks (an
ident refused until a time) sit beside the windows.

This is the store of the embedded exchange (no REDIS_URL), the fallback of the shared one
(exchange/api/rate_redis.py) while Redis does not answer, and the process-local part of
the address gate (exchange/api/address_gate.py). Which store counts is set in
settings.EXCHANGE_RATE_STORE; `exchange.api.rate_store.LIMITS` is that store.
"""

from __future__ import annotations

import threading
import time
from collections import deque

PURGE_EVERY = 10_000  # checks between sweeps of idle keys


class SlidingWindow:
    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._history: dict[str, deque[float]] = {}
        self._durations: dict[str, float] = {}  # ident: the duration it was last checked with
        self._locks: dict[str, float] = {}  # ident: locked until (clock time)
        self._lock = threading.Lock()
        self._checks = 0

    def check(self, ident: str, limit: int, duration: float) -> float | None:
        """Counts a request of `ident` and returns None if it is within `limit` per
        `duration`; else counts nothing and returns the seconds until one is allowed."""
        now = self.clock()
        with self._lock:
            self._checks += 1
            if self._checks % PURGE_EVERY == 0:
                self._purge(now)
            history = self._history.get(ident)
            if history is None:
                history = self._history[ident] = deque()
            self._durations[ident] = duration
            while history and history[0] <= now - duration:
                history.popleft()
            if len(history) >= limit:
                return max(0.0, history[0] + duration - now)
            history.append(now)
            return None

    async def acheck(self, ident: str, limit: int, duration: float) -> float | None:
        """`check`, for async callers (in memory: nothing to wait for)."""
        return self.check(ident, limit, duration)

    def reset(self, ident: str) -> None:
        """Forgets the requests counted for `ident`."""
        with self._lock:
            self._history.pop(ident, None)
            self._durations.pop(ident, None)

    def lock(self, ident: str, seconds: float) -> None:
        """Locks `ident` for `seconds`."""
        with self._lock:
            self._locks[ident] = self.clock() + seconds

    def locked(self, ident: str) -> float | None:
        """The seconds `ident` stays locked, or None if it is not."""
        now = self.clock()
        with self._lock:
            until = self._locks.get(ident)
            if until is None:
                return None
            if until <= now:
                del self._locks[ident]
                return None
            return until - now

    def _purge(self, now: float) -> None:
        idle = [ident for ident, times in self._history.items() if not times or
                times[-1] <= now - self._durations[ident]]  # fmt: skip
        for ident in idle:
            del self._history[ident]
            del self._durations[ident]
        for ident in [ident for ident, until in self._locks.items() if until <= now]:
            del self._locks[ident]

    def clear(self) -> None:
        with self._lock:
            self._history.clear()
            self._durations.clear()
            self._locks.clear()
