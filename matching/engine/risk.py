"""Funds in the core, an extension of SPEC.md: balances, holds and transfers, in the manner of
exchange-core's RiskEngine (funds are held before matching and settled after; failures are
result codes). Settlement per trade is in settlement.py.

Funds are off until a `{"op": "funds", "enabled": true}` command; while off, nothing here runs
and the engine behaves exactly as SPEC.md says. Once on they stay on.

Every account holds, per asset, `available` and `locked`: non-negative integers in units of
`10**-AMOUNT_SCALE` of the asset, one scale for all assets, so that every tick × lot notional
and every fee (markets with funds need tick places + lot places <= 18) is exact. Every change
is a double-entry POSTING event; the balances a command changed follow as BALANCE events at the
end of its events. `EXTERNAL` is the outside world (deposits come from it, withdrawals go to
it): it has no balance, so per asset the accounts sum to deposits minus withdrawals.

An order's hold is on the order (`Order.hold_left`), in the asset it pays with: the base for a
sell, the quote for a buy. What is left of it is released when the order ends.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from .domain import BUY, PENDING_TRIGGER, Order, QuoteOrder
from .events import BALANCE, POSTING
from .market import Market, budget_exp
from .units import decimal_text, parse_decimal, pow10

if TYPE_CHECKING:
    from .engine import Engine
    from .fees import FeeSchedule, Rate

FEE_ACCOUNT: Final = "@fees"  # the exchange's fee account: receives fees, pays rebates
EXTERNAL: Final = "@external"  # the outside world: deposits come from it, withdrawals go to it
AMOUNT_SCALE: Final = 18  # an amount is a count of 10**-18 of its asset

# Buckets, as indexes into an account's `[available, locked]` (EXTERNAL has neither).
AVAILABLE: Final = 0
LOCKED: Final = 1
EXTERNAL_BUCKET: Final = 2
BUCKET_NAMES: Final = ("available", "locked", "external")

# Posting reasons.
DEPOSIT: Final = "deposit"
WITHDRAWAL: Final = "withdrawal"
HOLD: Final = "hold"
RELEASE: Final = "release"
TRADE_LEG: Final = "trade"
FEE: Final = "fee"
REBATE: Final = "rebate"

INSUFFICIENT_FUNDS: Final = "insufficient_funds"
_ASSET: Final = re.compile(r"[A-Z0-9]{1,12}", re.ASCII)
_ZERO_RATE: Final[Rate] = (0, 0)


def amount_text(amount: int) -> str:
    """An amount as a plain decimal of its asset: no exponent, no trailing zeros, "0" for 0."""
    return decimal_text((amount, AMOUNT_SCALE))


def exact_enough(market: Market) -> bool:
    """True if the market's notionals and fees are whole amounts (tick places + lot places and
    quote_precision at most AMOUNT_SCALE): only such markets can be defined with funds on."""
    return market.notional_exp <= AMOUNT_SCALE and market.quote_precision <= AMOUNT_SCALE


def rate_in_range(rate: Rate) -> bool:
    """True if -1 < rate < 1: a fee can never be more than the notional, nor a rebate."""
    num, scale = rate
    return abs(num) < pow10(scale)


def _larger(a: Rate, b: Rate) -> Rate:
    return a if a[0] * pow10(b[1]) >= b[0] * pow10(a[1]) else b


def hold_rate(fees: FeeSchedule, user: int | str) -> Rate:
    """The fee rate a buy's hold covers: the larger of the user's rates now, and at least 0
    (a rebate is paid by the fee account, never out of the hold)."""
    maker, taker = fees.rates_of(user)
    return _larger(_larger(maker, taker), _ZERO_RATE)


def with_fee_up(value: int, exp: int, rate: Rate, precision: int) -> int:
    """`value × 10**-exp × (1 + rate)` rounded up to `10**-precision`, as an amount."""
    num, scale = rate
    product = value * (pow10(scale) + num)
    shift = exp + scale - precision
    units = product * pow10(-shift) if shift <= 0 else -(-product // pow10(shift))
    return units * pow10(AMOUNT_SCALE - precision)


def base_amount(market: Market, lots: int) -> int:
    """`lots` of the market's lot size, as an amount of its base asset."""
    return lots * market.lot_num * pow10(AMOUNT_SCALE - market.lot_places)


def held_asset(order: Order) -> str:
    """The asset an order pays with (and holds): the quote for a buy, the base for a sell."""
    return order.market.quote if order.side is BUY else order.market.base


def bound_left(order: Order) -> int:
    """The most a live buy can still pay in notional, as an amount: its hold must never fall
    below it, so fee-rounding drift can only come out of what is above (settlement.py)."""
    market = order.market
    if type(order) is QuoteOrder:
        return order.quote_left * pow10(AMOUNT_SCALE - budget_exp(market))
    price = order.price
    assert price is not None, "a market buy by quantity holds nothing"
    return (
        price * order.remaining * market.notional_unit * pow10(AMOUNT_SCALE - market.notional_exp)
    )


class RiskEngine:
    """Balances of every account, the ids of accepted transfers, and the accounts the current
    command changed. The engine's `funds` while funds are on."""

    __slots__ = ("engine", "accounts", "net", "transfers", "touched")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # account -> asset -> [available, locked]
        self.accounts: dict[object, dict[str, list[int]]] = {}
        self.net: dict[str, int] = {}  # per asset: deposits - withdrawals
        self.transfers: set[int | str] = set()  # ids of accepted credits and debits
        # (account, asset) -> its balance, in the order the current command first changed them
        self.touched: dict[tuple[object, str], list[int]] = {}

    # ---- balances and postings ------------------------------------------------------------

    def available(self, account: object, asset: str) -> int:
        """The account's available amount of `asset` (0 if it never had any). O(1)."""
        balances = self.accounts.get(account)
        if balances is None:
            return 0
        balance = balances.get(asset)
        return 0 if balance is None else balance[AVAILABLE]

    def _balance(self, account: object, asset: str) -> list[int]:
        balances = self.accounts.get(account)
        if balances is None:
            balances = self.accounts[account] = {}
        balance = balances.get(asset)
        if balance is None:
            balance = balances[asset] = [0, 0]
        key = (account, asset)
        if key not in self.touched:
            self.touched[key] = balance
        return balance

    def post(
        self,
        asset: str,
        source: object,
        source_bucket: int,
        target: object,
        target_bucket: int,
        amount: int,
        reason: str,
        order_id: object = None,
        trade_id: int | None = None,
        transfer_id: object = None,
    ) -> None:
        """Moves `amount` (> 0) between two buckets and says so with a POSTING event. The
        caller has checked that the source can give it."""
        if source_bucket == EXTERNAL_BUCKET:
            self.net[asset] = self.net.get(asset, 0) + amount
        else:
            self._balance(source, asset)[source_bucket] -= amount
        if target_bucket == EXTERNAL_BUCKET:
            self.net[asset] = self.net.get(asset, 0) - amount
        else:
            self._balance(target, asset)[target_bucket] += amount
        self.engine.events.append(
            (
                POSTING,
                asset,
                source,
                BUCKET_NAMES[source_bucket],
                target,
                BUCKET_NAMES[target_bucket],
                amount,
                reason,
                order_id,
                trade_id,
                transfer_id,
            )
        )

    def emit_balances(self, events: list[tuple]) -> None:
        """Appends one BALANCE event per (account, asset) the command changed, first-changed
        first, and starts afresh for the next command."""
        for (account, asset), balance in self.touched.items():
            events.append((BALANCE, account, asset, balance[AVAILABLE], balance[LOCKED]))
        self.touched.clear()

    # ---- holds ----------------------------------------------------------------------------

    def hold_amount(self, order: Order) -> int:
        """What an order about to take must hold (rates as they are now): a sell its base
        quantity; a limit buy price × quantity × (1 + f) and a quote-quantity buy its
        quote_quantity × (1 + f), rounded up to quote_precision, f the larger of the user's
        maker and taker rates and 0; a market buy by quantity nothing (it pays as it fills)."""
        market = order.market
        if order.side is not BUY:
            return base_amount(market, order.remaining)
        if type(order) is QuoteOrder:
            value, exp = order.quote_left, budget_exp(market)
        elif order.price is None:
            return 0
        else:
            value = order.price * order.remaining * market.notional_unit
            exp = market.notional_exp
        rate = hold_rate(self.engine.fees, order.user)
        return with_fee_up(value, exp, rate, market.quote_precision)

    def hold(self, order: Order) -> bool:
        """Holds what `order` needs; False, holding nothing, if its user has not that much
        available (the order is then rejected with `insufficient_funds`)."""
        amount = self.hold_amount(order)
        if not amount:
            return True
        asset, user = held_asset(order), order.user
        if self.available(user, asset) < amount:
            return False
        order.hold_left = amount
        self.post(asset, user, AVAILABLE, user, LOCKED, amount, HOLD, order.id)
        return True

    def hold_more(self, order: Order, amount: int) -> bool:
        """Adds `amount` to a live order's hold (an amend that needs more); False, holding
        nothing more, if its user has not that much available."""
        asset, user = held_asset(order), order.user
        if self.available(user, asset) < amount:
            return False
        order.hold_left += amount
        self.post(asset, user, AVAILABLE, user, LOCKED, amount, HOLD, order.id)
        return True

    def release_some(self, order: Order, amount: int) -> None:
        """Gives back `amount` (at most what it holds) of a live order's hold."""
        order.hold_left -= amount
        user = order.user
        self.post(held_asset(order), user, LOCKED, user, AVAILABLE, amount, RELEASE, order.id)

    def release(self, order: Order) -> None:
        """Gives back what is left of an order's hold: called whenever an order ends."""
        amount = order.hold_left
        if amount:
            order.hold_left = 0
            user = order.user
            self.post(held_asset(order), user, LOCKED, user, AVAILABLE, amount, RELEASE, order.id)

    # ---- transfers ------------------------------------------------------------------------

    def transfer(
        self, op: str, cmd: dict, transfer_id: int | str | None, user: int | str | None
    ) -> str | None:
        """Applies a `credit` or `debit` command; returns the refusal reason, or None when done.

        Checked in this order: invalid_field, duplicate_transfer, invalid_asset,
        invalid_amount, insufficient_funds (debit). Only accepted transfers use up their id.
        """
        if transfer_id is None or transfer_id == "" or user is None or user == EXTERNAL:
            return "invalid_field"
        if transfer_id in self.transfers:
            return "duplicate_transfer"
        asset = cmd.get("asset")
        if type(asset) is not str or not (
            _ASSET.fullmatch(asset) or asset in self._market_assets()
        ):
            return "invalid_asset"
        value = parse_decimal(cmd.get("amount"))
        if value is None or value[0] <= 0 or value[1] > AMOUNT_SCALE:
            return "invalid_amount"
        amount = value[0] * pow10(AMOUNT_SCALE - value[1])
        legs: tuple[object, int, object, int, str]
        if op == "debit":
            if self.available(user, asset) < amount:
                return INSUFFICIENT_FUNDS
            legs = (user, AVAILABLE, EXTERNAL, EXTERNAL_BUCKET, WITHDRAWAL)
        else:
            legs = (EXTERNAL, EXTERNAL_BUCKET, user, AVAILABLE, DEPOSIT)
        src, src_bucket, dst, dst_bucket, reason = legs
        self.transfers.add(transfer_id)
        self.post(asset, src, src_bucket, dst, dst_bucket, amount, reason, transfer_id=transfer_id)
        return None

    def _market_assets(self) -> set[str]:
        assets = set()
        for market in self.engine.markets.values():
            assets.add(market.base)
            assets.add(market.quote)
        return assets

    # ---- checking -------------------------------------------------------------------------

    def check_invariants(self) -> None:
        """Raises AssertionError unless: no amount is negative; per asset the accounts sum to
        deposits - withdrawals; each account's locked is the sum of its live orders' holds;
        each live order holds at least what it may still pay. O(accounts + live orders)."""
        assert not self.touched, "balances changed but not reported"
        totals: dict[str, int] = {}
        for account, balances in self.accounts.items():
            assert account != EXTERNAL, "the outside world has no balance"
            for asset, (available, locked) in balances.items():
                assert available >= 0 and locked >= 0, f"{account} {asset} negative"
                totals[asset] = totals.get(asset, 0) + available + locked
        for asset in set(totals) | set(self.net):
            assert totals.get(asset, 0) == self.net.get(asset, 0), f"{asset} not conserved"
        held: dict[tuple[object, str], int] = {}
        for order in self.engine.live.values():
            hold = order.hold_left
            assert hold >= 0
            if order.status is PENDING_TRIGGER:  # holds nothing until it is activated
                assert hold == 0, f"waiting order {order.id} holds funds"
                continue
            if order.side is BUY:
                assert hold >= bound_left(order), f"order {order.id} holds too little"
            else:
                assert hold >= base_amount(order.market, order.remaining), f"{order.id} short"
            key = (order.user, held_asset(order))
            held[key] = held.get(key, 0) + hold
        for account, balances in self.accounts.items():
            for asset, (_, locked) in balances.items():
                assert locked == held.pop((account, asset), 0), f"{account} {asset} locked"
        assert not any(held.values()), f"holds without a balance: {held}"


def configure_funds(engine: Engine, cmd: dict) -> str | None:
    """Applies a `funds` command; returns the refusal reason, or None when it took effect.

    `enabled` must be a JSON boolean (`invalid_field`). Turning funds on when they are on, or
    leaving them off, changes nothing; turning them off once on is `invalid_field`. Turning
    them on needs every market exact enough (`invalid_precision`), every fee rate in (-1, 1)
    (`invalid_rate`) and no live order, since none holds anything (`live_orders`).
    """
    enabled = cmd.get("enabled")
    if type(enabled) is not bool:
        return "invalid_field"
    if engine.funds is not None:
        return None if enabled else "invalid_field"
    if not enabled:
        return None
    if not all(exact_enough(market) for market in engine.markets.values()):
        return "invalid_precision"
    fees = engine.fees
    rates = [*fees.default, *(rate for pair in fees.by_user.values() for rate in pair)]
    if not all(rate_in_range(rate) for rate in rates):
        return "invalid_rate"
    if engine.live:
        return "live_orders"
    engine.funds = RiskEngine(engine)
    return None
