"""The Redis transport (matching/service/transport.py): channels-redis's layer with fewer Redis
round trips per message, same wire format.

Measured under load (README "Performance"), the stock layer spent most of the matcher's and
daphne's time on Redis round trips: a `send` makes four (trim expired, count, add, expire),
and a receive pops one message per round trip plus three more for its backup queue. Here:

- `send` is one atomic script call (trim, capacity check, add, expire);
- a receive pops up to `RECEIVE_BATCH` waiting messages at once into their channels'
  buffers (process-specific channels: the web processes' order replies, the sockets'
  group messages);
- `receive_many` gives the matcher a whole batch off its channel in one round trip;
- a reply channel is named with a counter, not a fresh uuid4;
- `send_many` sends a batch of messages (the matcher's replies) in one pipeline per host,
  without the capacity check (a reply goes to a channel its caller just made);
- `group_send_many` sends a batch of group messages (the matcher's feeds: each user's
  events, trades, book changes) in two round trips per host, where `group_send` takes four
  per group: one pipeline reads every group's members, one script call delivers, with the
  stock layer's expiry and capacity rules (a full channel misses the message); `publish`
  does a batch's replies and feeds together, the replies riding in that first pipeline;
- `call` sends a request and awaits its reply (matching/service/client.py): the requests made in
  one turn of the event loop leave in one script call, and the replies come off the
  process's own reply key, one fetch per loop, each straight to its caller's future.

The popped messages are never lost to a cancelled receive: the pop runs in a task of its
own, whose messages reach the buffers whenever it ends. What is given up is the stock
layer's backup queue, which re-delivers messages a receiving process took and then died
with; such a process's callers are gone with it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import time
import weakref
from collections import defaultdict

from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from exchange.redis_connection import connection_options
from matching.service.transport import (
    RECEIVE_BATCH,
    REPLY_PREFIX,
    Transport,
    TransportUnavailable,
)

# Redis unreachable, restarting or gone mid-command (its BusyLoadingError is a
# ConnectionError): the caller hears TransportUnavailable.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError)

REPLY_POLL_SECONDS = 1.0  # a reply fetch blocks this long at most, then looks for callers
GENERATION_SECONDS = 1.0  # the hosts' run ids are asked at most this often (`generation`)

# KEYS: n channel keys (a key may repeat); ARGV: n messages, n capacities, n scores,
# expired-before, expiry seconds. Returns, for each message, 1 if it was added and 0 if its
# channel was full. The scores rise (`_score`), so a key's messages come out in order.
_SEND_EACH = """
local n = #KEYS
local expired, expiry = ARGV[3 * n + 1], ARGV[3 * n + 2]
local added = {}
for i = 1, n do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, expired)
    if redis.call('ZCARD', KEYS[i]) < tonumber(ARGV[n + i]) then
        redis.call('ZADD', KEYS[i], ARGV[2 * n + i], ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
        added[i] = 1
    else
        added[i] = 0
    end
end
return added
"""
_SEND_EACH_SHA = hashlib.sha1(_SEND_EACH.encode()).hexdigest()  # as redis-py names it

# `publish`'s first round trip on one host. KEYS: r message keys, then g group keys; ARGV: r,
# the r messages, their score, the message expiry, the group members' expired-before. Adds
# each message (no capacity check, as `send_many`), and returns each group's members after
# dropping the expired ones.
_ADD_AND_READ_GROUPS = """
local r = tonumber(ARGV[1])
local score, expiry, expired = ARGV[r + 2], ARGV[r + 3], ARGV[r + 4]
for i = 1, r do
    redis.call('ZADD', KEYS[i], score, ARGV[i + 1])
    redis.call('EXPIRE', KEYS[i], expiry)
end
local members = {}
for i = r + 1, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, expired)
    members[i - r] = redis.call('ZRANGE', KEYS[i], 0, -1)
end
return members
"""
_ADD_AND_READ_SHA = hashlib.sha1(_ADD_AND_READ_GROUPS.encode()).hexdigest()
_SCRIPTS = {_SEND_EACH_SHA: _SEND_EACH, _ADD_AND_READ_SHA: _ADD_AND_READ_GROUPS}


class RedisTransport(RedisChannelLayer, Transport):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # each host's pool connects with exchange/redis_connection.py's connection
        self.hosts = [
            {**host, **connection_options(host["address"])} if "address" in host else host
            for host in self.hosts
        ]
        self._channel_numbers = itertools.count(1)
        self._fetches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> ...
        self._last_score = 0.0
        self._has_bzmpop = True  # until Redis says it does not know BZMPOP (before 7.0)
        # per event loop: reply channel -> its caller's future; the fetch of replies; the
        # sends waiting for the loop's next iteration
        self._waiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._reply_fetches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._queued: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._generation = (float("-inf"), "")  # (when asked, the hosts' run ids)
        # per event loop: the asking of the run ids in flight, which callers meanwhile await
        self._generation_asks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def new_channel(self, prefix: str = "specific") -> str:
        """A channel of this process: its random client prefix and a counter (the stock
        layer draws a uuid4, from os.urandom, for each, and a caller makes one per order)."""
        return f"{prefix}.{self.client_prefix}!{next(self._channel_numbers):x}"

    def _route(self, channel: str, message: dict) -> tuple[int, str, dict]:
        """(host index, Redis key, message) for `channel`, as the stock `send` does it."""
        if "!" in channel:
            key = self.prefix + self.non_local_name(channel)
            return self.consistent_hash(channel), key, {**message, "__asgi_channel__": channel}
        return next(self._send_index_generator), self.prefix + channel, message

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        assert "__asgi_channel__" not in message
        index, key, message = self._route(channel, message)
        data = self.serialize(message)
        if not (await self._send_each(index, [(key, data, self.get_capacity(channel))]))[0]:
            raise ChannelFull()

    async def send_many(self, messages: list[tuple[str, dict]]) -> None:
        """Sends each (channel, message), one pipeline per Redis host; no capacity check."""
        await self.publish(messages, [])

    async def group_send_many(self, messages: list[tuple[str, dict]]) -> int:
        """Sends each (group, message) to the group's members; returns how many deliveries
        were dropped because a channel was full."""
        return await self.publish([], messages)

    async def publish(
        self, messages: list[tuple[str, dict]], group_messages: list[tuple[str, dict]]
    ) -> int:
        """`send_many(messages)` and `group_send_many(group_messages)` together, in two
        round trips per Redis host: one pipeline adds the messages and reads the groups'
        members, one script call delivers to the members. Returns the deliveries dropped."""
        now, expiry = time.time(), int(self.expiry)
        sends: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
        for channel, message in messages:
            index, key, message = self._route(channel, message)
            sends[index].append((key, self.serialize(message)))
        groups: dict[int, list[str]] = defaultdict(list)
        for group in sorted({group for group, _ in group_messages}):
            assert self.require_valid_group_name(group), "Group name not valid"
            groups[self.consistent_hash(group)].append(group)
        members: dict[str, list[str]] = {}
        for index in sends.keys() | groups.keys():
            host_sends, host_groups = sends.get(index, ()), groups.get(index, ())
            # one script call: a pipeline of as many commands cost redis-py's Python for each
            read = await self._script(
                index,
                _ADD_AND_READ_SHA,
                [key for key, _ in host_sends] + [self._group_key(g) for g in host_groups],
                [len(host_sends), *(data for _, data in host_sends)]
                + [repr(now), expiry, int(now) - self.group_expiry],
            )
            for group, names in zip(host_groups, read, strict=True):
                members[group] = [name.decode("utf8") for name in names]
        deliveries: dict[int, list[tuple[str, bytes, int]]] = defaultdict(list)
        for group, message in group_messages:
            # one copy per Redis key, naming the members it is for (as group_send does)
            by_key: dict[str, tuple[int, list[str]]] = {}
            for channel in members[group]:
                name = self.non_local_name(channel) if "!" in channel else channel
                entry = by_key.setdefault(self.prefix + name, (self.consistent_hash(name), []))
                entry[1].append(channel)
            for key, (index, channels) in by_key.items():
                data = self.serialize({**message, "__asgi_channel__": channels})
                deliveries[index].append((key, data, self.get_capacity(channels[0])))
        full = 0
        for index, entries in deliveries.items():
            full += (await self._send_each(index, entries)).count(0)
        return full

    def _score(self) -> float:
        """The time now, as a score above every one this layer gave before."""
        now = time.time()
        if now <= self._last_score:
            now = self._last_score + 1e-6
        self._last_score = now
        return now

    async def _send_each(self, index: int, entries: list[tuple[str, bytes, int]]) -> list[int]:
        """Adds each (key, data, capacity) on host `index` in one script call: 1 for each
        one added, 0 for each whose channel was full."""
        now = time.time()
        keys = [key for key, _, _ in entries]
        args = [
            *(data for _, data, _ in entries),
            *(capacity for _, _, capacity in entries),
            *(repr(self._score()) for _ in entries),
            int(now) - int(self.expiry),
            int(self.expiry),
        ]
        return await self._script(index, _SEND_EACH_SHA, keys, args)

    async def _script(self, index: int, sha: str, keys: list, args: list):
        """Runs one of `_SCRIPTS` on host `index` by its digest, as redis-py's Script calls
        it, without making (and hashing) a Script object each time."""
        connection = self.connection(index)  # the loop's connection
        try:
            return await connection.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:  # a Redis restarted or flushed: loaded again
            await connection.script_load(_SCRIPTS[sha])
            return await connection.evalsha(sha, len(keys), *keys, *args)

    # ---- request and reply (matching/service/client.py) ----------------------------------

    async def call(self, channel: str, message_to, timeout: float) -> dict:
        """Sends `message_to(reply_channel)` to `channel` and returns the reply sent to that
        channel; ChannelFull if `channel` is full, TimeoutError after `timeout` seconds.

        Cheaper than `send` then `receive`: the sends of one loop iteration leave in one
        script call, and the replies of all callers come off one Redis key (this process's
        reply channels) by one fetch per event loop, each straight to its caller's future."""
        loop = asyncio.get_running_loop()
        reply_to = await self.new_channel(REPLY_PREFIX)
        waiter = loop.create_future()
        waiters = self._waiters.setdefault(loop, {})
        waiters[reply_to] = waiter
        try:
            await self._send_soon(loop, channel, message_to(reply_to))
            fetch = self._reply_fetches.get(loop)
            if fetch is None or fetch.done():
                self._reply_fetches[loop] = loop.create_task(self._fetch_replies(waiters))
            async with asyncio.timeout(timeout):  # lighter than wait_for: no waiter of its own
                return await waiter
        except UNREACHABLE as error:
            raise TransportUnavailable(str(error)) from error
        finally:
            waiters.pop(reply_to, None)

    def _send_soon(self, loop, channel: str, message: dict) -> asyncio.Future:
        """Queues `message` for the next batched send of this loop (at its next iteration)."""
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        index, key, message = self._route(channel, message)
        sent = loop.create_future()
        queued = self._queued.setdefault(loop, [])
        if not queued:
            loop.call_soon(self._send_queued, loop)
        queued.append((index, key, self.serialize(message), self.get_capacity(channel), sent))
        return sent

    def _send_queued(self, loop) -> None:
        queued = self._queued.pop(loop, [])
        by_host: dict[int, list] = defaultdict(list)
        for entry in queued:
            by_host[entry[0]].append(entry)
        for index, entries in by_host.items():
            loop.create_task(self._send_batch(index, entries))

    async def _send_batch(self, index: int, entries: list) -> None:
        try:
            added = await self._send_each(
                index, [(key, data, cap) for _, key, data, cap, _ in entries]
            )
        except Exception as error:  # Redis down: every sender hears of it
            for *_, sent in entries:
                if not sent.done():
                    sent.set_exception(error)
            return
        for flag, (*_, sent) in zip(added, entries, strict=True):
            if not sent.done():
                if flag:
                    sent.set_result(None)
                else:
                    sent.set_exception(ChannelFull())

    async def _fetch_replies(self, waiters: dict) -> None:
        """Pops this process's replies while this loop has callers waiting; each reply goes
        to its caller (one that gave up is not waiting any more: its reply is dropped)."""
        real = f"{REPLY_PREFIX}.{self.client_prefix}!"
        index, key = self.consistent_hash(real), self.prefix + real
        try:
            while waiters:
                for data in await self._pop(index, key, RECEIVE_BATCH, REPLY_POLL_SECONDS):
                    channel, message = self._unpack(real, data)
                    self._answer(channel, message)
        except UNREACHABLE as error:  # Redis went away: the callers hear it now, not later
            for waiter in list(waiters.values()):
                if not waiter.done():
                    waiter.set_exception(TransportUnavailable(str(error)))

    def _answer(self, channel: str, message: dict) -> None:
        for loop, waiters in list(self._waiters.items()):
            waiter = waiters.pop(channel, None)
            if waiter is None:
                continue
            if loop is asyncio.get_running_loop():
                if not waiter.done():
                    waiter.set_result(message)
            elif not loop.is_closed():  # a reply another loop's caller waits for
                loop.call_soon_threadsafe(_resolve, waiter, message)
            return

    async def _pop(self, index: int, key: str, count: int, timeout: float) -> list[bytes]:
        """Up to `count` members of `key`, oldest first, waiting up to `timeout` for one:
        one round trip with Redis 7's BZMPOP, two before it (ZPOPMIN, then BZPOPMIN)."""
        connection = self.connection(index)
        if self._has_bzmpop:
            connection.set_response_callback("BZMPOP", _bzmpop_members)
            try:
                return await connection.bzmpop(timeout, 1, [key], min=True, count=count)
            except ResponseError as error:
                if "unknown command" not in str(error).lower():
                    raise
                self._has_bzmpop = False  # an older Redis
        popped = await connection.zpopmin(key, count)
        if popped:
            return [member for member, _ in popped]
        result = await connection.bzpopmin(key, timeout=timeout)
        return [] if result is None else [result[1]]

    def _unpack(self, channel: str, data: bytes) -> tuple[str | list[str], dict]:
        message = self.deserialize(data)
        return message.pop("__asgi_channel__", channel), message

    async def receive_many(
        self, channel: str, count: int = RECEIVE_BATCH, timeout: float | None = None
    ) -> list[dict]:
        """Up to `count` messages of the general channel `channel`, waiting up to `timeout`
        seconds for the first (the server's blocking pop waits, so nothing popped is lost)."""
        assert "!" not in channel
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            for _ in range(self.ring_size):
                index = next(self._receive_index_generator)
                wait = self.brpop_timeout if self.ring_size == 1 else 0.05
                if deadline is not None:
                    wait = max(0.01, min(wait, deadline - time.monotonic()))
                popped = await self._pop(index, self.prefix + channel, count, wait)
                if popped:
                    return [self._unpack(channel, data)[1] for data in popped]
            if deadline is not None and time.monotonic() >= deadline:
                return []

    async def depth(self, channel: str) -> int:
        """The messages waiting in the general channel `channel`, on every Redis host."""
        key = self.prefix + channel
        return sum([await self.connection(i).zcard(key) for i in range(self.ring_size)])

    async def ping(self) -> None:
        """Returns once every Redis host answered PING."""
        for index in range(self.ring_size):
            await self.connection(index).ping()

    async def generation(self) -> str:
        """The run ids of the Redis hosts (a server's changes at each start), asked at most
        every GENERATION_SECONDS however many connections ask: those that come while they
        are being asked wait for that answer (each socket asks every second; asking once
        each, they were 5 % of a web process's time under load)."""
        if time.monotonic() - self._generation[0] < GENERATION_SECONDS:
            return self._generation[1]
        loop = asyncio.get_running_loop()
        asking = self._generation_asks.get(loop)
        if asking is None:
            asking = self._generation_asks[loop] = loop.create_task(self._ask_generation())
            asking.add_done_callback(functools.partial(self._generation_asked, loop))
        return await asyncio.shield(asking)  # a caller cancelled leaves the others' answer

    async def _ask_generation(self) -> str:
        ids = []
        for index in range(self.ring_size):
            info = await self.connection(index).info("server")
            ids.append(str(info.get("run_id", "")))
        self._generation = (time.monotonic(), ",".join(ids))
        return self._generation[1]

    def _generation_asked(self, loop: asyncio.AbstractEventLoop, asking: asyncio.Task) -> None:
        self._generation_asks.pop(loop, None)
        if not asking.cancelled():
            asking.exception()  # each caller has it raised; none left is not an error

    async def receive(self, channel: str) -> dict:
        """The next message of `channel`. A process-specific channel's messages come from
        one fetch at a time per event loop, which pops a batch off the process's Redis key
        and puts every message in its channel's buffer; each receiver waits on its buffer or
        on that fetch. A cancelled receiver leaves the fetch running: nothing it pops is lost,
        and the next receiver waits on it rather than starting another."""
        if "!" not in channel:
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel)
        buffer = self.receive_buffer[channel]
        try:
            while buffer.empty():
                fetch = self._fetch(self.non_local_name(channel))
                getter = asyncio.ensure_future(buffer.get())
                try:
                    await asyncio.wait({getter, fetch}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    if not getter.done():
                        getter.cancel()
                if getter.done() and not getter.cancelled():
                    return getter.result()
                if fetch.done() and fetch.exception() is not None:
                    raise fetch.exception()
            return buffer.get_nowait()
        finally:
            if buffer.empty() and self.receive_buffer.get(channel) is buffer:
                del self.receive_buffer[channel]

    def _fetch(self, real_channel: str) -> asyncio.Future:
        """The running fetch of this event loop's process-specific messages, or a new one."""
        loop = asyncio.get_running_loop()
        fetches = self._fetches.setdefault(loop, {})
        fetch = fetches.get(real_channel)
        if fetch is None or fetch.done():
            fetch = fetches[real_channel] = asyncio.ensure_future(self._fetch_once(real_channel))
        return fetch

    async def _fetch_once(self, real_channel: str) -> None:
        index, key = self.consistent_hash(real_channel), self.prefix + real_channel
        for data in await self._pop(index, key, RECEIVE_BATCH, self.brpop_timeout):
            self._buffer([self._unpack(real_channel, data)])

    def _buffer(self, batch: list[tuple[str | list[str], dict]]) -> None:
        for channel, message in batch:
            # a group message names every member of this process it is for
            for member in channel if isinstance(channel, list) else (channel,):
                self.receive_buffer[member].put_nowait(message)


def _bzmpop_members(response, **options) -> list[bytes]:
    """BZMPOP's answer as its members, oldest first. redis-py's own callback formats each
    score as text and parses it back (on RESP3): about a tenth of the matcher's time."""
    return [] if response is None else [member for member, _ in response[1]]


def _resolve(waiter: asyncio.Future, message: dict) -> None:
    if not waiter.done():
        waiter.set_result(message)
