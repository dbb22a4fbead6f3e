"""Users whose 30-day volume fell move down: to a lower tier, or back to the lowest, where
their row goes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fees.models import UserTier
from fees.tiers import tiers_recompute
from tests.fees.trades import a_market, a_trade

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def test_a_user_whose_big_trade_ages_out_moves_to_a_lower_tier(tiers, users) -> None:
    alice, bob, *_ = users
    market = a_market()
    a_trade(market, alice, bob, price="100", quantity="100", at=NOW - timedelta(days=20))
    a_trade(market, alice, bob, price="100", quantity="15", at=NOW - timedelta(days=5))
    tiers_recompute(now=NOW)
    assert UserTier.objects.get(user=alice).tier == tiers["Gold"]

    counts = tiers_recompute(now=NOW + timedelta(days=15))

    row = UserTier.objects.get(user=alice)
    assert (row.tier, row.volume_30d) == (tiers["Silver"], Decimal(1500))
    assert counts == {"created": 0, "updated": 2, "deleted": 0}


def test_a_user_back_at_the_lowest_tier_loses_their_row(tiers, users) -> None:
    alice, bob, carol, _ = users
    market = a_market()
    a_trade(market, alice, bob, price="100", quantity="100", at=NOW - timedelta(days=20))
    a_trade(market, carol, bob, price="100", quantity="100", at=NOW - timedelta(days=1))
    tiers_recompute(now=NOW)

    counts = tiers_recompute(now=NOW + timedelta(days=15))

    assert set(UserTier.objects.values_list("user__username", flat=True)) == {"bob", "carol"}
    assert counts == {"created": 0, "updated": 1, "deleted": 1}


def test_a_raised_tier_minimum_moves_its_users_down_at_the_next_run(tiers, users) -> None:
    alice, bob, *_ = users
    a_trade(a_market(), alice, bob, price="100", quantity="20", at=NOW - timedelta(days=1))
    tiers_recompute(now=NOW)
    tiers["Silver"].min_volume_30d = 5000
    tiers["Silver"].save()

    tiers_recompute(now=NOW)

    assert not UserTier.objects.exists()
