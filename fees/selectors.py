"""A user's fee tier and rates as the matcher applies them (matching/config_sync.py sends
everyone the lowest tier, and each override), with their 30-day quote volume."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone

from exchange.models import Trade
from exchange.models.fields import plain
from fees.models import FeeOverride, FeeTier

DEFAULT_RATES = (Decimal("0.001"), Decimal("0.002"))  # SPEC.md §1, when no tier exists


def volume_30d(user_id: int) -> Decimal:
    """The quote volume of the user's trades (as maker or taker) over the last 30 days."""
    since = timezone.now() - timedelta(days=30)
    notional = ExpressionWrapper(F("price") * F("quantity"), output_field=DecimalField())
    trades = Trade.objects.filter(executed_at__gte=since)
    total = Decimal(0)
    for side in ("maker_user", "taker_user"):
        total += trades.filter(**{side: user_id}).aggregate(v=Sum(notional))["v"] or 0
    return total


def fee_rates_get(user_id: int) -> dict:
    """`{"tier", "maker_rate", "taker_rate", "volume_30d"}` for the user."""
    override = FeeOverride.objects.filter(user_id=user_id).first()
    if override is not None:
        tier, maker, taker = "override", override.maker_rate, override.taker_rate
    else:
        base = FeeTier.objects.order_by("min_volume_30d").first()
        tier = base.name if base else "default"
        maker, taker = (base.maker_rate, base.taker_rate) if base else DEFAULT_RATES
    return {
        "tier": tier,
        "maker_rate": plain(maker),
        "taker_rate": plain(taker),
        "volume_30d": plain(volume_30d(user_id)),
    }
