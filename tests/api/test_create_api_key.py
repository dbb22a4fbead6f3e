"""`manage.py create_api_key USER`: prints a working key and secret once, keeps the secret
encrypted, and makes the user if missing."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import ApiKey
from tests.api.clients import SignedClient

pytestmark = pytest.mark.django_db


def create_api_key(*args: str) -> dict:
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_a_key_and_secret_that_sign_requests(market) -> None:
    printed = create_api_key("carol")

    client = SignedClient(printed["key"], printed["secret"])
    assert set(printed) == {"key", "secret"}
    assert client.get("/api/v1/orders").status_code == 200


def test_it_creates_the_user_if_missing_with_no_usable_password() -> None:
    create_api_key("dave")

    user = get_user_model().objects.get(username="dave")
    assert not user.has_usable_password()


def test_the_secret_is_not_stored_in_clear() -> None:
    printed = create_api_key("erin")

    row = ApiKey.objects.get(key=printed["key"])
    assert printed["secret"] not in row.secret_encrypted
    assert printed["secret"] not in json.dumps(list(ApiKey.objects.values()), default=str)


def test_a_read_only_key_can_be_made() -> None:
    printed = create_api_key("frank", "--read-only")

    assert ApiKey.objects.get(key=printed["key"]).permission == "read"


def test_each_run_makes_a_new_key_for_the_same_user() -> None:
    first, second = create_api_key("gina"), create_api_key("gina")

    assert first["key"] != second["key"]
    assert ApiKey.objects.filter(user__username="gina").count() == 2
