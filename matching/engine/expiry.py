"""GTD and DAY expiry: a heap of live orders by `(expire_at, placed)` (SPEC.md §6).

Orders that end another way stay in the heap and are skipped when they come due (lazy
deletion); the heap is rebuilt when such dead entries outnumber the live ones.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Final

from .domain import LIVE_STATUSES, Order

_COMPACT_ABOVE: Final = 1024


class ExpiryQueue:
    __slots__ = ("heap", "_dead")

    def __init__(self) -> None:
        # Read-only outside: `heap[0][0]` is the next expiry time (see `Engine.process`).
        self.heap: list[tuple[int, int, Order]] = []
        self._dead = 0

    def __len__(self) -> int:
        return len(self.heap) - self._dead

    def push(self, order: Order) -> None:
        """Registers a live order with an `expire_at`. O(log n)."""
        expire_at = order.expire_at
        assert expire_at is not None
        heapq.heappush(self.heap, (expire_at, order.placed, order))

    def discard(self, order: Order) -> None:
        """Notes that `order` ended before expiring; its entry is dropped later. O(1) amortised."""
        self._dead += 1
        heap = self.heap
        if len(heap) > _COMPACT_ABOVE and self._dead * 2 > len(heap):
            heap[:] = [entry for entry in heap if entry[2].status in LIVE_STATUSES]
            heapq.heapify(heap)
            self._dead = 0

    def pop_due(self, clock: int) -> Iterator[Order]:
        """Yields, and removes, each live order whose `expire_at` is at or before `clock`,
        in order of `expire_at` then placement."""
        heap = self.heap
        while heap and heap[0][0] <= clock:
            entry = heapq.heappop(heap)
            if entry[2].status in LIVE_STATUSES:
                yield entry[2]
            else:
                self._dead -= 1

    def orders(self) -> Iterator[Order]:
        """The live orders waiting to expire, in expiry order."""
        return (entry[2] for entry in sorted(self.heap) if entry[2].status in LIVE_STATUSES)
