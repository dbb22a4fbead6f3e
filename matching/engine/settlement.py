"""Settling a trade with funds on (risk.py), right after its TRADE event; and what a market buy
by quantity, which holds nothing, can pay for.

Legs of one trade, in the order they are posted (fees in the quote asset, SPEC.md §7; the fee
arithmetic stays in fees.py):
1. the base: seller's locked (its order's hold) -> buyer's available;
2. the notional: buyer's locked (its order's hold) -> seller's available; a market buy by
   quantity pays from available;
3. a positive buyer fee, then a positive seller fee, to the fee account's available: the
   buyer's from what its hold has above what it may still pay in notional (`risk.bound_left`),
   the rest from available; the seller's from available (which has the proceeds by then);
4. then rebates (negative fees), buyer's first, out of the fee account's available.
A fee that its payer cannot cover is cut to what it can (to whole quote units, the fee account
forgoing the rest), and a rebate to what the fee account has, so no balance ever goes negative;
the TRADE event is rewritten with the fees actually charged. Keeping each buy's hold at least
its `bound_left` means the notional itself is always covered by the hold.
"""

from __future__ import annotations

from collections.abc import Callable

from .domain import BUY, Order, QuoteOrder
from .fees import Rate, fee_units
from .market import Market, budget_exp
from .risk import (
    AMOUNT_SCALE,
    AVAILABLE,
    FEE,
    FEE_ACCOUNT,
    LOCKED,
    REBATE,
    TRADE_LEG,
    RiskEngine,
    base_amount,
    bound_left,
)
from .units import pow10


def settle_trade(
    funds: RiskEngine, taker: Order, maker: Order, quantity: int, notional: int
) -> None:
    """Posts the legs of the trade whose TRADE event was just appended. O(1)."""
    events = funds.engine.events
    index = len(events) - 1
    trade = events[index]
    trade_id, maker_fee, taker_fee = trade[1], trade[8], trade[9]
    market = taker.market
    if taker.side is BUY:
        buyer, seller, buyer_fee, seller_fee = taker, maker, taker_fee, maker_fee
    else:
        buyer, seller, buyer_fee, seller_fee = maker, taker, maker_fee, taker_fee
    base, quote = market.base, market.quote
    post = funds.post
    amount = base_amount(market, quantity)
    seller.hold_left -= amount
    post(base, seller.user, LOCKED, buyer.user, AVAILABLE, amount, TRADE_LEG, seller.id, trade_id)
    paid = notional * pow10(AMOUNT_SCALE - market.notional_exp)
    if buyer.price is None:  # a market buy by quantity: affordable_lots saw to it
        spare = 0
        source = AVAILABLE
    else:
        buyer.hold_left -= paid
        if type(buyer) is QuoteOrder:
            buyer.quote_left -= notional * pow10(budget_exp(market) - market.notional_exp)
        spare = buyer.hold_left - bound_left(buyer)  # what fees may take from the hold
        source = LOCKED
    post(quote, buyer.user, source, seller.user, AVAILABLE, paid, TRADE_LEG, buyer.id, trade_id)
    unit = pow10(AMOUNT_SCALE - market.quote_precision)  # one quote unit, as an amount
    if buyer_fee > 0:
        buyer_fee = _charge(funds, quote, buyer, buyer_fee * unit, spare, unit, trade_id) // unit
    if seller_fee > 0:
        seller_fee = _charge(funds, quote, seller, seller_fee * unit, 0, unit, trade_id) // unit
    if buyer_fee < 0:
        buyer_fee = -(_rebate(funds, quote, buyer, -buyer_fee * unit, unit, trade_id) // unit)
    if seller_fee < 0:
        seller_fee = -(_rebate(funds, quote, seller, -seller_fee * unit, unit, trade_id) // unit)
    if buyer is taker:
        charged = (seller_fee, buyer_fee)
    else:
        charged = (buyer_fee, seller_fee)
    if charged != (maker_fee, taker_fee):
        events[index] = trade[:8] + charged + trade[10:]


def _charge(
    funds: RiskEngine, asset: str, order: Order, fee: int, spare: int, unit: int, trade_id: int
) -> int:
    """Takes a fee from the order's hold (at most `spare`), then from available; cut to whole
    quote units its user can pay if that is not enough. Returns the amount charged."""
    user = order.user
    from_hold = spare if spare < fee else fee
    available = funds.available(user, asset)
    if fee - from_hold > available:
        fee = (from_hold + available) // unit * unit
        if from_hold > fee:
            from_hold = fee
    if from_hold:
        order.hold_left -= from_hold
        funds.post(asset, user, LOCKED, FEE_ACCOUNT, AVAILABLE, from_hold, FEE, order.id, trade_id)
    if fee > from_hold:
        funds.post(
            asset, user, AVAILABLE, FEE_ACCOUNT, AVAILABLE, fee - from_hold, FEE, order.id, trade_id
        )
    return fee


def _rebate(
    funds: RiskEngine, asset: str, order: Order, rebate: int, unit: int, trade_id: int
) -> int:
    """Pays a rebate out of the fee account, cut to whole quote units it has. Returns it."""
    available = funds.available(FEE_ACCOUNT, asset)
    if rebate > available:
        rebate = available // unit * unit
    if rebate:
        funds.post(
            asset, FEE_ACCOUNT, AVAILABLE, order.user, AVAILABLE, rebate, REBATE, order.id, trade_id
        )
    return rebate


# ---- market buys by quantity: they pay as they fill -----------------------------------------


def buy_cost(market: Market, price: int, lots: int, rate: Rate) -> int:
    """What `lots` at `price` cost a taker buying with `rate`, as an amount of the quote: the
    notional plus the fee, a rebate not counted (the fee account pays it, if it can)."""
    notional = price * (lots * market.notional_unit)
    cost = notional * pow10(AMOUNT_SCALE - market.notional_exp)
    fee = fee_units(rate, notional, market.notional_exp, market.quote_precision)
    if fee > 0:
        cost += fee * pow10(AMOUNT_SCALE - market.quote_precision)
    return cost


def affordable_lots(budget: int, market: Market, price: int, lots: int, rate: Rate) -> int:
    """The most lots, up to `lots`, whose `buy_cost` at `price` is within `budget`.

    The cost grows with the lots, so a binary search finds it: O(log lots), and O(1) in the
    common case where all of them are affordable.
    """
    if buy_cost(market, price, lots, rate) <= budget:
        return lots
    low, high = 0, lots - 1
    while low < high:
        middle = (low + high + 1) >> 1
        if buy_cost(market, price, middle, rate) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def fok_payer(funds: RiskEngine, taker: Order) -> Callable[[int, int], int] | None:
    """For the FOK dry run of a market buy by quantity: a function `(price, lots) -> lots`
    giving how many of `lots` the buyer could pay after the fills counted before. None for any
    other order (its hold pays). The proceeds of a self-trade are not counted, so the dry run
    never promises a fill the real run cannot pay."""
    if taker.price is not None or taker.side is not BUY:
        return None
    market = taker.market
    rate = funds.engine.fees.rates_of(taker.user)[1]
    left = funds.available(taker.user, market.quote)

    def pay(price: int, lots: int) -> int:
        nonlocal left
        affordable = affordable_lots(left, market, price, lots, rate)
        left -= buy_cost(market, price, affordable, rate)
        return affordable

    return pay
