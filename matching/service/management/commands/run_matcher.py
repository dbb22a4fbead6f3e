"""`manage.py run_matcher [--shard NAME]`: the matcher process of one shard (production)."""

from __future__ import annotations

import asyncio
import faulthandler
import fcntl
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from matching.gc_tuning import freeze_existing, tune_for_serving
from matching.service.matcher import Matcher, shard_dirs


def hold_shard_lock(data_dir: Path, shard: str):
    """Makes sure one matcher runs per shard. The kernel drops the lock when the process
    dies, `kill -9` included, so a restart never finds a stale lock in its way."""
    journal_dir, _ = shard_dirs(data_dir, shard)
    journal_dir.mkdir(parents=True, exist_ok=True)
    handle = open(journal_dir / ".lock", "w")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        raise CommandError(
            f"another matcher already runs shard {shard!r} ({journal_dir})"
        ) from error
    return handle


def new_matcher(shard: str) -> Matcher:
    return Matcher(
        data_dir=settings.EXCHANGE_DATA_DIR,
        shard=shard,
        fsync=settings.EXCHANGE_FSYNC,
        snapshot_every_trades=settings.EXCHANGE_SNAPSHOT_EVERY_TRADES,
        snapshot_every_seconds=settings.EXCHANGE_SNAPSHOT_EVERY_SECONDS,
        snapshot_min_seconds=settings.EXCHANGE_SNAPSHOT_MIN_SECONDS,
        # never within a request's deadline: see matching/client_id_retention.py
        client_id_hold_seconds=max(
            settings.EXCHANGE_CLIENT_ID_HOLD_SECONDS,
            2 * settings.EXCHANGE_MATCHER_TIMEOUT_MS / 1000,
        ),
        persist_gather_seconds=settings.EXCHANGE_PERSIST_GATHER_MS / 1000,
        persist_max_lag_seconds=settings.EXCHANGE_PERSIST_MAX_LAG_SECONDS,
        persist_max_queue=settings.EXCHANGE_PERSIST_MAX_QUEUE,
        journal_archive_dir=settings.EXCHANGE_JOURNAL_ARCHIVE_DIR or None,
    )


SWITCH_INTERVAL = 0.0005


def matcher_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """The event loop factory settings.EXCHANGE_MATCHER_LOOP names."""
    return import_string(settings.EXCHANGE_MATCHER_LOOP)


class Command(BaseCommand):
    help = "Runs the matcher of one shard: the books, the journal and the persister."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--shard", default="", help="the shard's name (default: none)")

    def handle(self, *args, shard: str, **options) -> None:
        # `kill -USR1 PID` prints every thread's stack: how an operator sees where it hangs
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        lock = hold_shard_lock(settings.EXCHANGE_DATA_DIR, shard)
        # The persister thread is busy under load; with the default 5 ms switch interval the
        # event loop waited up to that long for the GIL after each Redis reply or fsync.
        sys.setswitchinterval(SWITCH_INTERVAL)
        tune_for_serving()
        try:
            with asyncio.Runner(loop_factory=matcher_loop_factory()) as runner:
                runner.run(self._run(new_matcher(shard)))
        finally:
            lock.close()

    async def _run(self, matcher: Matcher) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, matcher.stop)
        runner = asyncio.create_task(matcher.run())
        ready = asyncio.create_task(matcher.ready.wait())
        await asyncio.wait({runner, ready}, return_when=asyncio.FIRST_COMPLETED)
        if matcher.ready.is_set():
            freeze_existing()
            self.stdout.write(
                f"matcher {matcher.shard or '(default)'} on channel {matcher.channel!r} "
                f"at seq {matcher.engine.seq}"
            )
            self.stdout.flush()
        ready.cancel()
        await runner
