"""The real matcher (matching/service/matcher.py) in the test process: on an event loop of its
own, in a thread of its own, over the in-memory transport. Callers reach it as in the
embedded exchange, through the transport, from any thread and loop (Django's test client
runs async views on loops of async_to_sync's); its persister writes the test database from
its own thread, so the tests that use it commit (django_db(transaction=True)) and the
SQLite test database is a file (tests/conftest.py)."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path

from asgiref.sync import async_to_sync
from django.db import connection, connections
from django.test import override_settings

from matching.service.management.commands.run_matcher import new_matcher
from matching.service.transport import get_transport

START_SECONDS = 60


class MatcherThread:
    """A started matcher of the default shard, keeping its journal and snapshots under
    `data_dir`; `settings` override the Django settings it is made from (run_matcher's)."""

    def __init__(self, data_dir: Path, **settings: object) -> None:
        async_to_sync(get_transport().flush)()  # no command left over from another test
        with override_settings(EXCHANGE_DATA_DIR=data_dir, **settings):
            self.matcher = new_matcher("")
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="matcher", daemon=True)
        # recovery ends with a full collection: keep it from rescanning the test process
        # (and leave frozen what a test froze already)
        frozen_already = gc.get_freeze_count() > 0
        gc.freeze()
        try:
            self._thread.start()
            deadline = time.monotonic() + START_SECONDS
            while not self._ready.wait(0.01):
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"the matcher did not start: {self.error!r}")
        finally:
            if not frozen_already:
                gc.unfreeze()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:  # noqa: BLE001 - kept for the test to see
            self.error = error
        finally:
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()
            connections.close_all()

    async def _serve(self) -> None:
        running = asyncio.ensure_future(self.matcher.run())
        ready = asyncio.ensure_future(self.matcher.ready.wait())
        await asyncio.wait({running, ready}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            self._ready.set()
        ready.cancel()
        await running

    def terminate(self, timeout: float = 60) -> int:
        """Stops the matcher as SIGTERM stops `run_matcher` (it finishes its batch, fsyncs,
        snapshots and stops its persister); 0 if it stopped cleanly."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.matcher.stop)
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise AssertionError(f"the matcher did not stop within {timeout} s")
            if connection.vendor != "sqlite":
                # its worker threads' connections close once collected (they hold cycles),
                # and PostgreSQL drops no test database that still has sessions
                gc.collect()
        return 0 if self.error is None else 1

    def stop(self) -> None:
        self.terminate()
