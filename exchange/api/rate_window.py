"""Sliding one-window rate limits kept in the server process's memory.

DRF's history throttle kept each key's request times in the cache (Redis in production): a
read and a write on every request, from a worker thread, which under load cost more than
placing the order. Here the same rule (at most N requests in any `duration` seconds) is a
deque per key in memory, checked in microseconds, from the event loop or a thread alike.

The limits hold per server process: each daphne replica grants a key the full rate. Put a
load balancer that pins a key (or address) to a replica in front when the sum matters.
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
        self._lock = threading.Lock()
        self._checks = 0

    def check(self, ident: str, limit: int, duration: float) -> float | None:
        """Counts a request of `ident` and returns None if it is within `limit` per
        `duration`; else counts nothing and returns the seconds until one is allowed."""
        now = self.clock()
        with self._lock:
            self._checks += 1
            if self._checks % PURGE_EVERY == 0:
                self._purge(now, duration)
            history = self._history.get(ident)
            if history is None:
                history = self._history[ident] = deque()
            while history and history[0] <= now - duration:
                history.popleft()
            if len(history) >= limit:
                return max(0.0, history[0] + duration - now)
            history.append(now)
            return None

    def _purge(self, now: float, duration: float) -> None:
        idle = [ident for ident, times in self._history.items() if not times or
                times[-1] <= now - duration]  # fmt: skip
        for ident in idle:
            del self._history[ident]

    def clear(self) -> None:
        with self._lock:
            self._history.clear()


LIMITS = SlidingWindow()
