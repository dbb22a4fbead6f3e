"""Values computed by coroutines at most once per key every few seconds in this process.

`AsyncTimedCache.aget(key, compute)` answers the value `await compute()` gave less than
`seconds` ago (counted from when that computation began, so an answer is never older than
that), else computes it again. Callers on one event loop that ask for the same key while it
is being computed wait for that computation instead of starting their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class AsyncTimedCache(Generic[T]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, T]] = {}  # key -> (expires, value)
        self._running: dict[tuple[int, Hashable], asyncio.Future] = {}

    async def aget(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() < entry[0]:
            return entry[1]
        running_key = (id(asyncio.get_running_loop()), key)
        running = self._running.get(running_key)
        if running is None:
            running = asyncio.ensure_future(self._compute(key, compute))
            self._running[running_key] = running
            running.add_done_callback(lambda _: self._running.pop(running_key, None))
        # shielded: one caller going away must not cancel the computation for the others
        return await asyncio.shield(running)

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        began = time.monotonic()
        value = await compute()
        self._entries[key] = (began + self.seconds, value)
        return value

    def clear(self) -> None:
        self._entries.clear()
