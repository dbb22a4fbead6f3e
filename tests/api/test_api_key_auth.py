"""Signed API-key requests (API.md "Authentication"): each failure has its own 401 code."""

from __future__ import annotations

import time

import pytest

from accounts.api_keys import api_key_revoke
from accounts.models import ApiKey
from tests.api.clients import SignedClient, signed_headers

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders"


def error_of(response) -> dict:
    return response.json()["error"]


def test_a_signed_request_is_served_as_its_user(maker_client) -> None:
    response = maker_client.get(ORDERS)

    assert response.status_code == 200
    assert response.json() == {"results": [], "next": None}


def test_a_request_without_credentials_is_refused_missing_credentials(client) -> None:
    response = client.get(ORDERS)

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "missing_credentials",
        "message": "Credentials are required.",
        "field": None,
    }


def test_a_key_without_its_signature_headers_is_missing_credentials(client, maker_client) -> None:
    response = client.get(ORDERS, headers={"X-API-KEY": maker_client.key})

    assert (response.status_code, error_of(response)["code"]) == (401, "missing_credentials")


def test_an_unknown_key_is_invalid_api_key(client) -> None:
    headers = signed_headers("0" * 32, "secret", "GET", ORDERS)

    response = client.get(ORDERS, headers=headers)

    assert (response.status_code, error_of(response)["code"]) == (401, "invalid_api_key")


def test_a_revoked_key_is_invalid_api_key(maker_client) -> None:
    api_key_revoke(api_key=ApiKey.objects.get(key=maker_client.key))

    response = maker_client.get(ORDERS)

    assert (response.status_code, error_of(response)["code"]) == (401, "invalid_api_key")


def test_a_signature_made_with_another_secret_is_invalid_signature(client, maker_client) -> None:
    headers = signed_headers(maker_client.key, "not the secret", "GET", ORDERS)

    response = client.get(ORDERS, headers=headers)

    assert (response.status_code, error_of(response)["code"]) == (401, "invalid_signature")


def test_a_signature_over_another_body_is_invalid_signature(client, maker_client) -> None:
    headers = signed_headers(maker_client.key, maker_client.secret, "POST", ORDERS, b"{}")

    response = client.post(
        ORDERS, b'{"symbol": "BTC-USDT"}', content_type="application/json", headers=headers
    )

    assert (response.status_code, error_of(response)["code"]) == (401, "invalid_signature")


def test_the_query_string_is_part_of_what_is_signed(client, maker_client) -> None:
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS)

    response = client.get(ORDERS + "?status=open", headers=headers)

    assert (response.status_code, error_of(response)["code"]) == (401, "invalid_signature")


@pytest.mark.parametrize("skew_ms", [-6000, 6000])
def test_a_timestamp_over_five_seconds_away_is_out_of_window(client, maker_client, skew_ms) -> None:
    stamp = time.time_ns() // 1_000_000 + skew_ms
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS, timestamp=stamp)

    response = client.get(ORDERS, headers=headers)

    assert (response.status_code, error_of(response)["code"]) == (401, "timestamp_out_of_window")


def test_a_timestamp_within_the_window_is_accepted(client, maker_client) -> None:
    stamp = time.time_ns() // 1_000_000 - 3000
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS, timestamp=stamp)

    assert client.get(ORDERS, headers=headers).status_code == 200


def test_a_timestamp_that_is_not_milliseconds_is_refused(client, maker_client) -> None:
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS, timestamp=0)
    headers["X-API-TIMESTAMP"] = "yesterday"

    response = client.get(ORDERS, headers=headers)

    assert (response.status_code, error_of(response)["code"]) == (401, "timestamp_out_of_window")


def test_a_read_only_key_may_read_but_not_place_orders(traders) -> None:
    reader = SignedClient.for_user(traders[0], permission=ApiKey.Permission.READ)

    assert reader.get(ORDERS).status_code == 200
    response = reader.place(side="buy", price="100", quantity="1")
    assert (response.status_code, error_of(response)["code"]) == (403, "permission_denied")
    response = reader.delete(ORDERS)
    assert (response.status_code, error_of(response)["code"]) == (403, "permission_denied")
