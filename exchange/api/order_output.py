"""The order as API.md writes it, built from the matcher's reply or from the database.

Both sources give the same body, so a client sees one shape whether it just placed the
order (`201`) or reads it later (`GET`). Decimals carry the market's tick and lot places.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from exchange.api.formatting import fixed, iso_from_ms, iso_time, places
from exchange.models import Market, Order, Trade
from exchange.models.fields import plain
from matching.engine.domain import MARKET_STYLE_TYPES


def average_price(fills: Iterable[dict], decimals: int) -> str | None:
    """The quantity-weighted price of `fills`, rounded half up to `decimals` places."""
    notional = quantity = Decimal(0)
    for fill in fills:
        notional += Decimal(fill["price"]) * Decimal(fill["quantity"])
        quantity += Decimal(fill["quantity"])
    return fixed(notional / quantity, decimals) if quantity else None


def default_tif(order_type: str) -> str:
    return "IOC" if order_type in MARKET_STYLE_TYPES else "GTC"


def _with_fills(body: dict, fills: list[dict], price_places: int) -> dict:
    # the average of prices on the tick grid needs more places than the tick: 8 more
    body["avg_price"] = average_price(fills, price_places + 8)
    body["fills"] = fills
    return body


def fill_from_event(trade: dict, order_id: int) -> dict:
    maker = trade["maker_order_id"] == order_id
    return {
        "trade_id": trade["trade_id"],
        "price": trade["price"],
        "quantity": trade["quantity"],
        "fee": trade["maker_fee"] if maker else trade["taker_fee"],
        "fee_asset": trade["fee_asset"],
        "liquidity": "maker" if maker else "taker",
        "time": iso_from_ms(trade["ts"]),
    }


def order_from_reply(command: dict, event: dict, trades: list[dict], market: Market) -> dict:
    """The body of an order the matcher has just processed: `event` is its latest order event
    and `trades` the trade events of the reply."""
    order_id = event["order_id"]
    order_type = command.get("type")
    fills = [
        fill_from_event(trade, order_id)
        for trade in trades
        if order_id in (trade["maker_order_id"], trade["taker_order_id"])
    ]
    body = {
        "order_id": order_id,
        "client_order_id": command.get("client_order_id"),
        "symbol": event["symbol"],
        "side": event["side"],
        "type": order_type,
        "status": event["status"],
        "price": event["price"],
        "trigger_price": command.get("trigger_price"),
        "quantity": event["quantity"],
        "quote_quantity": command.get("quote_quantity"),
        "filled_quantity": event["filled_quantity"],
        "remaining_quantity": event["remaining_quantity"],
        "time_in_force": command.get("tif") or default_tif(order_type),
        "post_only": command.get("post_only") is True,
        "display_quantity": command.get("display_quantity"),
        "stp_mode": command.get("stp") or "cancel_resting",
        "expire_at": iso_from_ms(command.get("expire_at")),
        "created_at": iso_from_ms(command["ts"]),
        "updated_at": iso_from_ms(command["ts"]),
    }
    return _with_fills(body, fills, places(market.tick_size))


def fill_from_row(
    trade: Trade, order_id: int, price_places: int, lot_places: int, fee_places: int
) -> dict:
    maker = trade.maker_order_id == order_id
    return {
        "trade_id": trade.id,
        "price": fixed(trade.price, price_places),
        "quantity": fixed(trade.quantity, lot_places),
        "fee": fixed(trade.maker_fee if maker else trade.taker_fee, fee_places),
        "fee_asset": trade.fee_asset,
        "liquidity": "maker" if maker else "taker",
        "time": iso_time(trade.executed_at),
    }


def order_from_row(order: Order, trades: list[Trade]) -> dict:
    """The body of a stored order; `trades` are its fills (any order, any extra trades)."""
    market = order.market
    price_places, lot_places = places(market.tick_size), places(market.lot_size)
    fills = [
        fill_from_row(trade, order.id, price_places, lot_places, market.quote_precision)
        for trade in sorted(trades, key=lambda trade: trade.id)
        if order.id in (trade.maker_order_id, trade.taker_order_id)
    ]
    body = {
        "order_id": order.id,
        "client_order_id": order.client_order_id,
        "symbol": order.market_id,
        "side": order.side,
        "type": order.type,
        "status": order.status,
        "price": fixed(order.price, price_places),
        "trigger_price": fixed(order.trigger_price, price_places),
        "quantity": fixed(order.quantity, lot_places),
        "quote_quantity": plain(order.quote_quantity),
        "filled_quantity": fixed(order.filled_quantity, lot_places),
        "remaining_quantity": fixed(order.quantity - order.filled_quantity, lot_places),
        "time_in_force": order.time_in_force,
        "post_only": order.post_only,
        "display_quantity": fixed(order.display_quantity, lot_places),
        "stp_mode": order.stp_mode,
        "expire_at": iso_time(order.expire_at),
        "created_at": iso_time(order.created_at),
        "updated_at": iso_time(order.updated_at),
    }
    return _with_fills(body, fills, price_places)
