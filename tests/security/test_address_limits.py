"""Limits that hold against a hostile client: the address is the peer unless a trusted proxy
forwards it, failed authentication counts against the address (and, over the limit, is
refused before credentials are checked), and a session user has a window of its own."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.authentication import ApiKeyAuthentication
from exchange.env import env_networks
from tests.api.clients import SignedClient, session_client

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


@pytest.fixture
def limit(settings) -> int:
    settings.EXCHANGE_RATE_PER_IP = 3
    settings.EXCHANGE_RATE_PER_KEY = 100_000
    return 3


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """The API keys looked up by authentication (each a database or cache read)."""
    seen: list[str] = []
    lookup = ApiKeyAuthentication.lookup

    def counted(key: str):
        seen.append(key)
        return lookup(key)

    monkeypatch.setattr(ApiKeyAuthentication, "lookup", staticmethod(counted))
    return seen


def symbols(client: Client, peer: str, forwarded: str | None = None) -> int:
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.get("/api/v1/symbols", **extra).status_code


def test_rotating_x_forwarded_for_from_an_untrusted_peer_is_still_limited(limit) -> None:
    client = Client()
    codes = [symbols(client, "203.0.113.9", f"198.51.100.{n}") for n in range(limit + 2)]

    assert codes[:limit] == [200] * limit
    assert codes[limit:] == [429, 429]


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited(limit, settings) -> None:
    settings.EXCHANGE_TRUSTED_PROXIES = env_networks("UNSET_FOR_THIS_TEST", [PROXY])
    client = Client()

    spread = [symbols(client, PROXY, f"198.51.100.{n}") for n in range(limit + 2)]
    same = [symbols(client, PROXY, "192.0.2.1") for _ in range(limit + 1)]

    assert spread == [200] * (limit + 2)  # one request of each of five clients
    assert same == [200] * limit + [429]  # one client over its limit
    assert symbols(client, PROXY, "192.0.2.2") == 200  # the proxy's other clients are not


def test_a_flood_of_bad_keys_from_one_address_is_429_before_any_key_is_looked_up(
    limit, lookups
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    stranger = SignedClient("f" * 32, "secret")
    stranger.client = client

    answers = [stranger.get("/api/v1/account/balances") for _ in range(limit + 3)]
    codes = [(answer.status_code, answer.json()["error"]["code"]) for answer in answers]

    assert codes[:limit] == [(401, "invalid_api_key")] * limit
    assert codes[limit:] == [(429, "rate_limited")] * 3
    assert int(answers[-1]["Retry-After"]) >= 1
    assert len(lookups) == limit + 1  # the failure that filled the window, then none


def test_bad_signatures_of_a_real_key_count_against_the_address(limit, maker_client) -> None:
    forger = SignedClient(maker_client.key, "not the secret")
    forger.client = Client(REMOTE_ADDR="203.0.113.9")

    codes = [forger.get("/api/v1/orders").status_code for _ in range(limit + 1)]

    assert codes == [401] * limit + [429]
    maker_client.client = Client(REMOTE_ADDR="198.51.100.1")
    assert maker_client.get("/api/v1/orders").status_code == 200  # from elsewhere: served


def test_failures_and_anonymous_requests_share_the_address_window(limit) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    stranger = SignedClient("f" * 32, "secret")
    stranger.client = client
    for _ in range(limit - 1):
        assert stranger.get("/api/v1/orders").status_code == 401

    assert symbols(client, "203.0.113.9") == 200
    assert symbols(client, "203.0.113.9") == 429


def test_a_session_user_has_a_window_of_its_own(limit, settings, traders) -> None:
    settings.EXCHANGE_RATE_PER_KEY = 2
    maker, taker = (session_client(user) for user in traders)

    codes = [maker.get("/api/v1/account/balances").status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert taker.get("/api/v1/account/balances").status_code == 200  # same address, other user
    assert symbols(Client(), "127.0.0.1") == 200  # the address's anonymous window is untouched
