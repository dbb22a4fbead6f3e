"""Sending a command to the matcher and awaiting its answer: the callers' side of the protocol.

The command carries a deadline; the matcher drops it unexecuted if it reads it later than
that. The caller waits a little past the deadline (the grace covers a batch's journal fsync),
so a command the matcher read in time is answered in time.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from django.conf import settings

from matching.service.protocol import matcher_channel, now_ms, request
from matching.service.transport import TransportUnavailable, get_transport

REPLY_GRACE_MS = 2000


class MatcherUnavailable(Exception):
    """The matcher did not answer in time, its queue is full or the transport is down: the
    outcome is unknown (the command may have been journaled before the matcher or the
    transport failed); a command the matcher reads past its deadline never runs."""


async def call(command: dict, *, shard: str = "", timeout_ms: int | None = None) -> dict:
    """Sends `command` to the matcher of `shard` and returns its reply (protocol.py)."""
    if timeout_ms is None:
        timeout_ms = settings.EXCHANGE_MATCHER_TIMEOUT_MS
    deadline = now_ms() + timeout_ms
    try:
        return await get_transport().call(
            matcher_channel(shard),
            lambda reply_to: request(command, reply_to, deadline),
            (timeout_ms + REPLY_GRACE_MS) / 1000,
        )
    except ChannelFull as error:
        raise MatcherUnavailable("the matcher's queue is full") from error
    except TimeoutError as error:
        raise MatcherUnavailable("the matcher did not answer in time") from error
    except TransportUnavailable as error:
        raise MatcherUnavailable(f"the transport is unreachable: {error}") from error


def call_sync(command: dict, *, shard: str = "", timeout_ms: int | None = None) -> dict:
    """`call` for synchronous code (admin forms, management commands)."""
    return async_to_sync(call)(command, shard=shard, timeout_ms=timeout_ms)
