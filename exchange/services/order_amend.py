"""Amending an open order (API.md, "Order control": `PATCH /api/v1/orders/{order_id}`,
the socket's `order.amend`). The engine's rules are matching/engine/amend.py's."""

from __future__ import annotations

from exchange.api.order_input import amend_command
from exchange.errors import OrderNotFound, OrderNotOpen, OrderRejected
from exchange.selectors.db_thread import db_read
from exchange.selectors.orders import arecent, order_get
from exchange.services.orders import market_of, shard_of_order
from exchange.services.read_fence import fence_raise, fence_wait
from exchange.services.recent_orders import recent_order_remember
from matching.service import client
from matching.service.reasons import reason_of


async def order_amend(*, user_id: int, order_id: int, body: object) -> dict:
    """Amends the user's resting order with `body`; returns the order as it now stands
    (`"amended": true`), its fills included. Raises OrderNotFound, OrderNotOpen, or
    OrderRejected with the engine's reason (nothing changed then)."""
    command = amend_command(body, user_id=user_id, order_id=order_id)
    recent = await arecent(order_id, user_id)
    known = recent[0] if recent is not None else await _order_read(user_id, order_id)
    shard = await shard_of_order(order_id, known)
    if shard is None:
        raise OrderNotFound()
    reply = await client.call(command, shard=shard)
    await fence_raise(user_id=user_id, shard=shard, seq=reply.get("seq"))
    events = reply.get("events") or []
    refusal = next((e for e in events if e.get("kind") == "refused"), None)
    if refusal is not None:
        reason = refusal["reason"]
        if reason == "unknown_order":
            await fence_wait(user_id)
            stored = await _order_read(user_id, order_id)
            if stored is None:
                raise OrderNotFound()
            raise OrderNotOpen(stored["status"], "amended")
        explained = reason_of(reason)
        terms = (await market_of(known["symbol"])).engine_spec() if known else {}
        message = explained.worded(terms) or f"The amend was refused: {reason}."
        raise OrderRejected(explained.client_code, message, field=explained.field)
    await fence_wait(user_id)  # the database holds the amend and its trades: read it back
    body = await _order_read(user_id, order_id)
    if body is None:  # the database lost what the matcher acknowledged: not expected
        raise OrderNotFound()
    await recent_order_remember(order_id=order_id, user_id=user_id, seq=reply["seq"], body=body)
    return {**body, "amended": True}


async def _order_read(user_id: int, order_id: int) -> dict | None:
    found = await db_read(order_get, user_id=user_id, order_id=order_id)
    return found[0] if found else None
