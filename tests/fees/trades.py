"""Hand-made trades (with their two orders) for tests of volumes and tiers."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from exchange.models import Market, Order, Trade

_ids = itertools.count(1)


def a_market() -> Market:
    return Market.objects.create(base="BTC", quote="USDT", tick_size="0.01", lot_size="0.001")


def a_trade(market: Market, maker, taker, *, price: str, quantity: str, at: datetime) -> Trade:
    """A trade of `quantity` at `price` between `maker` (selling) and `taker` (buying)."""
    trade_id = next(_ids)
    orders = [
        Order.objects.create(
            id=trade_id * 10 + n,
            user=user,
            market=market,
            side=side,
            type="limit",
            time_in_force="GTC",
            stp_mode="none",
            price=Decimal(price),
            quantity=Decimal(quantity),
            status="filled",
            filled_quantity=Decimal(quantity),
            created_at=at,
            updated_at=at,
            last_seq=trade_id,
        )
        for n, (user, side) in enumerate(((maker, "sell"), (taker, "buy")))
    ]
    return Trade.objects.create(
        id=trade_id,
        seq=trade_id,
        market=market,
        price=Decimal(price),
        quantity=Decimal(quantity),
        taker_side="buy",
        maker_order=orders[0],
        taker_order=orders[1],
        maker_user=maker,
        taker_user=taker,
        maker_fee=0,
        taker_fee=0,
        fee_asset="USDT",
        executed_at=at,
    )
