"""What a socket needs for cancel on disconnect (API.md, "Order control"): the orders placed
through it, and a way to finish the cancels after the connection has gone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine

log = logging.getLogger(__name__)

# Past this many, the oldest placed orders are forgotten (a long-lived bot's socket): an
# order that old has most likely ended; the user's open orders per market are bounded
# anyway (`max_open_orders`, 200 by default).
MAX_REMEMBERED = 10_000

_running: set[asyncio.Task] = set()


class PlacedOrders:
    """The ids of the orders placed through one socket, the newest MAX_REMEMBERED, each with
    its market's symbol."""

    def __init__(self) -> None:
        self._symbols: dict[int, str] = {}  # insertion-ordered

    def remember(self, order_id: int, symbol: str) -> int | None:
        """Adds the order; returns the id of the oldest one, if that is forgotten for it."""
        self._symbols[order_id] = symbol
        if len(self._symbols) > MAX_REMEMBERED:
            oldest = next(iter(self._symbols))
            del self._symbols[oldest]
            return oldest
        return None

    def ids(self) -> list[int]:
        return list(self._symbols)

    def items(self) -> list[tuple[int, str]]:
        """(order id, symbol) of each order, oldest first."""
        return list(self._symbols.items())

    def __bool__(self) -> bool:
        return bool(self._symbols)


def keep_running(work: Coroutine) -> None:
    """Runs `work` on the loop to its end, though the socket that started it is gone."""
    task = asyncio.ensure_future(work)
    _running.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("ws: cancel on disconnect failed", exc_info=task.exception())
