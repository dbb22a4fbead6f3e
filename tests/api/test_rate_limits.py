"""Rate limits per API key and per client IP: 429 rate_limited with Retry-After."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_requests_over_the_per_key_rate_are_429_with_retry_after(maker_client, settings) -> None:
    settings.EXCHANGE_RATE_PER_KEY = 3

    codes = [maker_client.get("/api/v1/orders").status_code for _ in range(5)]

    assert codes[:3] == [200, 200, 200]
    assert 429 in codes[3:]
    limited = maker_client.get("/api/v1/orders")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) >= 1


def test_requests_without_a_key_are_limited_per_ip(client, market, settings) -> None:
    settings.EXCHANGE_RATE_PER_IP = 2

    first = [client.get("/api/v1/symbols").status_code for _ in range(2)]
    limited = client.get("/api/v1/symbols")
    other_ip = client.get("/api/v1/symbols", REMOTE_ADDR="10.0.0.9")

    assert first == [200, 200]
    assert (limited.status_code, limited.json()["error"]["code"]) == (429, "rate_limited")
    assert other_ip.status_code == 200


def test_one_keys_limit_leaves_other_keys_alone(maker_client, taker_client, settings) -> None:
    settings.EXCHANGE_RATE_PER_KEY = 2
    for _ in range(3):
        maker_client.get("/api/v1/orders")

    assert maker_client.get("/api/v1/orders").status_code == 429
    assert taker_client.get("/api/v1/orders").status_code == 200
