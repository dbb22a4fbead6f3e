"""The dead man's switch as it stands (API.md, "Order control"): `GET
/api/v1/orders/cancel-after`, read from the matchers, which keep it (matching/engine/
cancel_after.py). Nothing is journaled: a read."""

from __future__ import annotations

import asyncio

from exchange.api.formatting import iso_from_ms
from exchange.models import Market
from matching.service import client


async def cancel_after_get(*, user_id: int) -> dict:
    """`{"active", "fires_at"}` of the user's switch: the earliest deadline any shard keeps
    (they are armed together), an ISO time, or inactive and null. Raises MatcherUnavailable
    when a shard does not answer."""
    shards = sorted({s async for s in Market.objects.values_list("shard", flat=True)})
    command = {"op": "cancel_after_state", "user": user_id}
    replies = await asyncio.gather(*(client.call(command, shard=shard) for shard in shards))
    deadlines = [
        event["fires_at"]
        for reply in replies
        for event in reply.get("events") or []
        if event.get("kind") == "cancel_after" and event.get("fires_at") is not None
    ]
    if not deadlines:
        return {"active": False, "fires_at": None}
    return {"active": True, "fires_at": iso_from_ms(min(deadlines))}
