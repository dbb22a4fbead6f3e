"""The tiers users' volumes earned are listed in the admin, read-only: the daily recompute
owns them."""

from __future__ import annotations

import pytest

from fees.models import UserTier

pytestmark = [pytest.mark.django_db]


def test_the_list_shows_each_user_with_their_tier(admin_client, tiers, users) -> None:
    UserTier.objects.create(user=users[0], tier=tiers["Gold"], volume_30d=20000)

    page = admin_client.get("/admin/fees/usertier/").content.decode()

    assert "alice" in page
    assert "Gold" in page


def test_rows_cannot_be_added_changed_or_deleted(admin_client, tiers, users) -> None:
    row = UserTier.objects.create(user=users[0], tier=tiers["Gold"], volume_30d=20000)

    assert admin_client.get("/admin/fees/usertier/add/").status_code == 403
    assert admin_client.get(f"/admin/fees/usertier/{row.pk}/delete/").status_code == 403
    admin_client.post(
        f"/admin/fees/usertier/{row.pk}/change/",
        {"user": users[1].pk, "tier": tiers["Silver"].pk, "volume_30d": "1"},
    )
    row.refresh_from_db()
    assert (row.user, row.tier) == (users[0], tiers["Gold"])
