"""Waiting stop and take-profit orders of one symbol, indexed by trigger price (SPEC.md §6).

An order waits on one of two ladders: "falling" orders trigger when the last price is at or
below their trigger (sell stops, buy take-profits), "rising" ones when it is at or above
(buy stops, sell take-profits). Each ladder is a `SortedList` of `(trigger, placed, order)`,
so "is anything met?" is O(1) and adding or removing an order O(log n).
"""

from __future__ import annotations

from collections.abc import Iterator

from sortedcontainers import SortedList  # type: ignore[import-untyped]

from .domain import BUY, STOP_TYPES, Order


def triggers_on_fall(order: Order) -> bool:
    """True if `order` triggers on a falling price (last <= trigger)."""
    return (order.side is BUY) != (order.type in STOP_TYPES)


class StopBook:
    """The waiting orders of one symbol."""

    __slots__ = ("_falling", "_rising", "size")

    def __init__(self) -> None:
        self._falling: SortedList = SortedList()
        self._rising: SortedList = SortedList()
        self.size = 0  # an attribute, not __len__: it is read after every order

    def add(self, order: Order) -> None:
        ladder = self._falling if triggers_on_fall(order) else self._rising
        ladder.add((order.trigger_price, order.placed, order))
        self.size += 1

    def remove(self, order: Order) -> None:
        ladder = self._falling if triggers_on_fall(order) else self._rising
        ladder.remove((order.trigger_price, order.placed, order))
        self.size -= 1

    def pop_triggered(self, last: int) -> Order | None:
        """Removes and returns the earliest-placed order whose trigger `last` meets, if any.

        O(log n + m) for m met orders.
        """
        best = None
        falling, rising = self._falling, self._rising
        if falling and falling[-1][0] >= last:
            for entry in falling.islice(falling.bisect_left((last,))):
                if best is None or entry[1] < best[1]:
                    best = entry
        if rising and rising[0][0] <= last:
            for entry in rising.islice(0, rising.bisect_left((last + 1,))):
                if best is None or entry[1] < best[1]:
                    best = entry
        if best is None:
            return None
        (falling if triggers_on_fall(best[2]) else rising).remove(best)
        self.size -= 1
        return best[2]

    def orders(self) -> Iterator[Order]:
        """Every waiting order, in placement order."""
        entries = sorted(list(self._falling) + list(self._rising), key=lambda entry: entry[1])
        return (entry[2] for entry in entries)
