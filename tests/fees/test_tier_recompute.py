"""The daily recompute puts each user in the highest tier their 30-day quote volume (as maker
or taker) reaches; users at the lowest tier have no row."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fees.models import FeeTier, UserTier
from fees.selectors import volume_30d
from fees.tiers import tiers_recompute
from tests.fees.trades import a_market, a_trade

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def tier_rows() -> dict:
    return {row.user.username: (row.tier.name, row.volume_30d) for row in UserTier.objects.all()}


def test_each_user_gets_the_highest_tier_their_volume_reaches(tiers, users) -> None:
    alice, bob, carol, dave = users
    market = a_market()
    a_trade(market, alice, bob, price="100", quantity="60", at=NOW - timedelta(days=1))  # 6000
    a_trade(market, carol, alice, price="100", quantity="50", at=NOW - timedelta(days=2))  # 5000
    a_trade(market, dave, carol, price="10", quantity="1", at=NOW - timedelta(days=3))  # 10

    counts = tiers_recompute(now=NOW)

    assert tier_rows() == {
        "alice": ("Gold", Decimal(11000)),  # maker and taker volumes add up
        "bob": ("Silver", Decimal(6000)),
        "carol": ("Silver", Decimal(5010)),
    }  # dave (10) is at the lowest tier: no row
    assert counts == {"created": 3, "updated": 0, "deleted": 0}


def test_a_volume_equal_to_a_tiers_minimum_reaches_it(tiers, users) -> None:
    alice, bob, *_ = users
    a_trade(a_market(), alice, bob, price="2.5", quantity="4000", at=NOW - timedelta(hours=1))

    tiers_recompute(now=NOW)

    assert tier_rows() == {"alice": ("Gold", Decimal(10000)), "bob": ("Gold", Decimal(10000))}


def test_trades_with_oneself_do_not_count(tiers, users) -> None:
    """Wash trading (a user's taker against their own resting order) earns no tier."""
    alice, bob, *_ = users
    market = a_market()
    a_trade(market, alice, alice, price="100", quantity="200", at=NOW - timedelta(hours=2))
    a_trade(market, alice, bob, price="100", quantity="20", at=NOW - timedelta(hours=1))

    tiers_recompute(now=NOW)

    assert tier_rows() == {"alice": ("Silver", Decimal(2000)), "bob": ("Silver", Decimal(2000))}
    assert volume_30d(alice.pk) == Decimal(2000)


def test_trades_older_than_30_days_do_not_count(tiers, users) -> None:
    alice, bob, *_ = users
    market = a_market()
    a_trade(market, alice, bob, price="100", quantity="200", at=NOW - timedelta(days=31))
    a_trade(market, alice, bob, price="100", quantity="20", at=NOW - timedelta(days=29))

    tiers_recompute(now=NOW)

    assert tier_rows() == {"alice": ("Silver", Decimal(2000)), "bob": ("Silver", Decimal(2000))}


def test_a_second_run_over_the_same_trades_changes_nothing(tiers, users) -> None:
    alice, bob, *_ = users
    a_trade(a_market(), alice, bob, price="100.5", quantity="20.25", at=NOW - timedelta(days=1))
    tiers_recompute(now=NOW)

    assert tiers_recompute(now=NOW) == {"created": 0, "updated": 0, "deleted": 0}


def test_with_a_single_tier_nobody_needs_a_row(users) -> None:
    FeeTier.objects.create(name="Only", maker_rate="0.001", taker_rate="0.002")
    alice, bob, *_ = users
    a_trade(a_market(), alice, bob, price="100", quantity="1000", at=NOW - timedelta(days=1))

    assert tiers_recompute(now=NOW) == {"created": 0, "updated": 0, "deleted": 0}
    assert not UserTier.objects.exists()
