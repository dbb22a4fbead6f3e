"""A tier change reaches the engine through the matcher's fee sync: the commands it derives
from the database bring the engine to the new rates, and a user who dropped back to the
lowest tier is reset to the default."""

from __future__ import annotations

import pytest

from fees.models import UserTier
from matching.engine import Engine
from matching.service.config_sync import desired_fees, fee_commands

pytestmark = pytest.mark.django_db


def synced(engine: Engine) -> list[dict]:
    commands = fee_commands(engine, desired_fees())
    for command in commands:
        engine.process({**command, "ts": 1})
    return commands


def test_a_promotion_and_a_return_to_the_lowest_tier_reach_the_engine(tiers, users) -> None:
    alice, *_ = users
    engine = Engine()
    synced(engine)
    row = UserTier.objects.create(user=alice, tier=tiers["Gold"], volume_30d=20000)

    assert synced(engine) == [
        {"op": "fees", "user": alice.pk, "maker": "-0.0001", "taker": "0.001"}
    ]
    assert engine.fee_config()[alice.pk] == ("-0.0001", "0.001")

    row.delete()

    assert synced(engine) == [{"op": "fees", "user": alice.pk, "reset": True}]
    assert alice.pk not in engine.fee_config()
    assert synced(engine) == []
