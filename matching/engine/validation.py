"""Turns a `new` command into an `Order`, checking SPEC.md §2 in its order.

The first failing rule gives the rejection reason. Some rules are not SPEC.md's:
- a halted market (admin.py) rejects with `symbol_halted`, right after `unknown_symbol`;
- a paused market (breaker.py) with `symbol_paused` right after that, but in its auction
  window (engine.py rejects there what does not join the auction);
- `client_order_id` (API.md), checked by the engine right after rule 1 (`duplicate_order_id`,
  it needs the engine's map) and before `unknown_symbol`: `invalid_client_order_id` when it is
  given (not null) but not a non-empty string of at most 64 characters, then
  `duplicate_client_order_id` when the user already has an accepted order with it;
- `quote_quantity` on a market buy (quote_orders.py) takes rule 6's place;
- with funds on (risk.py), `insufficient_funds` comes last, after `min_notional`: the engine
  checks it once this module has built the order, by trying to hold what the order needs.
Names are looked up in tables that map the input string to the interned constant, so the
rest of the core compares by identity. An ordinary order, which carries none of the
optional fields, does not look them up (`checked_order`'s `found`).
"""

from __future__ import annotations

from typing import Final

from .breaker import SYMBOL_PAUSED
from .domain import (
    BUY,
    DAY,
    DAY_MS,
    FOK,
    GTC,
    GTD,
    IOC,
    LIMIT,
    MARKET,
    ORDER_TYPES,
    PRICED_TYPES,
    REJECTED,
    RESTING_TIFS,
    SELL,
    SIDES,
    STP_CANCEL_RESTING,
    STP_MODES,
    TIFS,
    TRIGGERED_TYPES,
    Order,
    QuoteOrder,
)
from .events import ORDER
from .market import HALTED, NOT_POSITIVE, Market
from .price_band import PRICE_OUT_OF_BAND, TRIGGER_OUT_OF_BAND, out_of_band
from .quote_orders import quote_budget

_SIDE: Final = {name: name for name in SIDES}
_TYPE: Final = {name: name for name in ORDER_TYPES}
_TIF: Final = {name: name for name in TIFS}
_STP: Final = {name: name for name in STP_MODES}


CLIENT_ORDER_ID_MAX: Final = 64  # characters; the database column's length (exchange/models)
# The user has the market's `max_open_orders` live orders already (admin.py)
TOO_MANY_ORDERS: Final = "too_many_orders"


class Rejected(Exception):
    """Raised by `checked_order` with the reason code; rejections are the rare path."""


def check_band(order: Order) -> None:
    """Raises Rejected if the new order's trigger or limit price is out of its market's
    price band (price_band.py; the trigger first)."""
    market = order.market
    if order.trigger_price is not None and out_of_band(market, order.trigger_price):
        raise Rejected(TRIGGER_OUT_OF_BAND)
    if order.price is not None and out_of_band(market, order.price):
        raise Rejected(PRICE_OUT_OF_BAND)


def may_stay(order: Order) -> bool:
    """Whether a new order may become live (rest or wait for its trigger): only those count
    against `max_open_orders`; an order that trades at once and ends (market, IOC, FOK) is
    taken however many orders its user has open."""
    return order.trigger_price is not None or (
        order.price is not None and order.tif in RESTING_TIFS
    )


def check_client_order_id(
    client_id: object, user: int | str, client_ids: dict[tuple[int | str, str], int | str]
) -> None:
    """Raises `Rejected` unless `client_id` (given, not null) is a well-formed client order id
    that `user` has not used on an accepted order. A string is taken as it is: `"1"` and `1`
    are not the same client order id (the second is not one at all)."""
    if type(client_id) is not str or not client_id or len(client_id) > CLIENT_ORDER_ID_MAX:
        raise Rejected("invalid_client_order_id")
    if (user, client_id) in client_ids:
        raise Rejected("duplicate_client_order_id")


def rejected_update(
    cmd: dict, order_id: int | str, user: int | str, markets: dict[str, Market], reason: str
) -> tuple:
    """The ORDER event of a rejected `new` command (symbol and side kept where they were
    valid); a rejected order has no quantity."""
    symbol, side = cmd.get("symbol"), cmd.get("side")
    market = markets.get(symbol) if type(symbol) is str else None
    return (
        ORDER,
        order_id,
        user,
        None if market is None else market.symbol,
        _SIDE.get(side) if type(side) is str else None,
        REJECTED,
        None,
        0,
        0,
        0,
        0,
        reason,
    )


def checked_order(
    cmd: dict,
    order_id: int | str,
    user: int | str,
    markets: dict[str, Market],
    clock: int,
    found: int = 0,
) -> Order:
    """The order of a `new` command, SPEC.md §2's checks passed in order; the first failure
    raises `Rejected(reason)`.

    `found`: how many of the command's keys the caller read, each with a value (not null).
    Those and the ones read first here (symbol, side, type, tif, quantity, price) are
    counted: when they are all the command has, the other fields are absent and are not
    looked up (most orders; the answer is the same, a look-up that finds nothing costs).

    Names are checked for being strings before the table look-up (a list is unhashable).
    """
    symbol = cmd.get("symbol")
    market = markets.get(symbol) if type(symbol) is str else None
    if market is None:
        raise Rejected("unknown_symbol")
    if market.status is HALTED:
        raise Rejected("symbol_halted")
    if market.auction_from is not None and clock < market.auction_from:
        raise Rejected(SYMBOL_PAUSED)  # breaker.py: in its auction window, engine.py decides
    side = cmd.get("side")
    if type(side) is str:  # compared, not looked up: a table look-up hashes the new string
        side = BUY if side == BUY else SELL if side == SELL else None
    else:
        side = None
    if side is None:
        raise Rejected("invalid_side")
    order_type = cmd.get("type")
    if type(order_type) is str:  # the two common types compared, the others looked up
        if order_type == LIMIT:
            order_type = LIMIT
        elif order_type == MARKET:
            order_type = MARKET
        else:
            order_type = _TYPE.get(order_type)
    else:
        order_type = None
    if order_type is None:
        raise Rejected("invalid_type")
    tif = cmd.get("tif")
    if tif is not None:
        tif = _TIF.get(tif) if type(tif) is str else None
        if tif is None:
            raise Rejected("invalid_tif")

    quantity = cmd.get("quantity")
    given_price = cmd.get("price")
    found += 3 + (tif is not None) + (quantity is not None) + (given_price is not None)
    if len(cmd) == found:  # nothing else given
        quote = trigger = display = expire_at = stp = None
        post_only = False
    else:
        quote = cmd.get("quote_quantity")
        trigger = cmd.get("trigger_price")
        display = cmd.get("display_quantity")
        post_only = cmd.get("post_only") is True
        expire_at = cmd.get("expire_at")
        stp = cmd.get("stp")
    if quote is None:
        lots = market.lots_memo.get(quantity) if type(quantity) is str else None
        if lots is None:
            lots = market.lots_of_text(quantity)
        if lots <= 0:
            raise Rejected("invalid_quantity" if lots == NOT_POSITIVE else "lot_size")
        if lots < market.min_lots:
            raise Rejected("min_qty")
    else:
        # the combination before the value (as rule 10 does, SPEC.md §9.9)
        if (
            order_type is not MARKET
            or side is not BUY
            or quantity is not None
            or (tif is not None and tif is not IOC)
        ):
            raise Rejected("invalid_combination")
        budget = quote_budget(market, quote)
        if isinstance(budget, str):
            raise Rejected(budget)
        quote_left = budget
        lots = 0  # the quantity is what it buys (quote_orders.py)

    priced = order_type in PRICED_TYPES
    price: int | None = None
    if priced:
        ticks = market.ticks_memo.get(given_price) if type(given_price) is str else None
        price = ticks if ticks is not None else market.ticks_of_text(given_price)
        if price <= 0:
            raise Rejected("invalid_price" if price == NOT_POSITIVE else "tick_size")
    elif given_price is not None:
        raise Rejected("invalid_combination")

    if order_type in TRIGGERED_TYPES:
        trigger = market.ticks_of_text(trigger)
        if trigger <= 0:
            raise Rejected("invalid_trigger_price" if trigger == NOT_POSITIVE else "tick_size")
    elif trigger is not None:
        raise Rejected("invalid_combination")

    market_style = not priced
    if tif is None:
        tif = IOC if market_style else GTC
    elif market_style and tif is not IOC and tif is not FOK:
        raise Rejected("invalid_combination")
    immediate = tif is IOC or tif is FOK

    if display is not None:
        if immediate or market_style:
            raise Rejected("invalid_combination")
        display = market.lots_of_text(display)
        if display <= 0 or display > lots:
            raise Rejected("invalid_display_quantity")

    if post_only and (immediate or market_style):
        raise Rejected("invalid_combination")

    if type(expire_at) is not int:
        expire_at = None  # a malformed expire_at counts as not given (SPEC.md §9.7)
    if tif is GTD:
        if expire_at is None:
            raise Rejected("invalid_combination")
        if expire_at <= clock:
            raise Rejected("expire_at_in_past")
    elif expire_at is not None:
        raise Rejected("invalid_combination")
    elif tif is DAY:
        expire_at = (clock // DAY_MS + 1) * DAY_MS

    if stp is None:
        stp = STP_CANCEL_RESTING
    else:
        stp = _STP.get(stp) if type(stp) is str else None
        if stp is None:
            raise Rejected("invalid_stp")

    if price is not None and price * lots < market.min_notional_units:
        raise Rejected("min_notional")
    if quote is not None:  # a market buy: no price, trigger, quantity, display or post-only
        return QuoteOrder(order_id, user, market, tif, stp, quote_left)
    return Order(order_id, user, market, side, order_type, tif, price, trigger, lots, display, stp,
                 post_only, expire_at)  # fmt: skip
