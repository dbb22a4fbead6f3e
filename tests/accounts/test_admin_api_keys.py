"""API keys in the admin: made with the secret shown once, revoked by an action."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from accounts.models import ApiKey
from tests.api.clients import SignedClient

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def trader():
    return get_user_model().objects.create_user("trader")


def test_a_key_made_in_the_admin_shows_its_secret_once_and_works(admin_client, trader) -> None:
    response = admin_client.post(
        "/admin/accounts/apikey/add/",
        {"user": trader.pk, "name": "bot", "permission": "trade"},
    )

    text = response.content.decode()
    key = re.search(r'id="api-key">(\w+)<', text).group(1)
    secret = re.search(r'id="api-secret">(\w+)<', text).group(1)
    api_key = ApiKey.objects.get()
    assert (api_key.key, api_key.user, api_key.name) == (key, trader, "bot")
    assert secret not in api_key.secret_encrypted
    assert SignedClient(key, secret).get("/api/v1/orders").status_code == 200
    assert (
        secret
        not in admin_client.get(f"/admin/accounts/apikey/{api_key.pk}/change/").content.decode()
    )


def test_the_revoke_action_turns_keys_off(admin_client, trader) -> None:
    client = SignedClient.for_user(trader)
    api_key = ApiKey.objects.get()

    admin_client.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert client.get("/api/v1/orders").status_code == 401
