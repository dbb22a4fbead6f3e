"""The call auction that reopens a paused market (breaker.py), an extension of SPEC.md.

While its book is crossed (best bid >= best ask), the market uncrosses at one price P:
- the candidates are the prices of the levels in the crossed range (bids at or above the
  best ask, asks at or below the best bid);
- at a price p, the buy volume is the whole remaining quantity (hidden iceberg quantity
  included) of the bids priced >= p, the sell volume that of the asks priced <= p, and
  the matched volume the smaller of the two;
- P has the largest matched volume; among equals the least imbalance |buy - sell|, then
  the least distance to the reference (the last trade price; none: this step is skipped),
  then the lower price.
Then, at P, the head of the best bid level meets the head of the best ask level while the
best bid is >= P and the best ask <= P, each meeting a trade at P of the smaller remaining
quantity, in price-time priority. The order that joined the book later is the taker of the
TRADE event (`taker_side` is its side); both orders pay their user's maker rate, and funds
settle as for any trade (settlement.py). An order that meets an order of the same user
whose later one has a self-trade prevention mode other than `none` does not trade: the
later of the two is cancelled. A filled order leaves the book; an iceberg whose slice is
used up shows a new one at the back of its level (SPEC.md §4). If self-trade prevention
left the book crossed, the auction runs again on what is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .domain import CANCELLED, FILLED, PARTIALLY_FILLED, STP_NONE
from .events import TRADE, order_update
from .execution import reveal_next_slice
from .fees import fee_units
from .settlement import settle_trade

if TYPE_CHECKING:
    from .book import BookSide
    from .domain import Order
    from .engine import Engine
    from .market import Market


def crossed(market: Market) -> bool:
    bid, ask = market.book.bids.best, market.book.asks.best
    return bid is not None and ask is not None and bid.price >= ask.price


def uncross(engine: Engine, market: Market) -> None:
    """Runs the auction until the book is not crossed. O(orders in the crossed range)."""
    while crossed(market):
        _trade_at(engine, market, auction_price(market))


def _volumes(side: BookSide, within) -> list[tuple[int, int]]:
    """(price, remaining quantity) of the side's levels, best first, while `within(price)`."""
    volumes = []
    for level in side.levels():
        if not within(level.price):
            break
        volumes.append((level.price, sum(order.remaining for order in level.orders())))
    return volumes


def auction_price(market: Market) -> int:
    """The uncrossing price of a crossed book (the module's rules)."""
    book = market.book
    bid, ask = book.bids.best, book.asks.best
    assert bid is not None and ask is not None, "the book is crossed"
    best_bid, best_ask = bid.price, ask.price
    bids = _volumes(book.bids, lambda price: price >= best_ask)  # highest first
    asks = _volumes(book.asks, lambda price: price <= best_bid)  # lowest first
    reference = market.last_price
    best_key: tuple[int, int, int, int] | None = None
    best_price = 0
    for price in sorted({price for price, _ in bids} | {price for price, _ in asks}):
        buy = sum(volume for level, volume in bids if level >= price)
        sell = sum(volume for level, volume in asks if level <= price)
        key = (
            -min(buy, sell),
            abs(buy - sell),
            0 if reference is None else abs(price - reference),
            price,
        )
        if best_key is None or key < best_key:
            best_key, best_price = key, price
    return best_price


def _trade_at(engine: Engine, market: Market, price: int) -> None:
    book = market.book
    bids, asks = book.bids, book.asks
    rates, default_rates = engine.fees.by_user, engine.fees.default
    while True:
        bid_level, ask_level = bids.best, asks.best
        if bid_level is None or ask_level is None:
            return
        if bid_level.price < price or ask_level.price > price:
            return
        bid, ask = bid_level.head, ask_level.head
        assert bid is not None and ask is not None, "a level has orders"
        taker, maker = (bid, ask) if bid.priority > ask.priority else (ask, bid)
        if bid.user == ask.user and taker.stp is not STP_NONE:
            engine.end(taker, CANCELLED)
            continue
        quantity = min(bid.remaining, ask.remaining)
        notional = price * (quantity * market.notional_unit)
        exp, precision = market.notional_exp, market.quote_precision
        engine.trade_seq += 1
        engine.events.append(
            (
                TRADE,
                engine.trade_seq,
                market.symbol,
                price,
                quantity,
                maker.id,
                taker.id,
                taker.side,
                fee_units(rates.get(maker.user, default_rates)[0], notional, exp, precision),
                fee_units(rates.get(taker.user, default_rates)[0], notional, exp, precision),
                maker.user,
                taker.user,
                engine.clock,
            )
        )
        for order in (bid, ask):
            order.remaining -= quantity
            order.filled += quantity
        if engine.funds is not None:
            settle_trade(engine.funds, taker, maker, quantity, notional)
        market.last_price = price
        for order, side in ((bid, bids), (ask, asks)):
            _after_fill(engine, order, side, quantity)


def _after_fill(engine: Engine, order: Order, side: BookSide, quantity: int) -> None:
    """A resting order that has just traded `quantity` (its remaining already cut)."""
    shown = quantity if quantity < order.visible else order.visible
    order.visible -= shown
    level = order.level
    assert level is not None
    level.volume -= shown
    if order.remaining == 0:
        order.status = FILLED
        side.remove(order)
        engine.forget(order)
    else:
        order.status = PARTIALLY_FILLED
        if order.visible == 0:
            reveal_next_slice(engine, order, side)
    engine.events.append(order_update(order))
