"""The dead man's switch (API.md, "Order control"): `POST /api/v1/orders/cancel-after`.

Each matcher shard that runs a market keeps the user's switch as a journaled deadline of its engine
(matching/engine/cancel_after.py), so every shard the exchange runs is told: the user's
orders in every market are cancelled, reason `cancel_after`, if no new call comes within
`timeout_ms`; 0 turns the switch off.
"""

from __future__ import annotations

import asyncio
import time

from exchange.api.formatting import iso_from_ms
from exchange.errors import InvalidParameter
from exchange.models import Market
from exchange.services.read_fence import fence_raise
from matching.engine.cancel_after import MAX_TIMEOUT_MS, MIN_TIMEOUT_MS
from matching.service import client


def _timeout_ms(body: object) -> int:
    """The body's `timeout_ms`, checked as API.md's conventions say: not an object
    `invalid_json`; an unknown field, no `timeout_ms` or one not a whole number
    `invalid_field`; a number out of range `invalid_timeout_ms`."""
    if not isinstance(body, dict):
        raise InvalidParameter("invalid_json", "The body must be a JSON object.")
    for field in body:
        if field != "timeout_ms":
            name = str(field)[:64]
            raise InvalidParameter("invalid_field", f"Unknown field {name!r}.", field=name)
    timeout = body.get("timeout_ms")
    if type(timeout) is not int:
        raise InvalidParameter(
            "invalid_field",
            "timeout_ms is required: a whole number of ms (0 turns the switch off).",
            field="timeout_ms",
        )
    if not (timeout == 0 or MIN_TIMEOUT_MS <= timeout <= MAX_TIMEOUT_MS):
        raise InvalidParameter(
            "invalid_timeout_ms",
            f"timeout_ms is 0 (off) or a whole number of ms from {MIN_TIMEOUT_MS} to "
            f"{MAX_TIMEOUT_MS}.",
            field="timeout_ms",
        )
    return timeout


async def cancel_after_set(*, user_id: int, body: object) -> dict:
    """Arms (or, with 0, disarms) the user's switch on every shard: `{"active", "fires_at"}`
    (an ISO time, null when off). Raises InvalidParameter, or MatcherUnavailable when a
    shard does not answer (the switch may then be armed on some shards: call again)."""
    timeout = _timeout_ms(body)
    shards = sorted({s async for s in Market.objects.values_list("shard", flat=True)})
    asked_at = time.time_ns() // 1_000_000
    command = {"op": "cancel_after", "user": user_id, "timeout_ms": timeout}
    replies = await asyncio.gather(*(client.call(command, shard=shard) for shard in shards))
    for shard, reply in zip(shards, replies, strict=True):
        await fence_raise(user_id=user_id, shard=shard, seq=reply.get("seq"))
    if not timeout:
        return {"active": False, "fires_at": None}
    return {"active": True, "fires_at": iso_from_ms(asked_at + timeout)}
