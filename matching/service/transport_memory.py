"""The in-memory transport (matching/service/transport.py): Channels' in-memory layer, safe
across threads and event loops.

The embedded exchange runs everything on daphne's loop; the tests run the matcher on a loop
of its own in a thread of its own, while Django's test client calls it from other loops
(async_to_sync) and daphne serves sockets from yet another. So one lock guards the channels
and groups, and a receiver that finds its channel empty waits on a future of its own loop,
which a sender completes through that loop (`call_soon_threadsafe` from another thread).

Messages travel encoded as on Redis (msgpack, channels-redis's format): each receiver gets a
copy of its own, and what could not cross Redis cannot cross here either (a value of a str
subclass arrives a str, a tuple a list, a Decimal is refused), so the embedded exchange and
the tests see what production sees. As in Channels' layer, a message left unread past
`expiry` is dropped and its channel taken out of its groups, a group membership lapses after
`group_expiry`, and a full channel refuses `send` (ChannelFull) while a group send skips it.
A reply to a caller that gave up waiting is dropped, as on Redis.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable

import msgpack
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

from matching.service.transport import RECEIVE_BATCH, REPLY_PREFIX, Transport

CLEAN_SECONDS = 1.0  # expired messages and memberships are looked for at most this often


class InMemoryTransport(InMemoryChannelLayer, Transport):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self.channels: dict[str, deque[tuple[float, bytes]]] = {}  # (expires at, message)
        self._receivers: dict[str, list[asyncio.Future]] = {}  # futures waiting on a channel
        self._callers: dict[str, asyncio.Future] = {}  # reply channel -> its caller's future
        self._next_clean = 0.0

    # ---- Channels' layer API ----------------------------------------------------------------

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        data = msgpack.packb(message)
        with self._lock:
            added = self._deliver(channel, data, self.get_capacity(channel))
        if not added:
            raise ChannelFull(channel)

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        return (await self._take(channel, 1))[0]

    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        with self._lock:
            self.groups.setdefault(group, {})[channel] = time.time()

    async def group_discard(self, group: str, channel: str) -> None:
        self.require_valid_channel_name(channel)
        self.require_valid_group_name(group)
        with self._lock:
            members = self.groups.get(group)
            if members:
                members.pop(channel, None)
                if not members:
                    del self.groups[group]

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        data = msgpack.packb(message)
        with self._lock:
            self._clean_expired()
            self._deliver_to_group(group, data)

    async def flush(self) -> None:
        with self._lock:
            self.channels = {}
            self.groups = {}

    # ---- the matcher's transport --------------------------------------------------------------

    async def call(self, channel: str, message_to: Callable[[str], dict], timeout: float) -> dict:
        reply_to = await self.new_channel(REPLY_PREFIX)
        waiter = asyncio.get_running_loop().create_future()
        with self._lock:
            self._callers[reply_to] = waiter
        try:
            await self.send(channel, message_to(reply_to))
            return await asyncio.wait_for(waiter, timeout)
        finally:
            with self._lock:
                self._callers.pop(reply_to, None)

    async def receive_many(
        self, channel: str, count: int = RECEIVE_BATCH, timeout: float | None = None
    ) -> list[dict]:
        self.require_valid_channel_name(channel)
        # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that
        # comes as a message does (the matcher's receive loop, stopped as a command arrives,
        # would go on receiving and its shutdown wait forever); a cancelled `_take` takes
        # nothing
        try:
            async with asyncio.timeout(timeout):
                return await self._take(channel, count)
        except TimeoutError:
            return []

    async def publish(
        self, messages: list[tuple[str, dict]], group_messages: list[tuple[str, dict]]
    ) -> int:
        replies = [(channel, msgpack.packb(message)) for channel, message in messages]
        feeds = [(group, msgpack.packb(message)) for group, message in group_messages]
        with self._lock:
            for channel, data in replies:
                self._deliver(channel, data, None)
            if feeds:
                self._clean_expired()
            return sum(self._deliver_to_group(group, data) for group, data in feeds)

    async def depth(self, channel: str) -> int:
        with self._lock:
            return len(self.channels.get(channel, ()))

    async def ping(self) -> None:
        """The layer is this process's memory: it always answers."""

    async def generation(self) -> str:
        """This process's memory is never lost while the process lives."""
        return "memory"

    # ---- inside the lock --------------------------------------------------------------------

    def _deliver(self, channel: str, data: bytes, capacity: int | None) -> bool:
        """Puts the encoded message `data` in `channel`, or hands it to the caller waiting on
        it; False if the channel is full (never with no `capacity`)."""
        caller = self._callers.pop(channel, None)
        if caller is not None:
            _complete(caller, msgpack.unpackb(data))
            return True
        if channel.startswith(REPLY_PREFIX + "."):
            return True  # its caller gave up: dropped
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = deque()
        elif capacity is not None and len(queue) >= capacity:
            return False
        queue.append((time.time() + self.expiry, data))
        for receiver in self._receivers.pop(channel, ()):
            _complete(receiver, None)
        return True

    def _deliver_to_group(self, group: str, data: bytes) -> int:
        """Puts the encoded message `data` in each channel of `group`; returns how many of
        them were full."""
        full = 0
        for channel in list(self.groups.get(group, ())):
            if not self._deliver(channel, data, self.get_capacity(channel)):
                full += 1
        return full

    def _clean_expired(self) -> None:
        """Drops the messages left unread past their expiry (their channels leave every group)
        and the group memberships older than `group_expiry`, at most every CLEAN_SECONDS."""
        now = time.time()
        if now < self._next_clean:
            return
        self._next_clean = now + CLEAN_SECONDS
        for channel, queue in list(self.channels.items()):
            if queue and queue[0][0] < now:
                while queue and queue[0][0] < now:
                    queue.popleft()
                self._remove_from_groups(channel)
                if not queue:
                    del self.channels[channel]
        joined_before = int(now) - self.group_expiry
        for members in self.groups.values():
            for channel, joined in list(members.items()):
                if joined and joined < joined_before:
                    del members[channel]

    # ---- receiving --------------------------------------------------------------------------

    async def _take(self, channel: str, count: int) -> list[dict]:
        """At least one and up to `count` messages of `channel`, waiting for the first."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                self._clean_expired()
                queue = self.channels.get(channel)
                if queue:
                    taken = [queue.popleft()[1] for _ in range(min(count, len(queue)))]
                    if not queue:
                        del self.channels[channel]
                    break
                waiter = loop.create_future()
                self._receivers.setdefault(channel, []).append(waiter)
            try:
                await waiter
            finally:
                if waiter.cancelled():  # still listed, unless a sender woke it meanwhile
                    with self._lock:
                        waiting = self._receivers.get(channel)
                        if waiting and waiter in waiting:
                            waiting.remove(waiter)
                            if not waiting:
                                del self._receivers[channel]
        return [msgpack.unpackb(data) for data in taken]


def _complete(future: asyncio.Future, result: object) -> None:
    """Completes `future` from a coroutine on any loop: directly on the future's own loop,
    else through that loop (which may have closed since: a caller gone)."""
    loop = future.get_loop()
    if asyncio.get_running_loop() is loop:
        if not future.done():
            future.set_result(result)
        return
    try:
        loop.call_soon_threadsafe(_set_result, future, result)
    except RuntimeError:  # the loop is closed
        pass


def _set_result(future: asyncio.Future, result: object) -> None:
    if not future.done():
        future.set_result(result)
