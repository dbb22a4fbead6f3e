"""Cancel on disconnect (API.md, "Order control"): a socket that asked for it
(`cancel_on_disconnect` on its `auth` or `session` message) has the open orders placed
through it cancelled when it closes, for any reason, each with reason
`cancel_on_disconnect`."""

from __future__ import annotations

import asyncio
import logging

from exchange.services.orders import shard_of_order
from exchange.services.read_fence import fence_raise
from matching.service import client

log = logging.getLogger(__name__)
REASON = "cancel_on_disconnect"


async def orders_cancel_on_disconnect(*, user_id: int, order_ids: list[int]) -> list[int]:
    """Cancels those of `order_ids` that are still open; returns the ids cancelled. An order
    that has ended meanwhile is passed over; a matcher that does not answer is logged (its
    orders stay open: the client may cancel them once back)."""
    results = await asyncio.gather(
        *(_cancel(user_id, order_id) for order_id in order_ids), return_exceptions=True
    )
    cancelled = []
    for order_id, result in zip(order_ids, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("cancel on disconnect: order %s of user %s: %r", order_id, user_id, result)
        elif result:
            cancelled.append(order_id)
    return cancelled


async def _cancel(user_id: int, order_id: int) -> bool:
    shard = await shard_of_order(order_id, None)
    if shard is None:
        return False
    command = {"op": "cancel", "id": order_id, "user": user_id, "reason": REASON}
    reply = await client.call(command, shard=shard)
    await fence_raise(user_id=user_id, shard=shard, seq=reply.get("seq"))
    return any(
        event.get("kind") == "order" and event.get("order_id") == order_id
        for event in reply.get("events") or []
    )
