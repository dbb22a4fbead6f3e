"""Sending a command to the matcher and awaiting its answer: the callers' side of the protocol.

The command carries a deadline; the matcher drops it unexecuted if it reads it later than
that. The caller waits a little past the deadline (the grace covers a batch's journal fsync),
so a command the matcher read in time is answered in time.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.conf import settings

from matching.service.protocol import matcher_channel, now_ms, request

REPLY_GRACE_MS = 2000


class MatcherUnavailable(Exception):
    """The matcher did not answer in time (or its queue is full): nothing is known to have
    happened, and a command past its deadline never will."""


async def call(command: dict, *, shard: str = "", timeout_ms: int | None = None) -> dict:
    """Sends `command` to the matcher of `shard` and returns its reply (protocol.py)."""
    layer = get_channel_layer()
    if timeout_ms is None:
        timeout_ms = settings.EXCHANGE_MATCHER_TIMEOUT_MS
    if hasattr(layer, "call"):  # exchange/channel_layer.py
        deadline = now_ms() + timeout_ms
        try:
            return await layer.call(
                matcher_channel(shard),
                lambda reply_to: request(command, reply_to, deadline),
                (timeout_ms + REPLY_GRACE_MS) / 1000,
            )
        except ChannelFull as error:
            raise MatcherUnavailable("the matcher's queue is full") from error
        except TimeoutError as error:
            raise MatcherUnavailable("the matcher did not answer in time") from error
    # The layer's default prefix: channels-redis reads all of a process's specific channels
    # with one receive loop that pops only the prefix of whoever holds its lock, so a reply
    # under another prefix would wait (up to 5 s) behind a WebSocket consumer's receive.
    reply_to = await layer.new_channel()
    deadline = now_ms() + timeout_ms
    try:
        await layer.send(matcher_channel(shard), request(command, reply_to, deadline))
    except ChannelFull as error:
        raise MatcherUnavailable("the matcher's queue is full") from error
    receiving = asyncio.ensure_future(layer.receive(reply_to))
    done, _ = await asyncio.wait({receiving}, timeout=(timeout_ms + REPLY_GRACE_MS) / 1000)
    if not done:
        # Cancelled without waiting: channels-redis's receive can take long to unwind, and
        # the caller must hear of the timeout on time.
        receiving.cancel()
        raise MatcherUnavailable("the matcher did not answer in time")
    return receiving.result()


def call_sync(command: dict, *, shard: str = "", timeout_ms: int | None = None) -> dict:
    """`call` for synchronous code (admin forms, management commands)."""
    return async_to_sync(call)(command, shard=shard, timeout_ms=timeout_ms)
