"""Fee tiers and overrides changed in the admin are in the audit trail: one entry per add,
change and delete, with the rows before and after."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from audit.models import AuditEntry
from fees.models import FeeOverride, FeeTier
from tests.audit.conftest import only_entry

pytestmark = [pytest.mark.django_db]

TIER = {"name": "vip", "min_volume_30d": "1000000", "maker_rate": "0", "taker_rate": "0.001"}


def test_adding_a_tier_records_it(admin_client, admin_user) -> None:
    admin_client.post("/admin/fees/feetier/add/", TIER)

    entry = only_entry()
    tier = FeeTier.objects.get()
    assert (entry.action, entry.actor_id, entry.object_id) == ("fee_tier.add", admin_user.pk,
                                                               str(tier.pk))  # fmt: skip
    assert entry.before is None
    assert (entry.after["name"], entry.after["taker_rate"]) == ("vip", str(tier.taker_rate))


def test_changing_a_tier_records_its_rates_before_and_after(admin_client) -> None:
    tier = FeeTier.objects.create(name="base", maker_rate="0.001", taker_rate="0.002")

    response = admin_client.post(f"/admin/fees/feetier/{tier.pk}/change/",
                                 {**TIER, "name": "base", "taker_rate": "0.003"})  # fmt: skip

    assert response.status_code == 302
    entry = only_entry()
    assert entry.action == "fee_tier.change"
    assert entry.before["taker_rate"].rstrip("0") == "0.002"
    assert entry.after["taker_rate"].rstrip("0") == "0.003"


def test_deleting_a_tier_records_what_it_was(admin_client) -> None:
    tier = FeeTier.objects.create(name="base", maker_rate="0.001", taker_rate="0.002")

    admin_client.post(f"/admin/fees/feetier/{tier.pk}/delete/", {"post": "yes"})

    assert not FeeTier.objects.exists()
    entry = only_entry()
    assert (entry.action, entry.before["name"], entry.after) == ("fee_tier.delete", "base", None)


def test_deleting_tiers_with_the_bulk_action_records_one_entry_each(admin_client) -> None:
    tiers = [FeeTier.objects.create(name=name, min_volume_30d=volume, maker_rate="0",
                                    taker_rate="0.001")
             for name, volume in (("a", 0), ("b", 1000))]  # fmt: skip

    admin_client.post("/admin/fees/feetier/", {"action": "delete_selected", "post": "yes",
                      "_selected_action": [tier.pk for tier in tiers]})  # fmt: skip

    assert not FeeTier.objects.exists()
    entries = AuditEntry.objects.order_by("id")
    assert [(e.action, e.before["name"]) for e in entries] == [
        ("fee_tier.delete", "a"), ("fee_tier.delete", "b")]  # fmt: skip


def test_adding_and_deleting_an_override_records_both(admin_client) -> None:
    whale = get_user_model().objects.create_user("whale")
    admin_client.post(
        "/admin/fees/feeoverride/add/",
        {"user": whale.pk, "maker_rate": "0", "taker_rate": "0.0005", "note": "vip"},
    )
    override = FeeOverride.objects.get()
    admin_client.post(f"/admin/fees/feeoverride/{override.pk}/delete/", {"post": "yes"})

    added, deleted = AuditEntry.objects.order_by("id")
    assert (added.action, added.after["user_id"], added.after["note"]) == (
        "fee_override.add", whale.pk, "vip")  # fmt: skip
    assert (deleted.action, deleted.before["note"], deleted.after) == (
        "fee_override.delete", "vip", None)  # fmt: skip


def test_a_refused_tier_records_nothing(admin_client) -> None:
    admin_client.post("/admin/fees/feetier/add/", {**TIER, "maker_rate": "-0.002"})

    assert not AuditEntry.objects.exists()
