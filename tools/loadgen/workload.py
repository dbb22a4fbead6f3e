"""What orders the clients send: GTC limits of random side around a mid price.

A buy is priced `mid - k·tick` and a sell `mid + k·tick`, with k drawn from -10..+20: a third
of the orders (k < 0) reach past the mid and trade with the other side, the rest rest in the
book. Quantities are 1 to 10 lots, raised to the market's `min_qty` and to `min_notional` at
their price. The price and quantity strings are made once, at start, so an order costs a
couple of random draws and a small dict.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

K_LOW, K_HIGH = -10, 20
MAX_LOTS = 10
RUN_ID_LENGTH = 6


def new_run_id() -> str:
    """A short random id that makes this run's client order ids its own."""
    return secrets.token_hex(RUN_ID_LENGTH // 2)


def client_order_prefix(run_id: str) -> str:
    """What every client order id of the run starts with."""
    return f"lg{run_id}-"


def plain(value: Decimal) -> str:
    """A decimal without an exponent (`"50000.01"`, never `"5.000001E+4"`)."""
    return format(value, "f")


@dataclass(frozen=True)
class Market:
    """A market's trading rules, as GET /api/v1/symbols gives them."""

    symbol: str
    tick_size: Decimal
    lot_size: Decimal
    min_qty: Decimal
    min_notional: Decimal

    @classmethod
    def from_api(cls, row: dict) -> Market:
        lot = Decimal(row["lot_size"])
        return cls(
            symbol=row["symbol"],
            tick_size=Decimal(row["tick_size"]),
            lot_size=lot,
            min_qty=Decimal(row.get("min_qty") or lot),
            min_notional=Decimal(row.get("min_notional") or 0),
        )

    def snap_price(self, price: Decimal) -> Decimal:
        """`price` rounded to a whole number of ticks (at least one tick)."""
        ticks = (price / self.tick_size).quantize(Decimal(1), ROUND_HALF_UP)
        return max(ticks, Decimal(1)) * self.tick_size


class Workload:
    """Makes the order bodies of one run."""

    def __init__(self, market: Market, mid: Decimal, prefix: str) -> None:
        self.symbol = market.symbol
        self.prefix = prefix
        self.mid = market.snap_price(mid)
        mid = self.mid
        # per side, the (price, quantities allowed at that price) choices
        self.choices: dict[str, list[tuple[str, list[str]]]] = {"buy": [], "sell": []}
        for k in range(K_LOW, K_HIGH + 1):
            for side, price in (
                ("buy", mid - k * market.tick_size),
                ("sell", mid + k * market.tick_size),
            ):
                if price <= 0:
                    continue
                lots = self._least_lots(market, price)
                quantities = [plain(market.lot_size * m) for m in range(lots, lots + MAX_LOTS)]
                self.choices[side].append((plain(price), quantities))
        if not self.choices["buy"] or not self.choices["sell"]:
            raise ValueError(f"no valid price around mid {mid} (tick {market.tick_size})")

    @staticmethod
    def _least_lots(market: Market, price: Decimal) -> int:
        by_qty = math.ceil(market.min_qty / market.lot_size)
        by_notional = math.ceil(market.min_notional / (price * market.lot_size))
        return max(1, by_qty, by_notional)

    def client_order_id(self, client: int, n: int) -> str:
        """`lg<runid>-<client>-<n>`: unique in the run, at most 36 characters in practice."""
        return f"{self.prefix}{client}-{n}"

    def order(self, rng: random.Random, client: int, n: int) -> dict:
        """The body of client `client`'s `n`th order (POST /api/v1/orders, `order.place`),
        drawn with the client's own `rng` (one per client: reproducible with `--seed`)."""
        side = "buy" if rng.random() < 0.5 else "sell"
        price, quantities = rng.choice(self.choices[side])
        return {
            "symbol": self.symbol,
            "side": side,
            "type": "limit",
            "time_in_force": "GTC",
            "price": price,
            "quantity": rng.choice(quantities),
            "client_order_id": self.client_order_id(client, n),
        }
