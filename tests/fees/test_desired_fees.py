"""What fee rates the matcher is brought to: the lowest tier for everyone, each user's earned
tier, and each override, which wins over a tier."""

from __future__ import annotations

import pytest

from fees.models import FeeOverride, UserTier
from matching.engine.fees import ANY_USER
from matching.service.config_sync import desired_fees

pytestmark = pytest.mark.django_db


def test_users_above_the_lowest_tier_get_their_tiers_rates(tiers, users) -> None:
    alice, bob, *_ = users
    UserTier.objects.create(user=alice, tier=tiers["Gold"], volume_30d=20000)
    UserTier.objects.create(user=bob, tier=tiers["Silver"], volume_30d=2000)

    assert desired_fees() == {
        ANY_USER: ("0.001", "0.002"),
        alice.pk: ("-0.0001", "0.001"),
        bob.pk: ("0.0008", "0.0016"),
    }


def test_an_override_wins_over_the_tier_a_user_earned(tiers, users) -> None:
    alice, *_ = users
    UserTier.objects.create(user=alice, tier=tiers["Gold"], volume_30d=20000)
    FeeOverride.objects.create(user=alice, maker_rate="0", taker_rate="0.0002")

    assert desired_fees()[alice.pk] == ("0", "0.0002")


def test_a_user_whose_row_went_is_left_to_the_default(tiers, users) -> None:
    alice, *_ = users
    UserTier.objects.create(user=alice, tier=tiers["Gold"], volume_30d=20000)
    UserTier.objects.filter(user=alice).delete()

    assert desired_fees() == {ANY_USER: ("0.001", "0.002")}
