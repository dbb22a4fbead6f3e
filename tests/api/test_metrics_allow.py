"""`GET /metrics` answers only clients in EXCHANGE_METRICS_ALLOW (loopback by default): each
scrape asks every matcher for its report, which the public must not be able to make it do."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from exchange.env import env_networks
from exchange.observability import exposition


@pytest.fixture(autouse=True)
def no_matchers(monkeypatch) -> None:
    async def reports() -> dict:
        return {}

    monkeypatch.setattr(exposition, "matcher_reports", reports)


def test_loopback_is_served_by_default() -> None:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")

    assert response.status_code == 200
    assert b"exchange_" in response.content or b"process_" in response.content


def test_another_address_is_refused_and_no_matcher_is_asked(monkeypatch) -> None:
    def never() -> dict:
        raise AssertionError("a refused scrape must not ask the matchers")

    monkeypatch.setattr(exposition, "matcher_reports", never)

    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR="not an address").get("/metrics").status_code == 403


def test_a_network_allowed_in_the_settings_is_served(settings) -> None:
    settings.EXCHANGE_METRICS_ALLOW = env_networks("UNSET_FOR_THIS_TEST", ["203.0.113.0/24"])

    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403


def test_a_bad_network_stops_start_up(monkeypatch) -> None:
    monkeypatch.setenv("EXCHANGE_METRICS_ALLOW", "10.0.0.0/8, not-a-net")

    with pytest.raises(ImproperlyConfigured, match="EXCHANGE_METRICS_ALLOW"):
        env_networks("EXCHANGE_METRICS_ALLOW", [])
