"""When the matcher may let the engine forget the oldest client_order_ids.

The engine keeps (user, client_order_id) -> order id so that a repeat is refused; kept for
every order ever placed, that map would grow without end (~250 bytes an order). Once an
order's row is in the database, the API finds a repeat there (exchange/services/orders.py
asks the database first), so the engine can let the entry go, with the journaled
`forget_client_ids` command (engine.py), which replays the same after a crash.

One race is left to close: a request that asked the database just before the order's row
was written, and reaches the matcher later. Requests reach the matcher within their deadline
(EXCHANGE_MATCHER_TIMEOUT_MS, or they are dropped), so the matcher forgets only up to what
was persisted `hold_seconds` ago, well past any deadline.
"""

from __future__ import annotations

from collections import deque


class ClientIdRetention:
    def __init__(self, hold_seconds: float) -> None:
        self.hold_seconds = hold_seconds
        self._samples: deque[tuple[float, int]] = deque()  # (when, persisted seq), oldest first
        self._forgotten = 0

    def forget_upto(self, now: float, persisted_seq: int) -> int | None:
        """The seq up to which orders may be forgotten now (their ids are `id_base + seq`),
        or None if that has not moved since the last time. Call now and then with the
        persister's position; `now` is a monotonic clock."""
        samples = self._samples
        if not samples or samples[-1][1] != persisted_seq:
            samples.append((now, persisted_seq))
        upto = None
        while samples and samples[0][0] <= now - self.hold_seconds:
            upto = samples.popleft()[1]
        if upto is None or upto <= self._forgotten:
            return None
        self._forgotten = upto
        return upto
