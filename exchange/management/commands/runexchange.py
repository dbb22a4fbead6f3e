"""`manage.py runexchange [--port P]`: the whole exchange in one process (the embedded default).

Daphne serves HTTP (static files too) and WebSocket; the matcher of each shard and the
periodic jobs run as tasks on daphne's own event loop, so the in-memory channel layer
connects them all. SIGINT or SIGTERM stops daphne and lets each matcher finish its batch,
fsync and snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from daphne.server import Server  # installs the asyncio reactor: imported before twisted's
from django.conf import settings
from django.core.management.base import BaseCommand
from twisted.internet import defer, reactor

from exchange.asgi import application
from exchange.models import Market
from matching.service.management.commands.run_matcher import hold_shard_lock, new_matcher
from matching.service.periodic import run_embedded

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Runs daphne, the matcher(s) and the periodic jobs in one process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port: int, host: str, **options) -> None:
        shards = sorted({""} | set(Market.objects.values_list("shard", flat=True)))
        locks = [hold_shard_lock(settings.EXCHANGE_DATA_DIR, shard) for shard in shards]
        matchers = [new_matcher(shard) for shard in shards]
        tasks: list[asyncio.Future] = []
        failed = []

        def on_matcher_done(task: asyncio.Future) -> None:
            if not task.cancelled() and task.exception() is not None:
                log.error("a matcher stopped: %r", task.exception())
                failed.append(task.exception())
                if reactor.running:
                    reactor.stop()

        def start() -> None:
            for matcher in matchers:
                task = asyncio.ensure_future(matcher.run())
                task.add_done_callback(on_matcher_done)
                tasks.append(task)
            tasks.append(asyncio.ensure_future(run_embedded(shards)))
            self.stdout.write(f"Exchange at http://{host}:{port}/")
            self.stdout.flush()

        def before_shutdown():
            for matcher in matchers:
                matcher.stop()
            tasks[-1].cancel()  # the periodic jobs
            return defer.Deferred.fromFuture(
                asyncio.ensure_future(asyncio.gather(*tasks, return_exceptions=True))
            )

        reactor.callWhenRunning(start)
        reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)
        server = Server(
            application=application,  # static files too: exchange/asgi.py
            endpoints=[f"tcp:port={port}:interface={host}"],
            signal_handlers=True,
            verbosity=options.get("verbosity", 1),
        )
        try:
            server.run()
        finally:
            for lock in locks:
                lock.close()
        if failed:
            sys.exit(1)
