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
    ORDER_TYPES,
    PRICED_TYPES,
    REJECTED,
    SIDES,
    STP_MODES,
    TIFS,
    TRIGGERED_TYPES,
    Order,
)
from .market import NOT_POSITIVE

_SIDE = {name: name for name in SIDES}
_TYPE = {name: name for name in ORDER_TYPES}
_TIF = {name: name for name in TIFS}
_STP = {name: name for name in STP_MODES}


def _reject(order: Order, reason: str) -> Order:
    order.status = REJECTED
    order.reason = reason
    return order


def build_order(cmd: dict, order_id: str, user: str, markets: dict, clock: int) -> Order:
    """The order of a `new` command: accepted fields set, or status `rejected` with a reason.

    Names are checked for being strings before the table look-up (a list is unhashable).
    """
    get = cmd.get
    symbol = get("symbol")
    market = markets.get(symbol) if symbol.__class__ is str else None
    side = get("side")
    side = _SIDE.get(side) if side.__class__ is str else None
    order_type = get("type")
    order_type = _TYPE.get(order_type) if order_type.__class__ is str else None
    order = Order(order_id, user, market, side, order_type)
    if market is None:
        return _reject(order, "unknown_symbol")
    if side is None:
        return _reject(order, "invalid_side")
    if order_type is None:
        return _reject(order, "invalid_type")
    tif = get("tif")
    if tif is not None:
        tif = _TIF.get(tif) if tif.__class__ is str else None
        if tif is None:
            return _reject(order, "invalid_tif")

    lots = market.lots_of_text(get("quantity"))
    if lots <= 0:
        return _reject(order, "invalid_quantity" if lots == NOT_POSITIVE else "lot_size")
    if lots < market.min_lots:
        return _reject(order, "min_qty")
    order.quantity = order.remaining = order.visible = lots

    priced = order_type in PRICED_TYPES
    raw_price = get("price")
    if priced:
        price = market.ticks_of_text(raw_price)
        if price <= 0:
            return _reject(order, "invalid_price" if price == NOT_POSITIVE else "tick_size")
        order.price = price
    elif raw_price is not None:
        return _reject(order, "invalid_combination")

    raw_trigger = get("trigger_price")
    if order_type in TRIGGERED_TYPES:
        trigger = market.ticks_of_text(raw_trigger)
        if trigger <= 0:
            return _reject(
                order, "invalid_trigger_price" if trigger == NOT_POSITIVE else "tick_size"
            )
        order.trigger_price = trigger
    elif raw_trigger is not None:
        return _reject(order, "invalid_combination")

    market_style = not priced
    if tif is None:
        tif = IOC if market_style else GTC
    elif market_style and tif is not IOC and tif is not FOK:
        return _reject(order, "invalid_combination")
    order.tif = tif
    immediate = tif is IOC or tif is FOK

    raw_display = get("display_quantity")
    if raw_display is not None:
        if immediate or market_style:
            return _reject(order, "invalid_combination")
        display = market.lots_of_text(raw_display)
        if display <= 0 or display > lots:
            return _reject(order, "invalid_display_quantity")
        order.display = display

    if get("post_only") is True:
        if immediate or market_style:
            return _reject(order, "invalid_combination")
        order.post_only = True

    expire_at = get("expire_at")
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

    stp = get("stp")
    if stp is not None:
        stp = _STP.get(stp) if stp.__class__ is str else None
        if stp is None:
            return _reject(order, "invalid_stp")
        order.stp = stp

    if priced and order.price * lots < market.min_notional_units:
        return _reject(order, "min_notional")
    return order
