"""The matcher's side of cancel on disconnect (API.md, "Order control"): when a web process
dies with cancel-on-disconnect sockets open, nobody closes them, so each matcher cancels
what they placed on its shard.

Every REAP_SECONDS the reaper asks the disconnect registry (exchange/services/
disconnect_registry.py) for the web processes whose liveness stamp has run out, and sends
its own matcher a journaled `cancel` with reason `cancel_on_disconnect` for each of their
recorded orders of its shard, as the web process does when a socket closes
(exchange/services/cancel_on_disconnect.py: the users' read fences raised too); an order
that has ended meanwhile is passed over. Then the records go; those the matcher did not
answer for stay, and are tried again at the next round.
"""

from __future__ import annotations

import asyncio
import logging

from exchange.services.cancel_on_disconnect import orders_cancel_on_disconnect
from exchange.services.disconnect_registry import DisconnectRegistry, disconnect_registry

log = logging.getLogger(__name__)

REAP_SECONDS = 1.0


async def reap(shard: str, registry: DisconnectRegistry | None = None) -> list[int]:
    """Cancels the recorded orders of `shard` of every web process found dead; returns the
    ids cancelled."""
    registry = registry or disconnect_registry()
    cancelled: list[int] = []
    for process in await registry.dead():
        by_user: dict[int, list[int]] = {}
        for order in await registry.orders(process, shard):
            by_user.setdefault(order.user_id, []).append(order.order_id)
        answered: list[int] = []
        mine: list[int] = []
        for user_id, order_ids in by_user.items():
            outcome = await orders_cancel_on_disconnect(
                user_id=user_id, order_ids=order_ids, shard=shard
            )
            mine.extend(outcome.cancelled)
            unanswered = set(outcome.unanswered)
            answered.extend(order_id for order_id in order_ids if order_id not in unanswered)
        if by_user:
            log.warning("cancel on disconnect: web process %s is gone; %s of its sockets' "
                        "orders on shard %r cancelled", process, len(mine), shard)  # fmt: skip
        await registry.reaped(process, answered)
        cancelled.extend(mine)
    return cancelled


async def run(shard: str) -> None:
    """Reaps every REAP_SECONDS, forever (one of the matcher's supervised tasks)."""
    while True:
        await asyncio.sleep(REAP_SECONDS)
        try:
            await reap(shard)
        except Exception as error:  # noqa: BLE001 - Redis away: the next round tries again
            log.warning("matcher %r: cancel on disconnect's reaper failed: %r", shard, error)
