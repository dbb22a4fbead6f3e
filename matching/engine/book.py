"""The order book of one symbol: two sides of price levels, each level a FIFO queue.

A side keeps its levels in a `SortedDict` keyed so that the best price sorts first (asks by
price, bids by minus price; the compiled build uses levels.py's `PriceLevels`, which answers
the same) and caches the best level: best price is O(1), a new level is
O(log levels), and adding, cancelling or re-queueing an order is O(1) because each level is
an intrusive doubly linked list of `Order` nodes. The book knows nothing of users, fees or
clocks.
"""

from __future__ import annotations

from collections.abc import Iterator

from sortedcontainers import SortedDict  # type: ignore[import-untyped]

from . import BUILD
from .domain import BUY, Order
from .levels import PriceLevels


class Level:
    """The orders resting at one price, in priority order; `volume` is their visible total."""

    __slots__ = ("price", "head", "tail", "volume", "count")

    def __init__(self, price: int) -> None:
        self.price = price
        self.head: Order | None = None
        self.tail: Order | None = None
        self.volume = 0
        self.count = 0

    def orders(self) -> Iterator[Order]:
        """The level's orders in priority order. O(n)."""
        node = self.head
        while node is not None:
            yield node
            node = node.next


class BookSide:
    """One side (bids or asks) of a book.

    A level's key is its price on the asks and minus its price on the bids. It is written
    `-price if self.is_bid else price`, not as a product with the sign: compiled, a product
    with a negative operand (or one of 2**30 or more) takes mypyc's slow path, which boxes
    both operands.
    """

    __slots__ = ("is_bid", "_levels", "best")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        # compiled, PriceLevels (which mypyc types); pure, SortedDict (faster in Python)
        self._levels: PriceLevels = PriceLevels() if BUILD == "compiled" else SortedDict()
        self.best: Level | None = None

    def __len__(self) -> int:
        return len(self._levels)

    def levels(self) -> Iterator[Level]:
        """Levels from the best price outwards."""
        return iter(self._levels.values())

    def level_at(self, price: int) -> Level | None:
        """The level at `price`, if any order rests there. O(1)."""
        return self._levels.get(-price if self.is_bid else price)

    def add(self, order: Order) -> None:
        """Puts `order` at the back of its price level (creating the level). O(1) or O(log n)."""
        price = order.price
        assert price is not None, "a market order never rests"
        key = -price if self.is_bid else price
        level = self._levels.get(key)
        if level is None:
            level = Level(price)
            self._levels[key] = level
            best = self.best
            if best is None or (price > best.price if self.is_bid else price < best.price):
                self.best = level
        tail = level.tail
        order.prev = tail
        order.next = None
        if tail is None:
            level.head = order
        else:
            tail.next = order
        level.tail = order
        level.volume += order.visible
        level.count += 1
        order.level = level

    def remove(self, order: Order) -> None:
        """Takes `order` out of the book (its visible quantity leaves the level). O(1)."""
        level = order.level
        assert level is not None, "the order rests"
        prev, nxt = order.prev, order.next
        if prev is None:
            level.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            level.tail = prev
        else:
            nxt.prev = prev
        order.prev = order.next = order.level = None
        level.volume -= order.visible
        level.count -= 1
        if level.count == 0:
            del self._levels[-level.price if self.is_bid else level.price]
            if level is self.best:
                self.best = self._levels.peekitem(0)[1] if self._levels else None

    def requeue(self, order: Order) -> None:
        """Moves `order` to the back of its level: it loses its time priority. O(1)."""
        level = order.level
        assert level is not None, "the order rests"
        tail = level.tail
        if tail is order:
            return
        prev, nxt = order.prev, order.next
        assert tail is not None and nxt is not None  # not the tail: another order follows
        if prev is None:
            level.head = nxt
        else:
            prev.next = nxt
        nxt.prev = prev
        tail.next = order
        order.prev = tail
        order.next = None
        level.tail = order

    def check_invariants(self) -> None:
        """Raises AssertionError if the side is inconsistent. O(orders)."""
        keys = list(self._levels.keys())
        assert keys == sorted(keys)
        if keys:
            assert self.best is self._levels[keys[0]], "cached best level is stale"
        else:
            assert self.best is None, "best level cached on an empty side"
        side = BUY if self.is_bid else "sell"
        for key, level in self._levels.items():
            assert key == (-level.price if self.is_bid else level.price)
            assert level.count > 0, "empty level kept"
            count = volume = 0
            prev = None
            last_priority = -1
            for order in level.orders():
                assert order.prev is prev and order.level is level
                assert order.side == side and order.price == level.price
                assert 0 < order.visible <= order.remaining <= order.quantity - order.filled
                if order.display is None:
                    assert order.visible == order.remaining, "a plain order shows all it has"
                else:
                    assert order.visible <= order.display
                assert order.priority > last_priority, "queue out of time priority"
                last_priority = order.priority
                count += 1
                volume += order.visible
                prev = order
            assert level.tail is prev
            assert count == level.count and volume == level.volume


class OrderBook:
    """Bids and asks of one symbol."""

    __slots__ = ("bids", "asks")

    def __init__(self) -> None:
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)

    def side_of(self, order: Order) -> BookSide:
        return self.bids if order.side is BUY else self.asks

    def opposite_of(self, order: Order) -> BookSide:
        return self.asks if order.side is BUY else self.bids

    def check_invariants(self, may_cross: bool = False) -> None:
        """Raises AssertionError if a side is inconsistent or the book is crossed (unless it
        `may_cross`)."""
        self.bids.check_invariants()
        self.asks.check_invariants()
        if not may_cross and self.bids.best is not None and self.asks.best is not None:
            assert self.bids.best.price < self.asks.best.price, "book crossed at rest"
