"""Cancel on disconnect (API.md, "Order control"): a socket that asked for it
(`cancel_on_disconnect` on its `auth` or `session` message) has the open orders placed
through it cancelled when it closes, for any reason, each with reason
`cancel_on_disconnect`: by its web process when the socket closes, or by the matcher's
reaper (matching/service/disconnect_reaper.py) when that process died."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from exchange.services.orders import shard_of_order
from exchange.services.read_fence import fence_raise
from matching.service import client

log = logging.getLogger(__name__)
REASON = "cancel_on_disconnect"


@dataclass
class DisconnectCancels:
    """What came of cancelling a socket's orders: the ids cancelled, and the ids the matcher
    did not answer for (still open, perhaps); the rest had ended already."""

    cancelled: list[int] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)


async def orders_cancel_on_disconnect(
    *, user_id: int, order_ids: list[int], shard: str | None = None
) -> DisconnectCancels:
    """Cancels those of `order_ids` (of `shard`, if known) that are still open. An order that
    has ended meanwhile is passed over; a matcher that does not answer is logged (its orders
    stay open: the client may cancel them once back)."""
    results = await asyncio.gather(
        *(_cancel(user_id, order_id, shard) for order_id in order_ids), return_exceptions=True
    )
    outcome = DisconnectCancels()
    for order_id, result in zip(order_ids, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("cancel on disconnect: order %s of user %s: %r", order_id, user_id, result)
            outcome.unanswered.append(order_id)
        elif result:
            outcome.cancelled.append(order_id)
    return outcome


async def _cancel(user_id: int, order_id: int, shard: str | None) -> bool:
    if shard is None:
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
