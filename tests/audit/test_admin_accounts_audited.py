"""Accounts changed in the admin are in the audit trail: transfers asked for, API keys made
and revoked, users changed (and their passwords, without the password): one entry each,
naming the admin, with the row before and after, and never a secret."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from accounts.api_keys import api_key_create
from accounts.models import ApiKey, Transfer
from audit.models import AuditEntry
from exchange.models import Market
from tests.audit.conftest import only_entry

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def trader():
    return get_user_model().objects.create_user("trader", password="an old secret 1")


@pytest.mark.parametrize("kind", ["credit", "debit"])
def test_a_transfer_asked_for_is_recorded_by_its_kind(
    admin_client, admin_user, trader, kind, settings
):
    Market.objects.create(base="BTC", quote="USDT", tick_size="0.01", lot_size="0.001")
    settings.EXCHANGE_ADMIN_TRANSFER_WAIT_MS = 0  # no matcher runs
    response = admin_client.post(
        "/admin/accounts/transfer/add/",
        {"user": trader.pk, "kind": kind, "asset": "USDT", "amount": "100.5",
         "transfer_id": "t-1"},
    )  # fmt: skip

    assert response.status_code == 302
    entry = only_entry()
    transfer = Transfer.objects.get()
    assert (entry.action, entry.actor_id, entry.object_id) == (
        f"transfer.{kind}",
        admin_user.pk,
        str(transfer.pk),
    )
    assert entry.before is None
    assert (entry.after["user_id"], entry.after["asset"], entry.after["transfer_id"]) == (
        trader.pk, "USDT", "t-1")  # fmt: skip
    assert entry.after["amount"] == str(transfer.amount)


def test_a_key_made_in_the_admin_is_recorded_without_its_secret(admin_client, trader) -> None:
    response = admin_client.post(
        "/admin/accounts/apikey/add/", {"user": trader.pk, "name": "bot", "permission": "trade"}
    )

    secret = re.search(r'id="api-secret">(\w+)<', response.content.decode()).group(1)
    entry = only_entry()
    api_key = ApiKey.objects.get()
    assert (entry.action, entry.object_id) == ("api_key.create", str(api_key.pk))
    assert (entry.after["key"], entry.after["user_id"]) == (api_key.key, trader.pk)
    stored = json.dumps([entry.before, entry.after, entry.object_repr])
    assert "secret_encrypted" not in entry.after
    assert secret not in stored and api_key.secret_encrypted not in stored


def test_revoking_keys_records_one_entry_per_key_it_revoked(admin_client, trader) -> None:
    first, _ = api_key_create(user=trader)
    second, _ = api_key_create(user=trader)
    admin_client.post("/admin/accounts/apikey/",
                      {"action": "revoke", "_selected_action": [first.pk]})  # fmt: skip

    admin_client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [first.pk, second.pk]}
    )

    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.object_id) for e in entries] == [
        ("api_key.revoke", str(first.pk)), ("api_key.revoke", str(second.pk))]  # fmt: skip
    assert entries[0].before["revoked_at"] is None
    assert entries[0].after["revoked_at"] is not None


def user_form(user, **changes) -> dict:
    data = {"username": user.username, "first_name": "", "last_name": "", "email": "",
            "is_active": "on", "is_staff": "", "is_superuser": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "last_login_0": "", "last_login_1": ""}  # fmt: skip
    return {key: value for key, value in {**data, **changes}.items() if value != ""}


def test_deactivating_a_user_records_it_without_the_password(admin_client, trader) -> None:
    response = admin_client.post(f"/admin/accounts/user/{trader.pk}/change/",
                                 user_form(trader, is_active=""))  # fmt: skip

    assert response.status_code == 302
    entry = only_entry()
    assert (entry.action, entry.object_id) == ("user.change", str(trader.pk))
    assert (entry.before["is_active"], entry.after["is_active"]) == (True, False)
    assert "password" not in entry.before and "password" not in entry.after


def test_a_password_change_is_recorded_without_the_password(admin_client, trader) -> None:
    response = admin_client.post(
        f"/admin/accounts/user/{trader.pk}/password/",
        {"password1": "A new secret 42!", "password2": "A new secret 42!",
         "usable_password": "true"},
    )  # fmt: skip

    assert response.status_code == 302
    entry = only_entry()
    assert (entry.action, entry.object_id, entry.after) == (
        "user.password_change", str(trader.pk), {"password": "changed"})  # fmt: skip
    assert "A new secret" not in json.dumps([entry.before, entry.after])
