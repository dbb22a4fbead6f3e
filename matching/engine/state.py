"""The whole engine state as plain data, and back: for snapshots and the state hash.

`dump_state` gives a JSON-ready dict in a canonical order (books in queue order, waiting
orders in placement order, ids sorted), so equal states dump to equal bytes and
`state_sha256` can compare an engine before a crash with the one recovery rebuilt.
Caches (the decimal memos, dead expiry entries) are not state and are left out.

Used order ids are dumped as `used_id_chunks` (id_set.py's bitmaps, present when there are
any) and `used_ids` (the ids kept beside them, sorted); a snapshot from before the bitmaps
lists every id under `used_ids` and loads the same.
The client_order_id map (engine.py) is dumped under `client_ids` only when it is not empty,
sorted by user then client_order_id: an engine that never saw a client_order_id dumps, hashes
and snapshots exactly as before the extension, and older snapshots load as having none.
A market's circuit breaker and pause (breaker.py) are dumped only when it has them.
Funds (risk.py) are dumped under `funds` only when they are on, the same way: balances, deposits
minus withdrawals per asset, accepted transfer ids, and the holds of live orders.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Final

from .breaker import Breaker
from .domain import ORDER_TYPES, PENDING_TRIGGER, SIDES, STATUSES, STP_MODES, TIFS, Order
from .engine import Engine
from .fees import Rate
from .id_set import IdSet
from .market import MARKET_STATUSES, TRADING, Market
from .price_band import parse_band
from .risk import RiskEngine

FORMAT_VERSION: Final = 1

# The order fields a snapshot keeps, in slot order: all but the market, the links and the
# derived ones. Holds are kept with the funds (risk.py), so an engine without funds dumps as
# before them. (tests/matching/test_snapshots.py checks this against `Order.__slots__`.)
_ORDER_FIELDS: Final = (
    "id",
    "user",
    "side",
    "type",
    "tif",
    "price",
    "trigger_price",
    "quantity",
    "remaining",
    "visible",
    "display",
    "filled",
    "status",
    "stp",
    "post_only",
    "expire_at",
    "placed",
    "priority",
)
# Names come back as the core's interned constants, so identity checks keep working.
_INTERNED: Final = ("side", "type", "tif", "status", "stp")
_CONSTANTS: Final = {
    name: name for group in (SIDES, ORDER_TYPES, TIFS, STP_MODES, STATUSES) for name in group
}


def _id_key(value: Any) -> tuple[bool, Any]:
    """Sorts a mix of integer and string ids: integers first."""
    return (type(value) is str, value)


def _dump_order(order: Order) -> list:
    return [getattr(order, field) for field in _ORDER_FIELDS]


def dump_state(engine: Engine) -> dict:
    """The engine's state as JSON-ready plain data. O(live orders + used ids)."""
    markets = []
    for market in engine.markets.values():
        book = market.book
        markets.append(
            {
                "spec": market.spec,
                "status": market.status,
                "version": market.version,
                **({"max_open_orders": market.max_open_orders} if market.max_open_orders else {}),
                **({"price_band_pct": market.price_band_pct} if market.price_band else {}),
                **_dump_breaker(market),
                "last_price": market.last_price,
                "bids": [_dump_order(o) for level in book.bids.levels() for o in level.orders()],
                "asks": [_dump_order(o) for level in book.asks.levels() for o in level.orders()],
                "stops": [_dump_order(o) for o in market.stops.orders()],
            }
        )
    fees = engine.fees
    state = {
        "version": FORMAT_VERSION,
        "seq": engine.seq,
        "clock": engine.clock,
        "trade_seq": engine.trade_seq,
        "priority_seq": engine.priority_seq,
        "fees": {
            "default": fees.default,
            "by_user": sorted(
                ([user, rates] for user, rates in fees.by_user.items()),
                key=lambda item: _id_key(item[0]),
            ),
        },
        "markets": markets,
        "used_ids": sorted(engine.used_ids.sparse(), key=_id_key),
    }
    chunks = engine.used_ids.packed_chunks()
    if chunks:
        state["used_id_chunks"] = chunks
    if engine.client_ids:
        state["client_ids"] = [
            [user, client_id, order_id]
            for (user, client_id), order_id in sorted(
                engine.client_ids.items(), key=lambda item: (_id_key(item[0][0]), item[0][1])
            )
        ]
    if engine.trading_disabled:
        state["trading_disabled"] = sorted(engine.trading_disabled, key=_id_key)
    if engine.switches.deadlines:
        state["cancel_after"] = sorted(
            ([user, deadline] for user, deadline in engine.switches.deadlines.items()),
            key=lambda item: _id_key(item[0]),
        )
    if engine.funds is not None:
        state["funds"] = _dump_funds(engine, engine.funds)
    return state


def _dump_breaker(market: Market) -> dict:
    """A market's circuit breaker and pause (breaker.py), present only when there is one."""
    dumped: dict[str, Any] = {}
    breaker = market.breaker
    if breaker is not None:
        dumped["breaker"] = {
            **breaker.settings(),
            "history": [list(entry) for entry in breaker.history],
        }
    if market.paused_until is not None:
        dumped["paused"] = [market.paused_until, market.auction_from]
    return dumped


def _load_breaker(market: Market, entry: dict, engine: Engine) -> None:
    data = entry.get("breaker")
    if data is not None:
        market.breaker = Breaker(
            data["breaker_move_pct"],
            data["breaker_window_s"],
            data["breaker_pause_s"],
            data["breaker_auction_s"],
        )
        market.breaker.history.extend((ts, price) for ts, price in data["history"])
    paused = entry.get("paused")
    if paused is not None:
        market.paused_until, market.auction_from = paused
        engine.pauses[market.symbol] = market.paused_until


def _dump_funds(engine: Engine, funds: RiskEngine) -> dict:
    """Funds in a canonical order: accounts by id then asset, transfer and order ids sorted."""
    return {
        "balances": [
            [account, asset, available, locked]
            for account, balances in sorted(funds.accounts.items(), key=lambda a: _id_key(a[0]))
            for asset, (available, locked) in sorted(balances.items())
        ],
        "net": sorted([asset, amount] for asset, amount in funds.net.items()),
        "transfers": sorted(funds.transfers, key=_id_key),
        "holds": sorted(
            ([order.id, order.hold_left] for order in engine.live.values() if order.hold_left),
            key=lambda item: _id_key(item[0]),
        ),
    }


def _load_funds(engine: Engine, data: dict) -> RiskEngine:
    funds = RiskEngine(engine)
    for account, asset, available, locked in data["balances"]:
        funds.accounts.setdefault(account, {})[asset] = [available, locked]
    funds.net = {asset: amount for asset, amount in data["net"]}
    funds.transfers = set(data["transfers"])
    for order_id, hold in data["holds"]:
        order = engine.live.get(order_id)
        if order is None:
            raise ValueError(f"a hold of {order_id!r}, which is not a live order")
        order.hold_left = hold
    return funds


def canonical_json(state: dict) -> bytes:
    """The one byte form of a dumped state (sorted keys, no spaces)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":")).encode()


def state_sha256(engine: Engine) -> str:
    """SHA-256 over the canonical dump: equal for equal states."""
    return hashlib.sha256(canonical_json(dump_state(engine))).hexdigest()


def _load_order(fields: list, market: Market) -> Order:
    order = Order(fields[0], fields[1], market, None, None)
    for name, value in zip(_ORDER_FIELDS, fields, strict=True):
        if name in _INTERNED and value is not None:
            value = _CONSTANTS[value]
        setattr(order, name, value)
    return order


def _rates(rates: Sequence[Sequence[int]]) -> tuple[Rate, Rate]:
    """(maker, taker) as `fees.py` keeps them, from their dumped lists."""
    (maker_num, maker_scale), (taker_num, taker_scale) = rates
    return (maker_num, maker_scale), (taker_num, taker_scale)


def load_state(state: dict) -> Engine:
    """An engine in exactly the dumped state. Raises ValueError on an unknown format."""
    if state.get("version") != FORMAT_VERSION:
        raise ValueError(f"unknown snapshot format {state.get('version')!r}")
    engine = Engine()
    engine.seq = state["seq"]
    engine.clock = state["clock"]
    engine.trade_seq = state["trade_seq"]
    engine.priority_seq = state["priority_seq"]
    engine.fees.default = _rates(state["fees"]["default"])
    for user, rates in state["fees"]["by_user"]:
        engine.fees.by_user[user] = _rates(rates)
    for entry in state["markets"]:
        market = Market(entry["spec"])
        status = entry.get("status", TRADING)  # snapshots from before admin.py have none
        known = MARKET_STATUSES.get(status) if type(status) is str else None
        if known is None:
            raise ValueError(f"market {market.symbol!r} has status {status!r}")
        market.status = known
        market.version = entry.get("version", 0)
        market.max_open_orders = entry.get("max_open_orders", 0)
        if "price_band_pct" in entry:
            market.price_band_pct = entry["price_band_pct"]
            market.price_band = parse_band(market.price_band_pct)
        market.last_price = entry["last_price"]
        _load_breaker(market, entry, engine)
        engine.markets[market.symbol] = market
        for side, fields_list in (
            (market.book.bids, entry["bids"]),
            (market.book.asks, entry["asks"]),
        ):
            for fields in fields_list:
                order = _load_order(fields, market)
                side.add(order)
                engine.live[order.id] = order
        for fields in entry["stops"]:
            order = _load_order(fields, market)
            if order.status is not PENDING_TRIGGER:
                raise ValueError(f"waiting order {order.id!r} has status {order.status}")
            market.stops.add(order)
            engine.live[order.id] = order
    for order in engine.live.values():
        engine._index(order)
        if order.expire_at is not None:
            engine.expiries.push(order)
    engine.trading_disabled = set(state.get("trading_disabled", ()))
    for user, deadline in state.get("cancel_after", ()):
        engine.switches.arm(user, deadline)
    engine.used_ids = IdSet.unpacked(state.get("used_id_chunks", ()), state["used_ids"])
    # in order of order id, so that forgetting (engine.py) finds the oldest first
    for user, client_id, order_id in sorted(
        state.get("client_ids", ()), key=lambda entry: _id_key(entry[2])
    ):
        if type(client_id) is not str:
            raise ValueError(f"client_order_id {client_id!r} of user {user!r} is not a string")
        engine.client_ids[(user, client_id)] = order_id
    funds = state.get("funds")  # absent: funds off (and every snapshot from before them)
    if funds is not None:
        engine.funds = _load_funds(engine, funds)
    return engine
