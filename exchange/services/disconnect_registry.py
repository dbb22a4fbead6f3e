"""Cancel on disconnect when a web process dies: the shared record of which orders its
cancel-on-disconnect sockets placed, and of whether it is alive.

A web process that has such sockets *stamps* itself every few seconds, each stamp good for
a TTL of its choosing (exchange/consumers/liveness.py), and *records* each order one of
those sockets placed, with its user and shard; a socket that closes cancels its orders
itself and *forgets* them. Each matcher's reaper (matching/service/disconnect_reaper.py)
asks for the processes whose stamp has run out (*dead*), cancels their recorded orders of
its shard and says so (*reaped*): the records go, and a process found dead that was not
(a stall longer than its TTL) hears of it at its next stamp.

The registry is chosen in settings, as Django's CACHES are (`EXCHANGE_DISCONNECT_REGISTRY`,
its "BACKEND" and options):

- `disconnect_registry_redis.RedisRegistry` (REDIS_URL set): shared by every web process
  and matcher, stamps in Redis's own clock;
- `MemoryRegistry` (embedded): this process's memory, where the web process and the
  matcher are one process, so a dead web process is a dead matcher too; it also serves the
  tests' in-process matcher.
"""

from __future__ import annotations

import abc
import threading
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

KEEP_RECORDS_SECONDS = 86_400  # a dead process's records no matcher reaps (a shard gone)


@dataclass(frozen=True, order=True)
class Recorded:
    """One order a cancel-on-disconnect socket placed."""

    order_id: int
    user_id: int
    shard: str


class DisconnectRegistry(abc.ABC):
    """Which web processes are alive, and the orders their cancel-on-disconnect sockets
    placed. `process` is the id a web process stamps with."""

    @abc.abstractmethod
    async def stamp(self, process: str, ttl_ms: int) -> bool:
        """Marks `process` alive for `ttl_ms` from now; False if a reaper cancelled orders of
        its since its last stamp (it had been taken for dead)."""

    @abc.abstractmethod
    async def record(self, process: str, orders: list[Recorded]) -> None:
        """Adds `orders` to what `process`'s sockets placed."""

    @abc.abstractmethod
    async def forget(self, process: str, order_ids: list[int]) -> None:
        """Drops `order_ids` from `process`'s records (its socket cancelled them)."""

    @abc.abstractmethod
    async def retire(self, process: str) -> bool:
        """`process` stops stamping: its stamp goes at once if nothing is recorded for it
        (True), else it is left to run out so that a reaper cancels what is (False)."""

    @abc.abstractmethod
    async def dead(self) -> list[str]:
        """The processes whose stamp has run out."""

    @abc.abstractmethod
    async def orders(self, process: str, shard: str) -> list[Recorded]:
        """`process`'s recorded orders of `shard`."""

    @abc.abstractmethod
    async def reaped(self, process: str, order_ids: list[int]) -> None:
        """A reaper cancelled `order_ids` of the dead `process`: their records go, and the
        process with them once nothing of it is left."""


class MemoryRegistry(DisconnectRegistry):
    """The registry in this process's memory (the embedded exchange, the tests' in-process
    matcher); any thread, any event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expires: dict[str, float] = {}  # process -> time.monotonic() its stamp runs out
        self._orders: dict[str, dict[int, Recorded]] = {}
        self._reaped: set[str] = set()  # processes a reaper cancelled orders of

    async def stamp(self, process: str, ttl_ms: int) -> bool:
        with self._lock:
            self._expires[process] = time.monotonic() + ttl_ms / 1000
            if process in self._reaped:
                self._reaped.discard(process)
                return False
            return True

    async def record(self, process: str, orders: list[Recorded]) -> None:
        with self._lock:
            mine = self._orders.setdefault(process, {})
            for order in orders:
                mine[order.order_id] = order

    async def forget(self, process: str, order_ids: list[int]) -> None:
        with self._lock:
            mine = self._orders.get(process, {})
            for order_id in order_ids:
                mine.pop(order_id, None)
            if not mine:
                self._orders.pop(process, None)

    async def retire(self, process: str) -> bool:
        with self._lock:
            if self._orders.get(process):
                return False
            self._expires.pop(process, None)
            self._reaped.discard(process)
            return True

    async def dead(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            return sorted(process for process, at in self._expires.items() if at <= now)

    async def orders(self, process: str, shard: str) -> list[Recorded]:
        with self._lock:
            mine = self._orders.get(process, {})
            return [order for order in mine.values() if order.shard == shard]

    async def reaped(self, process: str, order_ids: list[int]) -> None:
        with self._lock:
            mine = self._orders.get(process, {})
            for order_id in order_ids:
                mine.pop(order_id, None)
            if order_ids:
                self._reaped.add(process)
            if not mine:
                self._orders.pop(process, None)
                self._expires.pop(process, None)


@cache
def disconnect_registry() -> DisconnectRegistry:
    """The registry settings.EXCHANGE_DISCONNECT_REGISTRY names, made once per process."""
    config = dict(settings.EXCHANGE_DISCONNECT_REGISTRY)
    backend = import_string(config.pop("BACKEND"))
    return backend(**config.pop("OPTIONS", {}), **config)


@receiver(setting_changed)
def _registry_setting_changed(setting: str, **kwargs) -> None:
    if setting == "EXCHANGE_DISCONNECT_REGISTRY":
        disconnect_registry.cache_clear()
