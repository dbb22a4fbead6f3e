"""The client address (exchange/client_address.py): the peer, unless the peer is a trusted
proxy; then X-Forwarded-For read from the right up to the first untrusted address."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from exchange.client_address import client_address
from exchange.env import env_networks

PROXY = "10.0.0.5"


@pytest.fixture
def trusted(settings):
    settings.EXCHANGE_TRUSTED_PROXIES = env_networks("UNSET_FOR_THIS_TEST", ["10.0.0.0/24"])


def request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/v1/symbols", **extra)


def scope(peer: str, *forwarded: str) -> dict:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "websocket", "client": [peer, 5000], "headers": headers}


def test_with_no_trusted_proxy_the_header_is_ignored() -> None:
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    assert client_address(scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_an_untrusted_peer_is_the_client_whatever_it_forwards(trusted) -> None:
    assert client_address(request("203.0.113.9", f"198.51.100.1, {PROXY}")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_forwarded_client_is_used(trusted) -> None:
    assert client_address(request(PROXY, "198.51.100.1")) == "198.51.100.1"
    assert client_address(scope(PROXY, "198.51.100.1")) == "198.51.100.1"


def test_trusted_proxies_are_skipped_from_the_right_and_a_spoofed_left_is_not_reached(
    trusted,
) -> None:
    # the client wrote 192.0.2.66 itself; 198.51.100.1 is what the first proxy saw
    forwarded = "192.0.2.66, 198.51.100.1, 10.0.0.7"

    assert client_address(request(PROXY, forwarded)) == "198.51.100.1"
    assert client_address(scope(PROXY, "192.0.2.66, 198.51.100.1", "10.0.0.7")) == "198.51.100.1"


def test_a_malformed_header_falls_back_to_the_peer(trusted) -> None:
    assert client_address(request(PROXY, "198.51.100.1, not-an-ip")) == PROXY
    assert client_address(request(PROXY, "")) == PROXY
    assert client_address(request(PROXY, "  ,  ")) == PROXY


def test_only_trusted_proxies_in_the_header_gives_the_furthest(trusted) -> None:
    assert client_address(request(PROXY, "10.0.0.8, 10.0.0.9")) == "10.0.0.8"


def test_ipv4_mapped_ipv6_is_the_ipv4_address(trusted) -> None:
    assert client_address(request("::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_address(request("::ffff:10.0.0.5", "198.51.100.1")) == "198.51.100.1"
