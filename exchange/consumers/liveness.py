"""This web process's side of cancel on disconnect when it dies (API.md, "Order control").

While the process has a cancel-on-disconnect socket (or is still cancelling a closed one's
orders), it stamps itself alive in the disconnect registry (exchange/services/
disconnect_registry.py) every quarter of EXCHANGE_WS_LIVENESS_TTL_MS, each stamp good for
the whole TTL, and records there each order such a socket placed; a socket that closes
cancels its orders and forgets them. If the process dies (SIGKILL, a lost host), its stamp
runs out and each matcher's reaper cancels the recorded orders of its shard (matching/
service/disconnect_reaper.py): within the TTL and a second.

Each stamping run (from its first such socket to when it has none) stamps under an id of
its own: host, pid, a random token and the run's number. A run that ends with orders still
recorded (cancels the matcher did not answer) leaves its stamp to run out, so that the
reaper cancels them. A process that was taken for dead (its loop stalled past the TTL) hears
so at its next stamp and closes its cancel-on-disconnect sockets: their orders were
cancelled under them.

The per-order cost on the socket: a dict lookup for the market's shard (cached by
exchange/services/orders.py), after the answer went out; the orders of one loop turn are
recorded in one Redis call.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable

from django.conf import settings

from exchange.errors import UnknownSymbol
from exchange.services.cancel_on_disconnect import orders_cancel_on_disconnect
from exchange.services.disconnect_registry import Recorded, disconnect_registry
from exchange.services.orders import market_of

log = logging.getLogger(__name__)

TakenForDead = Callable[[], Awaitable[None]]


class Liveness:
    """The stamping and the records of this web process (one event loop: daphne's)."""

    def __init__(self) -> None:
        self.sockets: dict[object, TakenForDead] = {}  # the cancel-on-disconnect sockets
        self.closing = 0  # closed sockets whose orders are being cancelled
        self.process: str | None = None  # the id of the running stamping run
        self._runs = itertools.count(1)
        self._stamping: asyncio.Task | None = None
        self._queued: list[tuple[str, Recorded]] = []
        self._recording: asyncio.Task | None = None

    def _active(self) -> bool:
        return bool(self.sockets) or self.closing > 0

    def join(self, key: object, taken_for_dead: TakenForDead) -> None:
        """The socket `key` asked for cancel on disconnect: the process stamps while it is
        open; `taken_for_dead` closes it if the process was taken for dead."""
        self.sockets[key] = taken_for_dead
        if self._stamping is None:
            token = secrets.token_hex(4)
            self.process = f"{socket.gethostname()}-{os.getpid()}-{token}-{next(self._runs)}"
            self._stamping = asyncio.ensure_future(self._keep_stamping(self.process))
            self._stamping.add_done_callback(_log_failure)

    async def record(self, *, user_id: int, orders: list[tuple[int, str]]) -> None:
        """Records `orders` ((order id, symbol) each) of a socket that joined: in the
        registry with the next turn of the loop, one call for all the turn's orders."""
        process = self.process
        if process is None:
            return
        for order_id, symbol in orders:
            try:
                shard = (await market_of(symbol)).shard
            except UnknownSymbol:  # the market is gone, and its orders with it
                continue
            except Exception as error:  # noqa: BLE001 - the database away: the close cancels it
                log.warning("cancel on disconnect: order %s not recorded: %r", order_id, error)
                continue
            self._queued.append((process, Recorded(order_id, user_id, shard)))
        if self._queued and self._recording is None:
            self._recording = asyncio.ensure_future(self._record_queued())
            self._recording.add_done_callback(_log_failure)

    async def leave(self, key: object, *, forget: list[int]) -> None:
        """The socket `key` no longer wants its orders cancelled (it said so): `forget`
        leaves the records."""
        self.sockets.pop(key, None)
        await self._forget(self.process, forget)

    async def forget(self, order_ids: list[int]) -> None:
        """A socket that stays no longer answers for `order_ids` (it forgot them)."""
        await self._forget(self.process, order_ids)

    async def closed(self, key: object, *, user_id: int | None, order_ids: list[int]) -> None:
        """The socket `key` closed: its orders are cancelled, and forgotten once the matcher
        answered for them (those it did not are left for the reaper)."""
        process = self.process
        self.closing += 1
        self.sockets.pop(key, None)
        try:
            if user_id is not None and order_ids:
                outcome = await orders_cancel_on_disconnect(user_id=user_id, order_ids=order_ids)
                unanswered = set(outcome.unanswered)
                await self._forget(process, [i for i in order_ids if i not in unanswered])
        finally:
            self.closing -= 1

    async def _forget(self, process: str | None, order_ids: list[int]) -> None:
        if process is None or not order_ids:
            return
        try:
            await disconnect_registry().forget(process, order_ids)
        except Exception as error:  # noqa: BLE001 - the records then go with the reaper
            log.warning("cancel on disconnect: forgetting %s orders failed: %r",
                        len(order_ids), error)  # fmt: skip

    async def _record_queued(self) -> None:
        registry = disconnect_registry()
        try:
            while self._queued:
                queued, self._queued = self._queued, []
                by_process: dict[str, list[Recorded]] = {}
                for process, recorded in queued:
                    by_process.setdefault(process, []).append(recorded)
                for process, orders in by_process.items():
                    try:
                        await registry.record(process, orders)
                    except Exception as error:  # noqa: BLE001 - the socket's close cancels them
                        log.warning("cancel on disconnect: recording %s orders failed: %r",
                                    len(orders), error)  # fmt: skip
        finally:
            self._recording = None

    async def _keep_stamping(self, process: str) -> None:
        while True:
            registry = disconnect_registry()
            ttl_ms = settings.EXCHANGE_WS_LIVENESS_TTL_MS
            if not self._active():
                try:
                    await registry.retire(process)
                except Exception as error:  # noqa: BLE001 - the stamp runs out by itself
                    log.warning("cancel on disconnect: retiring %s failed: %r", process, error)
                if not self._active():  # no socket joined meanwhile
                    self._stamping = self.process = None
                    return
            try:
                alive = await registry.stamp(process, ttl_ms)
            except Exception as error:  # noqa: BLE001 - the next one may do; logged
                log.warning("cancel on disconnect: the liveness stamp failed: %r", error)
            else:
                if not alive:
                    self._taken_for_dead()
            await asyncio.sleep(ttl_ms / 4000)

    def _taken_for_dead(self) -> None:
        log.error("cancel on disconnect: this process was taken for dead (no stamp for "
                  "%s ms) and its sockets' orders cancelled; closing those sockets",
                  settings.EXCHANGE_WS_LIVENESS_TTL_MS)  # fmt: skip
        for taken_for_dead in list(self.sockets.values()):
            task = asyncio.ensure_future(taken_for_dead())
            task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("cancel on disconnect: a task failed", exc_info=task.exception())


LIVENESS = Liveness()
