"""Amending a resting order, an extension of SPEC.md (API.md, "Order control").

`{"op": "amend", "id": I, "user": U, "quantity"?, "price"?, "display_quantity"?}` (decimal
strings as in a `new` order; null or absent: unchanged) changes user U's resting order I.
`quantity` is the order's new total, what has filled included. The command answers the
order's ORDER event with reason `amended` (and the events of any trade it makes), or
`(REFUSED, "amend", I, U, reason)`, changing nothing. The checks, in this order:

1. `unknown_order`: I is not a live order of U; `symbol_halted`, `symbol_paused`: its market
   is halted (admin.py) or paused (breaker.py).
2. `invalid_amend`: the order waits for its trigger (only a resting order is amended), or
   no field is given.
3. `invalid_price`, `tick_size`: the new price, as for a `new` order.
4. `invalid_quantity`, `lot_size`, `min_qty`: the new quantity, as for a `new` order.
5. `invalid_display_quantity`: the new display is not a positive whole number of lots, or
   is more than the (new) quantity.
6. `invalid_amend`: the new quantity is not more than what has filled, or nothing changes.
7. `min_notional`: the (new) price × the (new) quantity is below the market's minimum;
   `price_out_of_band`: a new price out of the market's price band (price_band.py).
8. `post_only_would_take`: a post-only order whose new price would match on arrival.
9. `insufficient_funds` (funds on): the hold the new values need is more than what the
   order holds plus what its user has available.

Then the order's hold is brought to what the new values need (the difference held, or
released), and:
- **It keeps its place in the queue** when its price is unchanged and neither its quantity
  nor its display grows: its remaining and visible quantities shrink where it stands.
  Making an order an iceberg (a display where it had none) counts as not growing.
- **Otherwise it loses it**: it leaves the book and comes back as a taker at its (new)
  price (SPEC.md §3, self-trade prevention included, its time in force kept); what is left
  rests at the back of its level with a new priority, showing one display slice.
Waiting stops whose trigger the amend's trades reach then trigger, as after a `new`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .breaker import SYMBOL_PAUSED
from .domain import PENDING_TRIGGER
from .events import REFUSED, order_update
from .market import HALTED, NOT_POSITIVE
from .price_band import PRICE_OUT_OF_BAND, out_of_band

if TYPE_CHECKING:
    from .domain import Order
    from .engine import Engine

AMEND: Final = "amend"
AMENDED: Final = "amended"  # the reason of the ORDER event an amend answers with
FIELDS: Final = ("price", "quantity", "display_quantity")


class Refused(Exception):
    """An amend refused, with its reason."""


def amend(engine: Engine, cmd: dict, order_id: int | str | None, user: int | str | None) -> None:
    """Runs an `amend` command (the module's rules), appending its events to engine.events."""
    order = None if order_id is None else engine.live.get(order_id)
    try:
        if order is None or order.user != user:
            raise Refused("unknown_order")
        if order.market.status is HALTED:
            raise Refused("symbol_halted")
        if order.market.paused_until is not None:
            raise Refused(SYMBOL_PAUSED)
        price, quantity, display = _new_values(cmd, order)
        if engine.funds is not None:
            _hold_for(engine, order, price, quantity - order.filled)
    except Refused as refusal:
        engine.events.append((REFUSED, AMEND, order_id, user, refusal.args[0]))
        return
    market = order.market
    side = market.book.side_of(order)
    old_display = order.display if order.display is not None else order.quantity
    keeps_place = (
        price == order.price
        and quantity <= order.quantity
        and (display is None or display <= old_display)
    )
    remaining = quantity - order.filled
    if keeps_place:
        level = order.level
        assert level is not None, "a live limit order that is not waiting rests"
        visible = min(order.visible, remaining, display or remaining)
        level.volume += visible - order.visible
        order.visible, order.quantity, order.remaining = visible, quantity, remaining
        if display is not None:
            order.display = display
        order.reason = AMENDED
        engine.events.append(order_update(order))
        order.reason = ""
        return
    side.remove(order)
    order.price, order.quantity, order.remaining, order.visible = price, quantity, remaining, 0
    if display is not None:
        order.display = display
    order.reason = AMENDED
    engine._take(order)
    if order.reason == AMENDED:
        order.reason = ""
    if market.stops.size:
        engine._activate_triggered(market)


def _new_values(cmd: dict, order: Order) -> tuple[int, int, int | None]:
    """(price, quantity, display or None) the command gives the order; raises Refused."""
    if order.status is PENDING_TRIGGER:
        raise Refused("invalid_amend")
    given = {field: cmd.get(field) for field in FIELDS if cmd.get(field) is not None}
    if not given:
        raise Refused("invalid_amend")
    market = order.market
    price = order.price
    assert price is not None, "market orders are never live"
    if "price" in given:
        price = market.ticks_of_text(given["price"])
        if price <= 0:
            raise Refused("invalid_price" if price == NOT_POSITIVE else "tick_size")
    quantity = order.quantity
    if "quantity" in given:
        quantity = market.lots_of_text(given["quantity"])
        if quantity <= 0:
            raise Refused("invalid_quantity" if quantity == NOT_POSITIVE else "lot_size")
        if quantity < market.min_lots:
            raise Refused("min_qty")
    display = None
    if "display_quantity" in given:
        display = market.lots_of_text(given["display_quantity"])
        if display <= 0 or display > quantity:
            raise Refused("invalid_display_quantity")
    if quantity <= order.filled or (
        price == order.price and quantity == order.quantity and display in (None, order.display)
    ):
        raise Refused("invalid_amend")
    if price * quantity < market.min_notional_units:
        raise Refused("min_notional")
    if price != order.price and out_of_band(market, price):
        raise Refused(PRICE_OUT_OF_BAND)
    if order.post_only and price != order.price:
        best = market.book.opposite_of(order).best
        if best is not None and (best.price <= price if order.is_buy else best.price >= price):
            raise Refused("post_only_would_take")
    return price, quantity, display


def _hold_for(engine: Engine, order: Order, price: int, remaining: int) -> None:
    """Brings the order's hold to what `price` and `remaining` need; raises Refused
    (`insufficient_funds`), changing nothing, when its user cannot cover more."""
    funds = engine.funds
    assert funds is not None
    before = order.price, order.remaining
    order.price, order.remaining = price, remaining
    needed = funds.hold_amount(order)
    order.price, order.remaining = before
    if needed > order.hold_left:
        if not funds.hold_more(order, needed - order.hold_left):
            raise Refused("insufficient_funds")
    elif needed < order.hold_left:
        funds.release_some(order, order.hold_left - needed)
