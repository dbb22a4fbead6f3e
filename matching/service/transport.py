"""The matcher's transport: how callers reach the matcher, and the matcher its callers and
subscribers. It is the project's Channels layer (CHANNEL_LAYERS["default"]), so the
WebSocket consumers use it as any channel layer (send, receive, groups), and it adds what
the matcher and its callers need, defined once here:

- `call`: a caller sends a command and awaits its reply (matching/service/client.py);
- `receive_many`: the matcher takes a batch of commands off its channel;
- `publish`: the matcher sends a batch's replies and group messages (feeds) together;
- `depth`: how many commands wait in the matcher's channel (a metrics gauge);
- `ping`: whether the transport answers (`GET /api/v1/health`);
- `generation`: what changes when the transport restarted and lost its groups.

Two implementations, chosen by the setting's BACKEND as Django chooses a cache backend:
`transport_redis.RedisTransport` (production: daphne replicas and matchers in processes of
their own) and `transport_memory.InMemoryTransport` (the embedded exchange, and the tests'
in-process matcher: one process, any threads and event loops).
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from channels.layers import DEFAULT_CHANNEL_LAYER, get_channel_layer
from django.core.exceptions import ImproperlyConfigured

RECEIVE_BATCH = 500  # the most commands `receive_many` hands the matcher at once
REPLY_PREFIX = "reply"  # the channels `call` waits on


class TransportUnavailable(Exception):
    """The transport could not be reached (Redis down or restarting): the message may or may
    not have been sent."""


class Transport(abc.ABC):
    """What the matcher and its callers need of the channel layer, beyond Channels' API."""

    @abc.abstractmethod
    async def call(self, channel: str, message_to: Callable[[str], dict], timeout: float) -> dict:
        """Sends `message_to(reply_channel)` to `channel` and returns the message sent back to
        `reply_channel`. Raises ChannelFull if `channel` is full, TimeoutError after
        `timeout` seconds without a reply (a reply that comes later is dropped)."""

    @abc.abstractmethod
    async def receive_many(
        self, channel: str, count: int = RECEIVE_BATCH, timeout: float | None = None
    ) -> list[dict]:
        """Up to `count` messages of the general channel `channel`, oldest first, waiting up
        to `timeout` seconds for the first (None: as long as it takes); [] if none came. A
        message is never lost to the timeout: it stays in the channel."""

    @abc.abstractmethod
    async def publish(
        self, messages: list[tuple[str, dict]], group_messages: list[tuple[str, dict]]
    ) -> int:
        """Sends each (channel, message) of `messages` (replies: no capacity check) and each
        (group, message) of `group_messages` to the group's members, in order. Returns how
        many group deliveries were dropped because a member's channel was full."""

    @abc.abstractmethod
    async def depth(self, channel: str) -> int:
        """How many messages wait in the general channel `channel`."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Returns once the transport answers; raises if it cannot be reached."""

    @abc.abstractmethod
    async def generation(self) -> str:
        """A token that changes whenever the transport lost what it held (a Redis server
        restarted: its groups' members, the messages in flight); raises if it cannot be
        reached. The socket consumers compare it to re-join their groups (exchange/
        consumers/subscriptions.py)."""


def get_transport(alias: str = DEFAULT_CHANNEL_LAYER) -> Transport:
    """The configured channel layer, which must be a Transport."""
    layer = get_channel_layer(alias)
    if not isinstance(layer, Transport):
        raise ImproperlyConfigured(
            f"CHANNEL_LAYERS[{alias!r}] must name a matching.service.transport.Transport as "
            f"its BACKEND (transport_redis.RedisTransport or "
            f"transport_memory.InMemoryTransport), not {type(layer).__name__}"
        )
    return layer
