"""Turns a `new` command into an `Order`, checking SPEC.md §2 in its order.

The first failing rule gives the rejection reason. Names are looked up in tables that map
the input string to the interned constant, so the rest of the core compares by identity.
"""

from __future__ import annotations

from .domain import (
    DAY,
    DAY_MS,
    FOK,
    GTC,
    GTD,
    IOC,
    MARKET_STYLE_TYPES,
    ORDER_TYPES,
    PRICED_TYPES,
    REJECTED,
    SIDES,
    STP_CANCEL_RESTING,
    STP_MODES,
    TIFS,
    TRIGGERED_TYPES,
    Order,
)
from .units import parse_decimal

_SIDE = {name: name for name in SIDES}
_TYPE = {name: name for name in ORDER_TYPES}
_TIF = {name: name for name in TIFS}
_STP = {name: name for name in STP_MODES}


def _name(table: dict[str, str], raw: object) -> str | None:
    return table.get(raw) if raw.__class__ is str else None


def _reject(order: Order, reason: str) -> Order:
    order.status = REJECTED
    order.reason = reason
    return order


def build_order(cmd: dict, order_id: str, user: str, markets: dict, clock: int) -> Order:
    """The order of a `new` command: accepted fields set, or status `rejected` with a reason."""
    symbol = cmd.get("symbol")
    market = markets.get(symbol) if symbol.__class__ is str else None
    side = _name(_SIDE, cmd.get("side"))
    order_type = _name(_TYPE, cmd.get("type"))
    order = Order(order_id, user, market, side, order_type)
    if market is None:
        return _reject(order, "unknown_symbol")
    if side is None:
        return _reject(order, "invalid_side")
    if order_type is None:
        return _reject(order, "invalid_type")
    tif = cmd.get("tif")
    if tif is not None:
        tif = _name(_TIF, tif)
        if tif is None:
            return _reject(order, "invalid_tif")

    quantity = parse_decimal(cmd.get("quantity"))
    if quantity is None or quantity[0] <= 0:
        return _reject(order, "invalid_quantity")
    lots = market.lots(quantity)
    if lots is None:
        return _reject(order, "lot_size")
    if market.below_min_qty(lots):
        return _reject(order, "min_qty")
    order.quantity = order.remaining = order.visible = lots

    priced = order_type in PRICED_TYPES
    raw_price = cmd.get("price")
    if priced:
        price = parse_decimal(raw_price)
        if price is None or price[0] <= 0:
            return _reject(order, "invalid_price")
        order.price = market.ticks(price)
        if order.price is None:
            return _reject(order, "tick_size")
    elif raw_price is not None:
        return _reject(order, "invalid_combination")

    raw_trigger = cmd.get("trigger_price")
    if order_type in TRIGGERED_TYPES:
        trigger = parse_decimal(raw_trigger)
        if trigger is None or trigger[0] <= 0:
            return _reject(order, "invalid_trigger_price")
        order.trigger_price = market.ticks(trigger)
        if order.trigger_price is None:
            return _reject(order, "tick_size")
    elif raw_trigger is not None:
        return _reject(order, "invalid_combination")

    market_style = order_type in MARKET_STYLE_TYPES
    if tif is None:
        tif = IOC if market_style else GTC
    elif market_style and tif is not IOC and tif is not FOK:
        return _reject(order, "invalid_combination")
    order.tif = tif
    immediate = tif is IOC or tif is FOK

    raw_display = cmd.get("display_quantity")
    if raw_display is not None:
        if immediate or market_style:
            return _reject(order, "invalid_combination")
        display = parse_decimal(raw_display)
        display = market.lots(display) if display is not None and display[0] > 0 else None
        if display is None or display > lots:
            return _reject(order, "invalid_display_quantity")
        order.display = display

    if cmd.get("post_only") is True:
        if immediate or market_style:
            return _reject(order, "invalid_combination")
        order.post_only = True

    expire_at = cmd.get("expire_at")
    if expire_at.__class__ is not int:
        expire_at = None  # a malformed expire_at counts as not given (SPEC.md §9.7)
    if tif is GTD:
        if expire_at is None:
            return _reject(order, "invalid_combination")
        if expire_at <= clock:
            return _reject(order, "expire_at_in_past")
        order.expire_at = expire_at
    elif expire_at is not None:
        return _reject(order, "invalid_combination")
    elif tif is DAY:
        order.expire_at = (clock // DAY_MS + 1) * DAY_MS

    stp = cmd.get("stp")
    if stp is None:
        order.stp = STP_CANCEL_RESTING
    else:
        order.stp = _name(_STP, stp)
        if order.stp is None:
            return _reject(order, "invalid_stp")

    if priced and market.below_min_notional(order.price, lots):
        return _reject(order, "min_notional")
    return order
