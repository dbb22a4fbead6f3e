"""Placing and cancelling orders: the one path from the API (REST and WebSocket) to the
matcher. Async, so one server process keeps many orders in flight (DESIGN.md).

Each function sends one command with a deadline and turns the matcher's reply into API.md's
body, or raises a domain error (exchange/errors.py): OrderRejected with the engine's reason,
worded from matching/service/reasons.py; MatcherUnavailable when the matcher is silent.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal, InvalidOperation

from exchange.api.order_input import order_command
from exchange.api.order_output import order_from_reply
from exchange.errors import (
    DuplicateClientOrderId,
    OrderNotFound,
    OrderNotOpen,
    OrderRejected,
    ServiceBusy,
    TradingDisabled,
    UnknownSymbol,
)
from exchange.models import Market, MatcherState
from exchange.models.market import canonical_symbol
from exchange.models.matcher_state import ID_SPACE
from exchange.selectors.db_thread import db_read
from exchange.selectors.orders import arecent, order_get, order_status, order_with_client_id
from exchange.services.read_fence import fence_raise
from exchange.services.recent_orders import recent_order_remember
from matching.engine.domain import CANCELLED
from matching.service import client
from matching.service.reasons import reason_of

# Markets change rarely (the admin), orders come thousands a second: each process keeps
# what it read of a market for this long (a new market is read at once).
MARKET_TTL_SECONDS = 1.0
_markets: dict[str, tuple[float, Market]] = {}


def forget_markets() -> None:
    _markets.clear()


async def market_of(symbol: str) -> Market:
    """The market `symbol` names (any case); UnknownSymbol if there is none."""
    canonical = canonical_symbol(symbol)
    cached = _markets.get(canonical) if canonical else None
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    market = canonical and await db_read(_market_named, canonical)
    if market is not None:
        _markets[canonical] = (time.monotonic() + MARKET_TTL_SECONDS, market)
    if market is None:
        raise UnknownSymbol(symbol)
    return market


def _field_of(reason: str, command: dict, market: Market) -> str | None:
    """The request field `reason` concerns: the table's, but `trigger_price` for a tick
    size the price is on, and `quote_quantity` for a minimum an order by notional missed."""
    if reason == "tick_size" and command.get("trigger_price") is not None:
        try:
            if Decimal(command.get("price") or "0") % market.tick_size == 0:
                return "trigger_price"
        except (InvalidOperation, ArithmeticError):
            pass
    if reason in ("min_notional", "min_qty") and command.get("quote_quantity") is not None:
        return "quote_quantity"
    return reason_of(reason).field


def rejection(reason: str, command: dict, market: Market, event: dict) -> OrderRejected:
    """The error of `command`, rejected by the engine for `reason` (its order event `event`)."""
    if reason == "duplicate_client_order_id":
        return DuplicateClientOrderId(event.get("existing_order_id"))
    if reason == "trading_disabled":
        return TradingDisabled()
    explained = reason_of(reason)
    message = explained.worded(market.engine_spec()) or f"The order was rejected: {reason}."
    return OrderRejected(explained.client_code, message, field=_field_of(reason, command, market))


async def order_place(*, user_id: int, body: object) -> dict:
    """Places the order `body` (API.md fields) for `user_id`; returns its 201 body."""
    command = order_command(body, user_id=user_id)
    market = await market_of(command["symbol"])
    command["symbol"] = market.symbol
    client_order_id = command.get("client_order_id")
    # The database answers for every order it holds (across shards, and those the matcher
    # has forgotten: matching/client_id_retention.py); the matcher for the rest, in sequence.
    if client_order_id is not None:
        existing = await order_with_client_id(user_id, client_order_id)
        if existing is not None:
            raise rejection(
                "duplicate_client_order_id", command, market, {"existing_order_id": existing}
            )
    reply = await client.call(command, shard=market.shard)
    order_id = reply.get("order_id")
    events = reply.get("events") or []
    mine = [e for e in events if e.get("kind") == "order" and e.get("order_id") == order_id]
    if not mine:
        refusal = next((e for e in events if e.get("kind") == "refused"), None)
        reason = refusal and refusal["reason"]
        if reason == "service_busy":
            raise ServiceBusy()
        raise OrderRejected("invalid_field", f"The order was refused: {reason}.")
    if mine[0]["status"] == "rejected" and len(mine) == 1:
        raise rejection(mine[0]["reason"], command, market, mine[0])
    command = {**command, "id": order_id, "ts": reply["ts"]}
    trades = [e for e in events if e.get("kind") == "trade"]
    body = order_from_reply(command, mine[-1], trades, market)
    await _remembered(user_id, market.shard, order_id, reply["seq"], body)
    return body


async def _remembered(user_id: int, shard: str, order_id: int, seq: int, body: dict) -> None:
    """The user's fence raised to `seq` and `body` kept as their order: both in one round
    trip to Redis (exchange/redis_turn.py)."""
    await asyncio.gather(
        recent_order_remember(order_id=order_id, user_id=user_id, seq=seq, body=body),
        fence_raise(user_id=user_id, shard=shard, seq=seq),
    )


async def shard_of_order(order_id: int, known: dict | None) -> str | None:
    """The shard whose matcher holds the order (`known`: its body, if read); None if none."""
    if known is not None:
        try:
            return (await market_of(known["symbol"])).shard
        except UnknownSymbol:  # the market is gone
            return None
    return await db_read(_shard_numbered, order_id // ID_SPACE)


# Read on the shared threads, with their lasting connections: the ORM's own async methods
# would run them on the request's thread, and the order fast path makes one per request.
def _market_named(symbol: str) -> Market | None:
    return Market.objects.filter(symbol=symbol).first()


def _shard_numbered(number: int) -> str | None:
    return MatcherState.objects.filter(number=number).values_list("shard", flat=True).first()


async def order_cancel(*, user_id: int, order_id: int) -> dict:
    """Cancels the user's live order; returns its body, now `cancelled`.

    The body answered when the order was placed (the recent-order cache, read on the event
    loop) serves unless the cancel shows the order filled since (then its fills are read from
    the database, as they are for an order not in the cache) or no longer open (then its
    status, with one query)."""
    recent = await arecent(order_id, user_id)
    from_cache = recent is not None
    known, known_seq = recent if from_cache else (None, 0)
    if not from_cache:
        known = await _order_read(user_id, order_id)
    shard = await shard_of_order(order_id, known)
    if shard is None:
        raise OrderNotFound()
    reply = await client.call({"op": "cancel", "id": order_id, "user": user_id}, shard=shard)
    try:
        body = await _cancelled(user_id, order_id, reply, known, known_seq if from_cache else None)
    except Exception:
        await fence_raise(user_id=user_id, shard=shard, seq=reply.get("seq"))
        raise
    await _remembered(user_id, shard, order_id, reply["seq"], body)
    return body


async def _cancelled(
    user_id: int, order_id: int, reply: dict, known: dict | None, recent_seq: int | None
) -> dict:
    """The body of the order the matcher's `reply` to its cancel shows cancelled; `known`:
    the body read before the cancel, the one answered at `recent_seq` if from the
    recent-order cache (else `recent_seq` is None). Raises OrderNotFound or OrderNotOpen."""
    from_cache = recent_seq is not None
    events = reply.get("events") or []
    mine = [e for e in events if e.get("kind") == "order" and e.get("order_id") == order_id]
    # The cancel's own event is the order's last: the engine runs what is due (a reopening
    # auction, a stop, an expiry) before the command, in the same reply, and that may have
    # ended the order first. A cancel refused leaves no event of its own.
    if mine and mine[-1]["status"] != CANCELLED:
        raise OrderNotOpen(mine[-1]["status"])
    event = mine[-1] if mine else None
    if from_cache and event is None:  # no longer open: only its status is needed now
        stored = await order_status(user_id, order_id)
        if stored is not None and stored[1] > recent_seq:  # the newer of the two
            known = {**known, "status": stored[0]}
    elif from_cache and event["filled_quantity"] != known["filled_quantity"]:
        known = await _order_read(user_id, order_id) or known
    if event is None:
        if known is None:
            raise OrderNotFound()
        raise OrderNotOpen(known["status"])
    if known is None:
        known = {"order_id": order_id, "fills": [], "avg_price": None}
    return {
        **known,
        "status": event["status"],
        "quantity": event["quantity"],
        "filled_quantity": event["filled_quantity"],
        "remaining_quantity": event["remaining_quantity"],
    }


async def _order_read(user_id: int, order_id: int) -> dict | None:
    found = await db_read(order_get, user_id=user_id, order_id=order_id)
    return found[0] if found else None


async def orders_cancel_all(*, user_id: int, symbol: str | None) -> list[int]:
    """Cancels every live order of the user (of `symbol`, if given), waiting ones included."""
    if symbol is not None:
        market = await market_of(symbol)
        symbol, shards = market.symbol, [market.shard]
    else:
        shards = [
            shard async for shard in Market.objects.values_list("shard", flat=True).distinct()
        ]
    command = {"op": "cancel_all", "user": user_id}
    if symbol is not None:
        command["symbol"] = symbol
    shards = sorted(set(shards))
    replies = await asyncio.gather(*(client.call(command, shard=shard) for shard in shards))
    for shard, reply in zip(shards, replies, strict=True):
        await fence_raise(user_id=user_id, shard=shard, seq=reply.get("seq"))
    return [
        event["order_id"]
        for reply in replies
        for event in reply.get("events") or []
        # the engine's due work, run before the command, may have cancelled others' orders
        if event.get("kind") == "order"
        and event.get("status") == CANCELLED
        and event.get("user") == user_id
    ]
