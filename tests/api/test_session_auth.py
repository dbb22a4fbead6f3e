"""Browsers use their login session; unsafe requests need Django's CSRF token."""

from __future__ import annotations

import pytest
from django.middleware.csrf import get_token
from django.test import RequestFactory

from tests.api.clients import session_client

pytestmark = pytest.mark.django_db


def test_a_logged_in_browser_reads_its_orders(traders) -> None:
    response = session_client(traders[0]).get("/api/v1/orders")

    assert response.status_code == 200


def test_an_unsafe_request_without_the_csrf_token_is_refused(traders) -> None:
    response = session_client(traders[0]).post(
        "/api/v1/orders", {"symbol": "BTC-USDT"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


def test_an_unsafe_request_with_the_csrf_token_gets_past_the_check(traders) -> None:
    client = session_client(traders[0])
    token = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = token

    response = client.post(
        "/api/v1/orders",
        {"symbol": "NO-SUCH"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert (response.status_code, response.json()["error"]["code"]) == (400, "unknown_symbol")
