"""Keeping the body the API answered for an order in the recent-order cache.

The persister writes the database a moment after the matcher answers; so that a client can
read its order right after placing or cancelling it, the API keeps what it answered here for
a while, and the selectors (exchange/selectors/orders.py) read whichever of the cache and the
database is newer, by engine seq.
"""

from __future__ import annotations

from exchange.selectors.async_cache import cache_set
from exchange.selectors.orders import recent_key

RECENT_SECONDS = 600


async def recent_order_remember(*, order_id: int, user_id: int, seq: int, body: dict) -> None:
    """Keeps `body`, answered at engine `seq`, as the user's order for RECENT_SECONDS (the
    sets of one turn of the event loop share one round trip to Redis)."""
    await cache_set(
        recent_key(order_id), {"user": user_id, "seq": seq, "body": body}, RECENT_SECONDS
    )
