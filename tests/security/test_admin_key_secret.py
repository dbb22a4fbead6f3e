"""The admin shows a new API key's secret once, in the answer to the form that made it, and
keeps it nowhere: no cookie (the messages cookie carried it before), no session, no later
page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def trader():
    return get_user_model().objects.create_user("trader")


def test_the_secret_is_in_the_answer_and_in_no_cookie(admin_client, trader) -> None:
    response = admin_client.post(
        "/admin/accounts/apikey/add/", {"user": trader.pk, "name": "bot", "permission": "trade"}
    )

    assert response.status_code == 200
    secret = re.search(r'id="api-secret">(\w+)<', response.content.decode()).group(1)
    assert len(secret) == 64
    assert "no-store" in response["Cache-Control"]  # the admin's never_cache
    set_cookies = [morsel.OutputString() for morsel in response.cookies.values()]
    assert not [cookie for cookie in set_cookies if secret in cookie]
    assert "messages" not in response.cookies
    for session in Session.objects.all():
        assert secret not in str(session.get_decoded())

    later = admin_client.get("/admin/accounts/apikey/").content.decode()
    assert secret not in later


def test_saving_an_existing_key_shows_no_secret_page(admin_client, trader) -> None:
    admin_client.post(
        "/admin/accounts/apikey/add/", {"user": trader.pk, "name": "bot", "permission": "trade"}
    )
    api_key = ApiKey.objects.get()
    response = admin_client.post(
        f"/admin/accounts/apikey/{api_key.pk}/change/", {"name": "renamed", "permission": "read"}
    )
    assert response.status_code == 302
