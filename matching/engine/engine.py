"""The matching engine: a deterministic state machine `(state, command) -> (state, events)`.

`Engine.process(command)` takes one command in the form of SPEC.md §1 (a dict as parsed from
JSON) and returns the events it caused. Time comes only from the commands' `ts`; ids come
from the commands or from counters in the state; nothing here reads a clock or a random
source, so replaying the same commands gives the same state and events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from .admin import (
    ADMIN,
    TRADING_DISABLED,
    configure_market,
    max_open_orders_of,
    price_band_of,
    status_and_version,
)
from .amend import amend
from .auction import uncross
from .breaker import (
    CIRCUIT_BREAKER,
    PAUSED,
    SYMBOL_PAUSED,
    breaker_of,
    joins_auction,
    start_history,
)
from .cancel_after import CANCEL_AFTER, CancelAfter, timeout_of
from .domain import (
    BUY,
    CANCELLED,
    EXPIRED,
    FILLED,
    FOK,
    IOC,
    NEW,
    PARTIALLY_FILLED,
    PENDING_TRIGGER,
    REJECTED,
    Order,
    QuoteOrder,
)
from .events import CONFIGURED, MARKET_STATUS, REFUSED, order_update
from .execution import fok_can_fill, match
from .expiry import ExpiryQueue
from .fees import ANY_USER, FeeSchedule, parse_rate
from .id_set import IdSet
from .invariants import check_engine
from .market import HALTED, TRADING, Market, MarketSpecError
from .price_band import walk_limit
from .quote_orders import take_quote
from .risk import INSUFFICIENT_FUNDS, RiskEngine, configure_funds, exact_enough, rate_in_range
from .settlement import fok_payer
from .units import decimal_text
from .validation import (
    TOO_MANY_ORDERS,
    Rejected,
    check_band,
    check_client_order_id,
    checked_order,
    may_stay,
    rejected_update,
)

# market, trading: admin.py; funds, credit, debit: risk.py; cancel_after: cancel_after.py;
# amend: amend.py;
# forget_client_ids: below
OPS: Final = frozenset(
    (
        "symbol",
        "fees",
        "new",
        "cancel",
        "tick",
        "market",
        "funds",
        "credit",
        "debit",
        "forget_client_ids",
        "cancel_after",
        "amend",
        "trading",
    )
)
_NUMERIC_START: Final = frozenset("-0123456789")  # a string id or user that may be a number


# why a cancel may say it was sent: a socket that asked for it closed (API.md, "Order control")
CANCEL_REASONS: Final = frozenset(("cancel_on_disconnect",))


def _order_id_key(order: Order) -> tuple[bool, int | str]:
    """Orders by id, integer ids before string ones."""
    return (type(order.id) is str, order.id)


def _ref(value: object) -> int | str | None:
    """An id or user in one canonical form: `1` and `"1"` are the same id (SPEC.md §9.3), so a
    string that is the decimal form of an integer becomes that integer. None if the value is
    neither a string nor an integer (a bool is neither)."""
    if type(value) is int:
        return value
    if type(value) is not str:
        return None
    digits = value[1:] if value[:1] == "-" else value
    if len(digits) < 4000 and digits.isascii() and digits.isdigit() and str(int(value)) == value:
        return int(value)
    return value


def _stopped_by(best, reach: int | None, bound: int, is_buy: bool) -> bool:
    """Whether the next trade of an order, which `bound` stopped, would have been in its own
    `reach` (None: any price): the circuit breaker's trip (breaker.py)."""
    if best is None:
        return False
    price = best.price
    if is_buy:
        return price > bound and (reach is None or price <= reach)
    return price < bound and (reach is None or price >= reach)


def malformed_reason(cmd: object) -> str | None:
    """Why `cmd` is not a command at all (SPEC.md §9.4), or None if it is one: not an object,
    an unknown `op`, or a `new` without a usable id or user. (A `cancel` without them is a
    command, refused as `unknown_order`.)"""
    if type(cmd) is not dict:
        return "not_an_object"
    op = cmd.get("op")
    if type(op) is not str or op not in OPS:
        return "unknown_op"
    if op == "new":
        if _ref(cmd.get("id")) is None:
            return "missing_id"
        if _ref(cmd.get("user")) is None:
            return "missing_user"
    return None


class Engine:
    """All markets, their books, fee rates and the clock, and the funds once they are on
    (`funds`, risk.py: balances checked and settled in the same step as the matching).
    Single-threaded by design."""

    def __init__(self) -> None:
        self.markets: dict[str, Market] = {}
        self.fees = FeeSchedule()
        self.clock = 0
        self.seq = 0  # commands processed
        self.trade_seq = 0
        self.priority_seq = 0
        self.live: dict[int | str, Order] = {}  # resting or waiting orders by id
        # the same orders by user, then id: what cancelling all of a user's orders visits
        self.live_by_user: dict[int | str, dict[int | str, Order]] = {}
        # how many live orders each user has in a market is the market's `open_orders`
        self.used_ids = IdSet()  # every id a `new` used, for good (id_set.py)
        # (user, client_order_id) -> order id of every order accepted with a client_order_id
        # (validation.py), oldest first: kept so a repeat is refused even after the first
        # order has ended, until a `forget_client_ids` command lets the oldest go
        self.client_ids: dict[tuple[int | str, str], int | str] = {}
        self.expiries = ExpiryQueue()
        self.switches = CancelAfter()  # each user's dead man's switch
        self.trading_disabled: set[int | str] = set()  # users an admin stopped (admin.py)
        self.pauses: dict[str, int] = {}  # symbol -> end of its breaker's pause (breaker.py)
        self.events: list[tuple] = []
        self.funds: RiskEngine | None = None  # balances and holds, once funds are on (risk.py)

    # ---- commands -------------------------------------------------------------------------

    def process(self, cmd: object) -> list[tuple]:
        """Runs one command and returns its events. Never raises on bad input; a malformed
        command is refused without touching the state."""
        op = cmd.get("op") if type(cmd) is dict else None
        if type(cmd) is not dict or type(op) is not str:
            return [(REFUSED, None, None, None, malformed_reason(cmd))]
        is_order = op == "new" or op == "cancel"
        if is_order:
            order_id, user = cmd.get("id"), cmd.get("user")
            if type(order_id) is not int:
                order_id = _ref(order_id)
            if type(user) is not str or user[:1] in _NUMERIC_START:
                user = _ref(user)
            if (order_id is None or user is None) and op == "new":
                return [(REFUSED, op, None, None, malformed_reason(cmd))]
        elif op not in OPS:
            return [(REFUSED, None, None, None, malformed_reason(cmd))]
        self.seq += 1
        events: list[tuple] = []
        self.events = events
        ts = cmd.get("ts")
        if type(ts) is int and ts > self.clock:
            self.clock = ts
            heap = self.expiries.heap
            if heap and heap[0][0] <= ts:
                for order in self.expiries.pop_due(ts):
                    self.end(order, EXPIRED, due=True)
            if self.switches.heap:
                for switch_user in self.switches.pop_due(ts):
                    self._fire_switch(switch_user)
            if self.pauses:
                self._end_pauses_due(ts)
        if is_order:
            if op == "new":
                assert order_id is not None and user is not None  # a `new` without is refused
                self._new(cmd, order_id, user, ts is not None)
            else:
                self._cancel(order_id, user, cmd.get("reason"))
        elif op == "symbol":
            self._define_market(cmd)
        elif op == "fees":
            self._set_fees(cmd)
        elif op == "market":
            self._configure_market(cmd)
        elif op == "funds":
            self._configure_funds(cmd)
        elif op == "credit" or op == "debit":
            self._transfer(op, cmd)
        elif op == "forget_client_ids":
            self._forget_client_ids(cmd.get("upto"))
        elif op == "cancel_after":
            self._arm_switch(cmd)
        elif op == "amend":
            amend(self, cmd, _ref(cmd.get("id")), _ref(cmd.get("user")))
        elif op == "trading":
            self._set_trading(cmd)
        funds = self.funds
        if funds is not None and funds.touched:
            funds.emit_balances(events)
        return events

    def _new(self, cmd: dict, order_id: int | str, user: int | str, has_ts: bool) -> None:
        if not self.used_ids.claim(order_id):
            self.events.append((REFUSED, "new", order_id, user, "duplicate_order_id"))
            return
        client_id = cmd.get("client_order_id")
        try:
            if user in self.trading_disabled:
                raise Rejected(TRADING_DISABLED)
            if client_id is not None:
                check_client_order_id(client_id, user, self.client_ids)
            # the keys read so far, with a value: op, id, user, and ts, client_order_id if given
            found = 3 + has_ts + (client_id is not None)
            order = checked_order(cmd, order_id, user, self.markets, self.clock, found)
            if order.market.paused_until is not None and not joins_auction(order):
                raise Rejected(SYMBOL_PAUSED)  # in the auction window (breaker.py)
            if order.market.price_band is not None:
                check_band(order)
            limit = order.market.max_open_orders
            if limit and may_stay(order) and order.market.open_orders.get(user, 0) >= limit:
                raise Rejected(TOO_MANY_ORDERS)
            # funds on: the last rule, after min_notional; a stop holds when it activates
            if self.funds is not None and order.trigger_price is None:
                if not self.funds.hold(order):
                    raise Rejected(INSUFFICIENT_FUNDS)
        except Rejected as rejection:
            self.events.append(
                rejected_update(cmd, order_id, user, self.markets, rejection.args[0])
            )
            return
        if client_id is not None:  # accepted: registered whatever becomes of it
            self.client_ids[(user, client_id)] = order_id
        order.placed = self.seq
        market = order.market
        if market.paused_until is not None:
            self._rest(order)  # the auction collects it (breaker.py)
        elif order.trigger_price is None:
            self._take(order)
        else:
            order.status = PENDING_TRIGGER
            market.stops.add(order)
            self._remember(order)
            self.events.append(order_update(order))
        if market.stops.size:
            self._activate_triggered(market)

    # ---- circuit breakers (breaker.py, auction.py) ------------------------------------------

    def market_status(self, symbol: object) -> tuple[str, str | None, int | None] | None:
        """(status, status_reason, resumes_at) of a market as the MARKET_STATUS event gives
        them; None if there is no such market."""
        market = self.markets.get(symbol) if type(symbol) is str else None
        if market is None:
            return None
        if market.status is HALTED:
            return HALTED, ADMIN, None
        if market.paused_until is not None:
            return PAUSED, CIRCUIT_BREAKER, market.paused_until
        return TRADING, None, None

    def _say_status(self, market: Market) -> None:
        status = self.market_status(market.symbol)
        assert status is not None, "a market of the engine"
        self.events.append((MARKET_STATUS, market.symbol, *status))

    def _trip(self, market: Market) -> None:
        """The breaker stopped a trade: the market pauses."""
        breaker = market.breaker
        assert breaker is not None, "only a breaker trips"
        market.paused_until = self.clock + breaker.pause_ms
        market.auction_from = market.paused_until - breaker.auction_ms
        self.pauses[market.symbol] = market.paused_until
        self._say_status(market)

    def _end_pauses_due(self, clock: int) -> None:
        """Reopens the markets whose pause has ended, in the order they were defined; one an
        admin halted waits for the admin to resume it (`_configure_market`)."""
        for market in self.markets.values():
            until = market.paused_until
            if until is not None and until <= clock and market.status is TRADING:
                self._reopen(market)

    def _reopen(self, market: Market) -> None:
        """The end of a pause: the auction, then continuous trading."""
        market.paused_until = market.auction_from = None
        del self.pauses[market.symbol]
        uncross(self, market)
        breaker = market.breaker
        if breaker is not None:
            breaker.history.clear()
            start_history(breaker, market, self.clock)
        self._say_status(market)
        if market.stops.size:
            self._activate_triggered(market)

    def _arm_switch(self, cmd: dict) -> None:
        user = _ref(cmd.get("user"))
        if user is None:
            self.events.append((REFUSED, CANCEL_AFTER, None, None, "invalid_user"))
            return
        timeout = timeout_of(cmd)
        if timeout is None:
            self.events.append((REFUSED, CANCEL_AFTER, user, user, "invalid_timeout_ms"))
            return
        if timeout:
            self.switches.arm(user, self.clock + timeout)
        else:
            self.switches.disarm(user)
        self.events.append((CONFIGURED, CANCEL_AFTER, user))

    def _fire_switch(self, user: int | str) -> None:
        """Cancels every live order of `user`, in order of id (cancel_after.py)."""
        self._cancel_all_of(user, CANCEL_AFTER)

    def _cancel_all_of(self, user: int | str, reason: str) -> None:
        mine = self.live_by_user.get(user)
        if not mine:
            return
        for order in sorted(mine.values(), key=_order_id_key):
            order.reason = reason
            self.end(order, CANCELLED)

    def _set_trading(self, cmd: dict) -> None:
        """The `trading` command of admin.py: stop a user trading, or let them again."""
        user, enabled = _ref(cmd.get("user")), cmd.get("enabled")
        if user is None or type(enabled) is not bool:
            reason = "invalid_user" if user is None else "invalid_enabled"
            self.events.append((REFUSED, "trading", user, user, reason))
            return
        if enabled:
            self.trading_disabled.discard(user)
        else:
            self.trading_disabled.add(user)
            self._cancel_all_of(user, ADMIN)
        self.events.append((CONFIGURED, "trading", user))

    def next_due(self) -> int | None:
        """The engine time at which a command would next change something by the clock alone
        (an order expiring, a switch firing, a market reopening); None if nothing waits for
        the clock."""
        heap = self.expiries.heap
        times = [heap[0][0]] if heap else []
        switch = self.switches.next_deadline()
        if switch is not None:
            times.append(switch)
        for symbol, until in self.pauses.items():
            if self.markets[symbol].status is TRADING:
                times.append(until)
        return min(times) if times else None

    def _cancel(
        self, order_id: int | str | None, user: int | str | None, reason: object = None
    ) -> None:
        """SPEC.md's cancel. The service's extension: a `reason` the cancel is for, one of
        CANCEL_REASONS (another is ignored), given to the order's event."""
        order = None if order_id is None else self.live.get(order_id)
        if order is None or order.user != user:
            self.events.append((REFUSED, "cancel", order_id, user, "unknown_order"))
        else:
            if type(reason) is str and reason in CANCEL_REASONS:
                order.reason = reason
            self.end(order, CANCELLED)

    def _define_market(self, cmd: dict) -> None:
        try:
            market = Market(cmd)
            market.status, market.version = status_and_version(cmd, market)
            market.max_open_orders = max_open_orders_of(cmd, market)
            market.price_band_pct, market.price_band = price_band_of(cmd, market)
            market.breaker = breaker_of(cmd, market)
            start_history(market.breaker, market, self.clock)
            if self.funds is not None and not exact_enough(market):
                raise MarketSpecError("invalid_precision")
        except MarketSpecError as error:
            self.events.append((REFUSED, "symbol", cmd.get("symbol"), None, str(error)))
            return
        if market.symbol in self.markets:
            self.events.append((REFUSED, "symbol", market.symbol, None, "symbol_exists"))
            return
        self.markets[market.symbol] = market
        self.events.append((CONFIGURED, "symbol", market.symbol))

    def _configure_market(self, cmd: dict) -> None:
        """The `market` command of admin.py: halt or resume a market, change its grid."""
        symbol = cmd.get("symbol")
        before = self.market_status(symbol)
        try:
            configure_market(self, cmd)
        except MarketSpecError as error:
            self.events.append((REFUSED, "market", symbol, None, str(error)))
            return
        self.events.append((CONFIGURED, "market", symbol))
        market = self.markets[cmd["symbol"]]  # configure_market found it
        if (
            market.status is TRADING
            and market.paused_until is not None
            and market.paused_until <= self.clock
        ):
            self._reopen(market)  # resumed by an admin after its pause ended (breaker.py)
        elif self.market_status(symbol) != before:
            self._say_status(market)

    def _set_fees(self, cmd: dict) -> None:
        user = _ref(cmd.get("user"))
        if cmd.get("reset") is True and user is not None:
            # the service's extension: the user goes back to the default rates
            self.fees.reset(user)
            self.events.append((CONFIGURED, "fees", user))
            return
        maker, taker = parse_rate(cmd.get("maker")), parse_rate(cmd.get("taker"))
        if user is None or maker is None or taker is None:
            self.events.append((REFUSED, "fees", user, user, "invalid_fees"))
            return
        if self.funds is not None and not (rate_in_range(maker) and rate_in_range(taker)):
            self.events.append((REFUSED, "fees", user, user, "invalid_rate"))
            return
        self.fees.set(user, maker, taker)
        self.events.append((CONFIGURED, "fees", user))

    def _configure_funds(self, cmd: dict) -> None:
        """The `funds` command (risk.py): turns funds on, for good."""
        reason = configure_funds(self, cmd)
        if reason is None:
            self.events.append((CONFIGURED, "funds", None))
        else:
            self.events.append((REFUSED, "funds", None, None, reason))

    def _transfer(self, op: str, cmd: dict) -> None:
        """A `credit` or `debit` (risk.py): its POSTING says it was done, a REFUSED that not."""
        transfer_id, user = _ref(cmd.get("transfer_id")), _ref(cmd.get("user"))
        reason: str | None
        if self.funds is None:
            reason = "funds_disabled"
        else:
            reason = self.funds.transfer(op, cmd, transfer_id, user)
        if reason is not None:
            self.events.append((REFUSED, op, transfer_id, user, reason))

    def _forget_client_ids(self, upto: object) -> None:
        """Lets go of the client_order_ids of the oldest orders, up to and including order
        id `upto` (an integer), so that the map stays the size of a recent window.

        The matcher sends this once those orders are in the database, which then answers
        for them (exchange/services/orders.py asks it first). The map is in the order the
        orders were accepted, so this stops at the first id above `upto` (or not an integer):
        with the matcher's ids, which rise, that is all of them."""
        if type(upto) is not int:
            return
        client_ids = self.client_ids
        old = []
        for key, order_id in client_ids.items():
            if type(order_id) is not int or order_id > upto:
                break
            old.append(key)
        for key in old:
            del client_ids[key]

    # ---- order flow -----------------------------------------------------------------------

    def _take(self, order: Order) -> None:
        """Runs an accepted (or just activated) order as the taker, then rests or ends it."""
        limit, tif = order.price, order.tif
        if limit is None and type(order) is QuoteOrder:  # a limit order pays one `is`
            take_quote(self, order)  # quote_orders.py: it never rests
            return
        market = order.market
        book = market.book
        is_buy = order.side is BUY
        opposite = book.asks if is_buy else book.bids
        best = opposite.best
        ending = None  # the status if the order does not rest
        edge = None  # a market order's price band edge (price_band.py)
        if limit is None and market.price_band is not None:
            edge = walk_limit(market, is_buy)
        reach = limit if edge is None else edge
        bound = None  # its circuit breaker's far bound (breaker.py), where it is tighter
        near = False  # the best price is past the breaker's near bound already
        if market.breaker is not None:
            bounds = market.breaker.bounds(self.clock)
            if bounds is not None and best is not None:
                low, high = bounds
                if is_buy:
                    bound = high if reach is None or high < reach else None
                    near = best.price < low
                else:
                    bound = low if reach is None or low > reach else None
                    near = best.price > high
        if best is not None and (
            reach is None or (best.price <= reach if is_buy else best.price >= reach)
        ):
            before = market.last_price
            if order.post_only:
                ending, order.reason = REJECTED, "post_only_would_take"
            elif near:
                ending, order.reason = CANCELLED, CIRCUIT_BREAKER
            elif tif is FOK and not fok_can_fill(
                order,
                opposite,
                None if self.funds is None else fok_payer(self.funds, order),
                edge if bound is None else bound,
            ):
                ending = EXPIRED
                if bound is not None and fok_can_fill(  # the bound alone stops it
                    order,
                    opposite,
                    None if self.funds is None else fok_payer(self.funds, order),
                    edge,
                ):
                    ending, order.reason = CANCELLED, CIRCUIT_BREAKER
            elif match(self, order, opposite, edge if bound is None else bound):
                ending = CANCELLED
            elif order.remaining == 0:
                ending = FILLED
            elif bound is not None and _stopped_by(opposite.best, reach, bound, is_buy):
                ending, order.reason = CANCELLED, CIRCUIT_BREAKER
            elif limit is None or tif is IOC or tif is FOK:
                ending = EXPIRED
            if (
                market.breaker is not None
                and market.last_price is not None
                and market.last_price != before
            ):
                market.breaker.record(self.clock, market.last_price)
        elif limit is None or tif is IOC or tif is FOK:
            ending = EXPIRED  # nothing crosses
        if ending is not None:
            order.status = ending
            self.forget(order)
            self.events.append(order_update(order))
            if order.reason is CIRCUIT_BREAKER and order.status is CANCELLED:
                self._trip(market)
            return
        self._rest(order)

    def _rest(self, order: Order) -> None:
        """Rests an order at the back of its level, showing at most one iceberg slice."""
        book = order.market.book
        own = book.bids if order.side is BUY else book.asks
        order.status = PARTIALLY_FILLED if order.filled else NEW
        display = order.display
        if display is not None and display < order.remaining:
            order.visible = display
        else:
            order.visible = order.remaining
        self.priority_seq += 1
        order.priority = self.priority_seq
        own.add(order)
        if order.id not in self.live:  # an activated stop is live (and queued to expire) already
            self._remember(order)
        self.events.append(order_update(order))

    def _activate_triggered(self, market: Market) -> None:
        """The trigger loop of SPEC.md §6: earliest placed first, re-checked after each."""
        stops = market.stops
        while stops.size and market.last_price is not None and market.paused_until is None:
            order = stops.pop_triggered(market.last_price)
            if order is None:
                return
            if self.funds is not None and not self.funds.hold(order):
                order.status, order.reason = REJECTED, INSUFFICIENT_FUNDS
                self.forget(order)
                self.events.append(order_update(order))
                continue
            self._take(order)

    def _remember(self, order: Order) -> None:
        """Makes an order that is not live yet live (it rests, or waits for its trigger)."""
        self.live[order.id] = order
        self._index(order)
        if order.expire_at is not None:
            self.expiries.push(order)

    def forget(self, order: Order) -> None:
        """Drops an order that has just stopped being live (filled, or ended on activation),
        or a taker that ends without resting; with funds on, releases what it still holds."""
        if self.live.pop(order.id, None) is not None:
            self._unindex(order)
            if order.expire_at is not None:
                self.expiries.discard(order)
        if self.funds is not None:
            self.funds.release(order)

    def _index(self, order: Order) -> None:
        user = order.user
        mine = self.live_by_user.get(user)
        if mine is None:
            mine = self.live_by_user[user] = {}
        mine[order.id] = order
        counts = order.market.open_orders
        counts[user] = counts.get(user, 0) + 1

    def _unindex(self, order: Order) -> None:
        user = order.user
        mine = self.live_by_user[user]
        del mine[order.id]
        if not mine:
            del self.live_by_user[user]
        counts = order.market.open_orders
        left = counts[user] - 1
        if left:
            counts[user] = left
        else:
            del counts[user]

    def end(self, order: Order, status: str, *, due: bool = False) -> None:
        """Ends a live order (cancel, expiry, self-trade prevention) and says so.

        `due` is set when the expiry queue has already let go of the order.
        """
        market = order.market
        if order.status is PENDING_TRIGGER:
            market.stops.remove(order)
        elif order.side is BUY:
            market.book.bids.remove(order)
        else:
            market.book.asks.remove(order)
        order.visible = 0
        order.status = status
        del self.live[order.id]
        self._unindex(order)
        if order.expire_at is not None and not due:
            self.expiries.discard(order)
        if self.funds is not None:
            self.funds.release(order)
        self.events.append(order_update(order))

    # ---- reading the state ----------------------------------------------------------------

    def order_id_for_client_id(self, user: object, client_order_id: object) -> int | str | None:
        """The id of `user`'s order accepted with `client_order_id`, whatever its status now;
        None if there is none. The user is taken as the engine takes it (`1` is `"1"`)."""
        user = _ref(user)
        if user is None or type(client_order_id) is not str:
            return None
        return self.client_ids.get((user, client_order_id))

    def switch_deadline(self, user: object) -> int | None:
        """The engine time `user`'s dead man's switch fires at (cancel_after.py); None when
        it is off. The user is taken as the engine takes it (`1` is `"1"`)."""
        user = _ref(user)
        return None if user is None else self.switches.deadlines.get(user)

    def market_config(self, symbol: object) -> dict | None:
        """The market's configuration, to compare with one kept elsewhere (a database): the
        `symbol` definition with its defaults filled in and the `market` changes applied
        (decimals as written, `quote_precision` an int) plus `status`. None if unknown."""
        market = self.markets.get(symbol) if type(symbol) is str else None
        if market is None:
            return None
        return {**market.spec, "status": market.status, "version": market.version}

    def fee_config(self) -> dict:
        """The fee rates in force: `{"*": (maker, taker), user: (maker, taker), ...}`, `"*"` the
        default for users without their own. Rates are in the one text of `units.decimal_text`
        (`"0.0010"` is `"0.001"`, `"-0.00"` is `"0"`), so equal rates compare equal as text;
        users are as the engine keys them (`"1"` is `1`)."""
        config: dict[int | str, tuple[str, ...]] = {
            ANY_USER: tuple(decimal_text(rate) for rate in self.fees.default)
        }
        for user, rates in self.fees.by_user.items():
            config[user] = tuple(decimal_text(rate) for rate in rates)
        return config

    def balances_of(self, user: object) -> dict[str, tuple[int, int]]:
        """`{asset: (available, locked)}` of one account, amounts in units of 10**-18 (risk.py);
        empty while funds are off. The user is taken as the engine takes it (`1` is `"1"`)."""
        balances = None if self.funds is None else self.funds.accounts.get(_ref(user))
        return {} if balances is None else {a: (b[0], b[1]) for a, b in balances.items()}

    def all_balances(self) -> Iterator[tuple[object, str, int, int]]:
        """`(account, asset, available, locked)` of every balance the engine keeps (the fee
        account's included), for reconciliation with the database."""
        if self.funds is not None:
            for account, balances in self.funds.accounts.items():
                for asset, (available, locked) in balances.items():
                    yield account, asset, available, locked

    def resting_orders(self) -> Iterator[tuple[Market, str, Order]]:
        """Every resting order: markets in definition order, bids best first then asks, each
        level in priority order (the order of SPEC.md §8's book.csv)."""
        for market in self.markets.values():
            for side_name, side in (("buy", market.book.bids), ("sell", market.book.asks)):
                for level in side.levels():
                    for order in level.orders():
                        yield market, side_name, order

    def open_counts(self) -> dict[tuple[str, int | str], int]:
        """`{(symbol, user): live orders}` of every user with live orders: what each market's
        `max_open_orders` bounds. O(markets + users with live orders)."""
        return {
            (symbol, user): count
            for symbol, market in self.markets.items()
            for user, count in market.open_orders.items()
        }

    def check_invariants(self) -> None:
        """Raises AssertionError if the state is inconsistent (invariants.py). O(live orders)."""
        check_engine(self)
