"""Keeping the matcher's configuration in step with the database's.

The database says what markets and fee rates should be (admins edit them); the engine
holds what is in force. The matcher compares the two at start and every second after, and
sends itself a journaled command for each difference, so the change is in the journal like
any other. A market carries a version that every accepted change raises; the engine keeps
the version it applied, so a change is applied once and an older one never undoes a newer.
"""

from __future__ import annotations

from decimal import Decimal

from exchange.models import Market, TradingStop
from exchange.models.fields import plain
from fees.models import FeeOverride, FeeTier, UserTier
from matching.engine import Engine
from matching.engine.breaker import FIELDS as BREAKER_FIELDS
from matching.engine.fees import ANY_USER

DEFAULT_RATES = ("0.001", "0.002")  # SPEC.md §1's defaults, when no tier is configured


def desired_markets(shard: str) -> dict[str, dict]:
    """The markets of `shard` as the engine's `symbol` command states them, with status and
    version."""
    return {market.symbol: market.engine_spec() for market in Market.objects.filter(shard=shard)}


def desired_trading_stops() -> set[int]:
    """The users an admin has stopped trading (exchange.models.TradingStop)."""
    return set(TradingStop.objects.values_list("user_id", flat=True))


def trading_commands(engine: Engine, stops: set[int]) -> list[dict]:
    """The `trading` commands that make the engine's stopped users `stops`, in user order."""
    return [
        {"op": "trading", "user": user, "enabled": user not in stops}
        for user in sorted(stops ^ engine.trading_disabled, key=str)
    ]


def desired_fees() -> dict[object, tuple[str, str]]:
    """Rates by user id, `*` for everyone else: the lowest tier for everyone, the tier each
    user's volume earned (fees/tiers.py), and each override, which wins over a tier."""
    base = FeeTier.objects.order_by("min_volume_30d").first()
    rates: dict[object, tuple[str, str]] = {
        ANY_USER: (plain(base.maker_rate), plain(base.taker_rate)) if base else DEFAULT_RATES
    }
    earned = UserTier.objects.order_by().values_list(
        "user_id", "tier__maker_rate", "tier__taker_rate"
    )
    for user_id, maker, taker in earned:
        rates[user_id] = (plain(maker), plain(taker))
    for override in FeeOverride.objects.all():
        rates[override.user_id] = (plain(override.maker_rate), plain(override.taker_rate))
    return rates


def _same_rates(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return Decimal(a[0]) == Decimal(b[0]) and Decimal(a[1]) == Decimal(b[1])


def market_commands(
    engine: Engine, markets: dict[str, dict], refused: set[tuple[str, int]]
) -> list[dict]:
    """Commands that bring the engine's markets to `markets`. A version the engine refused
    before (in `refused`) is not sent again."""
    commands = []
    for symbol, spec in markets.items():
        if (symbol, spec["version"]) in refused:
            continue
        current = engine.market_config(symbol)
        if current is None:
            commands.append({"op": "symbol", **spec})
        elif current.get("version", 0) < spec["version"]:
            commands.append(market_change(spec))
    return commands


def market_change(spec: dict) -> dict:
    """The `market` command that sets a defined market to `spec`."""
    return {
        "op": "market",
        "symbol": spec["symbol"],
        "status": spec["status"],
        "tick_size": spec["tick_size"],
        "lot_size": spec["lot_size"],
        "min_qty": spec["min_qty"],
        "min_notional": spec["min_notional"],
        "max_open_orders": spec["max_open_orders"],
        "price_band_pct": spec["price_band_pct"],
        **{field: spec[field] for field in BREAKER_FIELDS},
        "version": spec["version"],
    }


def fee_commands(engine: Engine, fees: dict[object, tuple[str, str]]) -> list[dict]:
    """Commands that bring the engine's fee rates to `fees`; a user whose override was
    removed goes back to the default."""
    current = engine.fee_config()
    commands = []
    for user, rates in fees.items():
        if user not in current or not _same_rates(current[user], rates):
            commands.append({"op": "fees", "user": user, "maker": rates[0], "taker": rates[1]})
    for user in current:
        if user not in fees and user != ANY_USER:
            commands.append({"op": "fees", "user": user, "reset": True})
    return commands
