"""Fixtures of the fee tests: a ladder of three tiers and a few users."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from fees.models import FeeTier

TIERS = [
    ("Base", 0, "0.001", "0.002"),
    ("Silver", 1000, "0.0008", "0.0016"),
    ("Gold", 10000, "-0.0001", "0.001"),
]


@pytest.fixture
def tiers() -> dict[str, FeeTier]:
    return {
        name: FeeTier.objects.create(
            name=name, min_volume_30d=volume, maker_rate=maker, taker_rate=taker
        )
        for name, volume, maker, taker in TIERS
    }


@pytest.fixture
def users() -> tuple:
    make = get_user_model().objects.create_user
    return make("alice"), make("bob"), make("carol"), make("dave")
