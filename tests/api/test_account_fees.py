"""GET /api/v1/account/fees: the tier and rates the matcher applies, and 30-day volume."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from exchange.models import Order, Trade
from fees.models import FeeOverride, FeeTier

pytestmark = pytest.mark.django_db


def test_without_tiers_the_spec_defaults_apply(maker_client) -> None:
    body = maker_client.get("/api/v1/account/fees").json()

    assert body == {"tier": "default", "maker_rate": "0.001", "taker_rate": "0.002",
                    "volume_30d": "0"}  # fmt: skip


def test_the_lowest_tier_is_everyones_until_volumes_move_them(maker_client) -> None:
    FeeTier.objects.create(name="Base", min_volume_30d=0, maker_rate="0.001", taker_rate="0.002")
    FeeTier.objects.create(name="VIP", min_volume_30d=10, maker_rate="-0.0001", taker_rate="0.001")

    body = maker_client.get("/api/v1/account/fees").json()

    assert (body["tier"], body["maker_rate"], body["taker_rate"]) == ("Base", "0.001", "0.002")


def test_an_override_is_reported_as_such(maker_client) -> None:
    FeeOverride.objects.create(user=maker_client.user, maker_rate="0", taker_rate="0.0005")

    body = maker_client.get("/api/v1/account/fees").json()

    assert (body["tier"], body["maker_rate"], body["taker_rate"]) == ("override", "0", "0.0005")


def test_volume_counts_both_sides_of_the_last_30_days(maker_client, traders, market) -> None:
    maker, taker = traders
    now = timezone.now()
    for trade_id, days_ago in ((1, 1), (2, 40)):
        at = now - timezone.timedelta(days=days_ago)
        orders = [
            Order.objects.create(
                id=trade_id * 10 + n,
                user=user,
                market=market,
                side=side,
                type="limit",
                time_in_force="GTC",
                stp_mode="none",
                price=Decimal(100),
                quantity=Decimal(2),
                status="filled",
                filled_quantity=Decimal(2),
                created_at=at,
                updated_at=at,
                last_seq=1,
            )  # fmt: skip
            for n, (user, side) in enumerate(((maker, "sell"), (taker, "buy")))
        ]
        Trade.objects.create(id=trade_id, seq=trade_id, market=market, price=100, quantity=2,
                             taker_side="buy", maker_order=orders[0], taker_order=orders[1],
                             maker_user=maker, taker_user=taker, maker_fee=0, taker_fee=0,
                             fee_asset="USDT", executed_at=at)  # fmt: skip

    body = maker_client.get("/api/v1/account/fees").json()

    assert body["volume_30d"] == "200"
