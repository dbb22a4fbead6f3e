"""The engine's events as JSON-ready dicts with decimal strings: what replies, group messages
and the persister carry. Integer ticks and lots become decimals of the event's market here,
and amounts of funds (units of 10**-18) plain decimals of their asset (`risk.amount_text`)."""

from __future__ import annotations

from matching.engine import Engine
from matching.engine.domain import CANCELLED, EXPIRED
from matching.engine.events import (
    BALANCE,
    CONFIGURED,
    MARKET_STATUS,
    ORDER,
    POSTING,
    REFUSED,
    TRADE,
    as_record,
)
from matching.engine.risk import amount_text
from matching.engine.units import format_units


def event_dict(engine: Engine, event: tuple, id_base: int = 0) -> dict:
    """One engine event as a dict. Trade ids (of trades and postings) get the shard's
    `id_base` (order ids have it already: the matcher stamps them)."""
    kind = event[0]
    if kind is ORDER:
        return _order(engine, event)
    if kind is TRADE:
        return _trade(engine, event, id_base)
    if kind is REFUSED:
        refusal = as_record(event)
        return {"kind": REFUSED, "op": refusal.op, "ref": refusal.ref, "reason": refusal.reason}
    if kind is CONFIGURED:
        configured = as_record(event)
        return {"kind": CONFIGURED, "op": configured.op, "ref": configured.ref}
    if kind is POSTING:
        return _posting(event, id_base)
    if kind is BALANCE:
        _, user, asset, available, locked = event
        return {
            "kind": BALANCE,
            "user": user,
            "asset": asset,
            "available": amount_text(available),
            "locked": amount_text(locked),
        }
    if kind is MARKET_STATUS:
        return market_status_dict(event)
    raise ValueError(f"unknown event kind {kind!r}")


def market_status_dict(event: tuple) -> dict:
    """A MARKET_STATUS event: `resumes_at` stays engine ms (an int, None unless paused);
    the edges that show it to people write it as ISO time."""
    change = as_record(event)
    return {
        "kind": MARKET_STATUS,
        "symbol": change.symbol,
        "status": change.status,
        "status_reason": change.status_reason,
        "resumes_at": change.resumes_at,
    }


def _order(engine: Engine, event: tuple) -> dict:
    _, order_id, user, symbol, side, status, price, quantity, filled, remaining, visible, reason = (
        event
    )
    market = engine.markets.get(symbol) if symbol is not None else None
    if market is None:
        price_text = None
        quantity_text = filled_text = left_text = open_text = visible_text = "0"
    else:
        num, places = market.lot_num, market.lot_places
        if price is None:
            price_text = None
        else:
            price_text = format_units(price, market.tick_num, market.tick_places)
        # the five quantities are mostly two values (a resting order's quantity and 0, a
        # filled one's quantity and 0): each is written once, as the one before if equal
        quantity_text = format_units(quantity, num, places)
        filled_text = quantity_text if filled == quantity else format_units(filled, num, places)
        left = quantity - filled
        if left == quantity:
            left_text = quantity_text
        elif left == filled:
            left_text = filled_text
        else:
            left_text = format_units(left, num, places)
        open_text = left_text if remaining == left else format_units(remaining, num, places)
        visible_text = open_text if visible == remaining else format_units(visible, num, places)
    return {
        "kind": ORDER,
        "order_id": order_id,
        "user": user,
        "symbol": symbol,
        "side": side,
        "status": status,
        "price": price_text,
        "quantity": quantity_text,
        "filled_quantity": filled_text,
        # API.md: always quantity - filled; `open_quantity` is what can still trade
        "remaining_quantity": left_text,
        "open_quantity": open_text,
        "visible_quantity": visible_text,
        "reason": reason or None,
    }


def _trade(engine: Engine, event: tuple, id_base: int) -> dict:
    (
        _,
        trade_id,
        symbol,
        price,
        quantity,
        maker_order_id,
        taker_order_id,
        taker_side,
        maker_fee,
        taker_fee,
        maker_user,
        taker_user,
        ts,
    ) = event
    market = engine.markets[symbol]
    precision = market.quote_precision
    return {
        "kind": TRADE,
        "trade_id": id_base + trade_id,
        "symbol": symbol,
        "price": format_units(price, market.tick_num, market.tick_places),
        "quantity": format_units(quantity, market.lot_num, market.lot_places),
        "maker_order_id": maker_order_id,
        "taker_order_id": taker_order_id,
        "taker_side": taker_side,
        "maker_fee": format_units(maker_fee, 1, precision),
        "taker_fee": format_units(taker_fee, 1, precision),
        "fee_asset": market.quote,
        "maker_user": maker_user,
        "taker_user": taker_user,
        "ts": ts,
    }


def _posting(event: tuple, id_base: int) -> dict:
    (
        _,
        asset,
        from_account,
        from_bucket,
        to_account,
        to_bucket,
        amount,
        reason,
        order_id,
        trade_id,
        transfer_id,
    ) = event
    return {
        "kind": POSTING,
        "asset": asset,
        "from_account": from_account,
        "from_bucket": from_bucket,
        "to_account": to_account,
        "to_bucket": to_bucket,
        "amount": amount_text(amount),
        "reason": reason,
        "order_id": order_id,
        "trade_id": None if trade_id is None else id_base + trade_id,
        "transfer_id": transfer_id,
    }


def change_reason(command: dict, event: dict) -> str | None:
    """Why an order changed as `event` (an order event as a dict) says, `command` being what
    changed it (API.md: the history and the private `orders` channel carry the reason of
    every change): the engine's own reason, else the user's cancel, self-trade prevention
    by a new order or an amend, an expiry; None for a change that needs none (a fill)."""
    reason = event.get("reason")
    if reason:
        return reason
    status = event["status"]
    if status == CANCELLED:
        # a `cancel` is the user's (cancel-all is one per order); a `new` or an `amend`
        # cancels the user's own resting order by self-trade prevention
        return {"cancel": "user", "new": "stp", "amend": "stp"}.get(command.get("op"))
    return "expired" if status == EXPIRED else None


def command_events(engine: Engine, command: dict, events: list, id_base: int = 0) -> list[dict]:
    """The events `command` gave, as dicts, each order change with its reason."""
    dicts = [event_dict(engine, event, id_base) for event in events]
    for event in dicts:
        if event["kind"] == ORDER:
            event["reason"] = change_reason(command, event)
    return dicts
