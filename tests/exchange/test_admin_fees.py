"""Fee tiers and overrides through the Django admin: no combination of rates may pay out
more than the exchange takes on a trade."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from fees.models import FeeOverride, FeeTier

pytestmark = [pytest.mark.django_db]


def add_tier(browser: Client, **fields: str):
    data = {"name": "vip", "min_volume_30d": "1000000", "maker_rate": "0", "taker_rate": "0.001"}
    return browser.post("/admin/fees/feetier/add/", {**data, **fields})


def test_a_valid_tier_is_saved(admin_client) -> None:
    response = add_tier(admin_client, maker_rate="-0.0001", taker_rate="0.0005")

    assert response.status_code == 302
    assert FeeTier.objects.get().name == "vip"


def test_a_tier_whose_rebate_exceeds_its_own_taker_rate_is_refused(admin_client) -> None:
    response = add_tier(admin_client, maker_rate="-0.002", taker_rate="0.001")

    assert response.status_code == 200
    assert "some maker rate plus some taker rate is negative" in response.content.decode()
    assert not FeeTier.objects.exists()


def test_a_rebate_is_refused_against_the_lowest_taker_rate_of_another_tier(admin_client) -> None:
    FeeTier.objects.create(name="base", maker_rate="0.001", taker_rate="0.0005")

    response = add_tier(admin_client, maker_rate="-0.001", taker_rate="0.002")

    assert "some maker rate plus some taker rate is negative" in response.content.decode()
    assert FeeTier.objects.count() == 1


def test_an_override_with_a_negative_combination_is_refused(admin_client) -> None:
    FeeTier.objects.create(name="base", maker_rate="0.001", taker_rate="0.002")
    user = get_user_model().objects.create_user("whale")

    response = admin_client.post(
        "/admin/fees/feeoverride/add/",
        {"user": user.pk, "maker_rate": "-0.003", "taker_rate": "0.002", "note": ""},
    )

    assert "some maker rate plus some taker rate is negative" in response.content.decode()
    assert not FeeOverride.objects.exists()


def test_editing_a_tier_judges_its_new_rates_not_its_old_ones(admin_client) -> None:
    tier = FeeTier.objects.create(name="base", maker_rate="-0.001", taker_rate="0.002")

    response = admin_client.post(
        f"/admin/fees/feetier/{tier.pk}/change/",
        {"name": "base", "min_volume_30d": "0", "maker_rate": "0.001", "taker_rate": "0.0001"},
    )

    assert response.status_code == 302
    tier.refresh_from_db()
    assert str(tier.taker_rate.normalize()) == "0.0001"


def test_a_rate_above_one_is_refused(admin_client) -> None:
    response = add_tier(admin_client, maker_rate="0", taker_rate="1.5")

    assert response.status_code == 200
    assert not FeeTier.objects.exists()
