"""The socket takes its client address by REST's rule (exchange/client_address.py): the cap
on sockets per address counts the peer, or the client a trusted proxy forwards, and a
client's own X-Forwarded-For gets it nothing."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from exchange.consumers.consumer import ExchangeConsumer
from exchange.consumers.trading import client_of
from exchange.env import env_networks

PROXY = "10.0.0.5"

sockets_open = pytest.mark.django_db(transaction=True)  # a consumer may read on its threads


@pytest.fixture
def one_per_address(settings) -> None:
    """One socket per address; the consumers in this process on Channels' in-memory layer
    (what is counted does not depend on the layer, and nothing is left listening on Redis)."""
    settings.EXCHANGE_WS_MAX_PER_ADDRESS = 1
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def communicator(peer: str, forwarded: str | None = None) -> WebsocketCommunicator:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    socket = WebsocketCommunicator(ExchangeConsumer.as_asgi(), "/ws/v1", headers=headers)
    socket.scope["client"] = [peer, 40000]
    return socket


async def opened(*sockets: WebsocketCommunicator) -> list[bool]:
    """Connects each socket in turn (the others staying open); whether each was accepted."""
    accepted = []
    for socket in sockets:
        connected, _ = await socket.connect(timeout=5)
        accepted.append(connected)
    for socket in sockets:
        await socket.disconnect()
    return accepted


@sockets_open
def test_rotating_x_forwarded_for_from_an_untrusted_peer_shares_the_peers_cap(
    one_per_address,
) -> None:
    sockets = [communicator("203.0.113.9", f"198.51.100.{n}") for n in range(3)]

    assert async_to_sync(opened)(*sockets) == [True, False, False]


@sockets_open
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_cap(
    one_per_address, settings
) -> None:
    settings.EXCHANGE_TRUSTED_PROXIES = env_networks("UNSET_FOR_THIS_TEST", [PROXY])
    sockets = [
        communicator(PROXY, "198.51.100.1"),
        communicator(PROXY, "198.51.100.2"),
        communicator(PROXY, "198.51.100.1"),
    ]

    assert async_to_sync(opened)(*sockets) == [True, True, False]


def test_the_sockets_client_is_the_forwarded_one_behind_a_trusted_proxy(settings) -> None:
    settings.EXCHANGE_TRUSTED_PROXIES = env_networks("UNSET_FOR_THIS_TEST", [PROXY])
    scope = {"client": [PROXY, 1], "headers": [(b"x-forwarded-for", b"192.0.2.66, 198.51.100.1")]}

    assert client_of(scope) == {"address": "198.51.100.1"}
