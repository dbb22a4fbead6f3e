"""Balances and the ledger in the admin: listed, searched and filtered, never edited (only the
matcher changes balances)."""

from __future__ import annotations

import pytest

from accounts.models import Balance
from tests.accounts.funds_rows import an_entry

pytestmark = [pytest.mark.django_db]


def test_ledger_entries_are_found_by_transfer_id(admin_client) -> None:
    an_entry(1, "@external/external", "7/available", "100").__class__.objects.filter(seq=1).update(
        transfer_id="dep-777"
    )
    an_entry(2, "@external/external", "8/available", "5", asset="BTC")

    page = admin_client.get("/admin/accounts/ledgerentry/", {"q": "dep-777"}).content.decode()

    assert "dep-777" in page
    assert "1 result" in page


def test_ledger_entries_filter_by_asset_and_reason(admin_client) -> None:
    an_entry(1, "@external/external", "7/available", "100")
    an_entry(2, "7/available", "7/locked", "5", asset="BTC")

    page = admin_client.get(
        "/admin/accounts/ledgerentry/", {"asset": "BTC", "reason": "hold"}
    ).content.decode()

    assert "1 ledger entry" in page


def test_balances_are_found_by_account(admin_client) -> None:
    for account in ("7", "8"):
        Balance.objects.create(account=account, asset="USDT", available=1, locked=0, last_seq=1)

    page = admin_client.get("/admin/accounts/balance/", {"q": "8"}).content.decode()

    assert "1 result" in page


@pytest.mark.parametrize("model", ["balance", "ledgerentry"])
def test_nothing_can_be_added_changed_or_deleted(admin_client, model) -> None:
    Balance.objects.create(account="7", asset="USDT", available=1, locked=0, last_seq=1)
    row = an_entry(1, "@external/external", "7/available", "1")
    pk = Balance.objects.get().pk if model == "balance" else row.pk

    assert admin_client.get(f"/admin/accounts/{model}/add/").status_code == 403
    assert admin_client.get(f"/admin/accounts/{model}/{pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/accounts/{model}/{pk}/change/").content.decode()
    assert 'name="_save"' not in page
