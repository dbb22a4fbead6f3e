"""The rates a user is told they pay (GET /api/v1/account/fees) are the ones the matcher
applies: an override, else the tier their volume earned, else the lowest tier."""

from __future__ import annotations

import pytest

from fees.models import FeeOverride, UserTier
from fees.selectors import fee_rates_get

pytestmark = pytest.mark.django_db


def test_a_user_with_an_earned_tier_is_told_its_name_and_rates(tiers, users) -> None:
    alice, *_ = users
    UserTier.objects.create(user=alice, tier=tiers["Gold"], volume_30d=20000)

    report = fee_rates_get(alice.pk)

    assert (report["tier"], report["maker_rate"], report["taker_rate"]) == (
        "Gold",
        "-0.0001",
        "0.001",
    )


def test_an_override_is_reported_over_an_earned_tier(tiers, users) -> None:
    alice, *_ = users
    UserTier.objects.create(user=alice, tier=tiers["Gold"], volume_30d=20000)
    FeeOverride.objects.create(user=alice, maker_rate="0", taker_rate="0.0002")

    assert fee_rates_get(alice.pk)["tier"] == "override"


def test_a_user_without_a_row_is_at_the_lowest_tier(tiers, users) -> None:
    assert fee_rates_get(users[0].pk)["tier"] == "Base"


def test_without_any_tier_the_default_is_reported(users) -> None:
    assert fee_rates_get(users[0].pk) == {
        "tier": "default",
        "maker_rate": "0.001",
        "taker_rate": "0.002",
        "volume_30d": "0",
    }
