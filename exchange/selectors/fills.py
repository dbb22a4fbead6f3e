"""A user's own fills: each trade they were part of, seen from their side."""

from __future__ import annotations

from django.db.models import Q

from exchange.api.formatting import fixed, iso_time, places
from exchange.models import Trade
from exchange.selectors.orders import keyset_page


def _fill(trade: Trade, liquidity: str) -> dict:
    market = trade.market
    maker = liquidity == "maker"
    side = trade.taker_side if not maker else ("sell" if trade.taker_side == "buy" else "buy")
    return {
        "trade_id": trade.id,
        "order_id": trade.maker_order_id if maker else trade.taker_order_id,
        "symbol": trade.market_id,
        "side": side,
        "price": fixed(trade.price, places(market.tick_size)),
        "quantity": fixed(trade.quantity, places(market.lot_size)),
        "fee": fixed(trade.maker_fee if maker else trade.taker_fee, market.quote_precision),
        "fee_asset": trade.fee_asset,
        "liquidity": liquidity,
        "time": iso_time(trade.executed_at),
    }


def fills_list(*, user_id: int, symbol: str | None, limit: int, cursor: str | None) -> dict:
    """A page of the user's fills, newest first (a trade with themselves gives two)."""
    trades = Trade.objects.select_related("market").filter(
        Q(maker_user_id=user_id) | Q(taker_user_id=user_id)
    )
    if symbol is not None:
        trades = trades.filter(market_id=symbol)
    page, next_cursor = keyset_page(trades, "executed_at", limit=limit, cursor=cursor)
    fills = []
    for trade in page:
        if trade.taker_user_id == user_id:
            fills.append(_fill(trade, "taker"))
        if trade.maker_user_id == user_id:
            fills.append(_fill(trade, "maker"))
    return {
        "results": fills,
        "next": next_cursor,
    }
