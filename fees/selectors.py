"""A user's fee tier and rates as the matcher applies them (matching/config_sync.py: an
override, else the tier their volume earned, else the lowest tier), and 30-day volumes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, localcontext

from django.db.models import F
from django.utils import timezone

from exchange.models import Trade
from exchange.models.exact_sql import ExactProduct, ExactSum
from exchange.models.fields import EXACT, plain
from fees.models import FeeOverride, FeeTier

DEFAULT_RATES = (Decimal("0.001"), Decimal("0.002"))  # SPEC.md §1, when no tier exists
WINDOW = timedelta(days=30)
SIDES = ("maker_user", "taker_user")


def _notional() -> ExactSum:
    return ExactSum(ExactProduct("price", "quantity"))


def _counted_trades(since: datetime):
    """The trades since `since` that count toward fee volume: a user trading with themself
    (wash trading) earns no tier."""
    return Trade.objects.filter(executed_at__gte=since).exclude(maker_user=F("taker_user"))


def volume_30d(user_id: int) -> Decimal:
    """The quote volume of the user's trades (as maker or taker, not with themself) over the
    last 30 days."""
    trades = _counted_trades(timezone.now() - WINDOW)
    total = Decimal(0)
    with localcontext(EXACT):
        for side in SIDES:
            total += trades.filter(**{side: user_id}).aggregate(v=_notional())["v"] or 0
    return total


def volumes_30d(*, now: datetime) -> dict[int, Decimal]:
    """Every trading user's quote volume over the 30 days up to `now`: one grouped aggregate
    per side, so the cost does not grow with a query per user."""
    trades = _counted_trades(now - WINDOW).filter(executed_at__lte=now)
    volumes: dict[int, Decimal] = {}
    with localcontext(EXACT):
        for side in SIDES:
            # order_by(): the model's default ordering must not enter the GROUP BY
            rows = trades.order_by().values(side).annotate(v=_notional())
            for row in rows:
                volumes[row[side]] = volumes.get(row[side], Decimal(0)) + (row["v"] or 0)
    return volumes


def fee_rates_get(user_id: int) -> dict:
    """`{"tier", "maker_rate", "taker_rate", "volume_30d"}` for the user."""
    override = FeeOverride.objects.filter(user_id=user_id).first()
    if override is not None:
        tier, maker, taker = "override", override.maker_rate, override.taker_rate
    else:
        chosen = (
            FeeTier.objects.filter(user_tiers__user_id=user_id).first()
            or FeeTier.objects.order_by("min_volume_30d").first()
        )
        tier = chosen.name if chosen else "default"
        maker, taker = (chosen.maker_rate, chosen.taker_rate) if chosen else DEFAULT_RATES
    return {
        "tier": tier,
        "maker_rate": plain(maker),
        "taker_rate": plain(taker),
        "volume_30d": plain(volume_30d(user_id)),
    }
