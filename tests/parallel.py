"""How the suite runs on two pytest-xdist workers (pyproject.toml's addopts). A plugin, loaded
with `-p tests.parallel` so that it runs before pytest-django reads the settings.

Each worker gets a Redis database of its own. The production pass (REDIS_URL set) keeps the
channel layer, the cache and the matcher's transport in one Redis database, and its tests
flush it (`cache.clear()`) and read its keys: two workers on one database would cut each
other's matchers off. Worker gwN uses database base + N of the same server instead
(redis://host:6379/5 gives gw0 5, gw1 6), set in the environment, so that the settings and
every process a test starts (run_matcher, daphne) agree. Each worker's PostgreSQL test
database is its own already (pytest-django suffixes its name), as is its SQLite file
(tests/conftest.py) and its temporary directory.

Whole files go to one worker (--dist loadfile), with two changes (`Scheduling`). A test
marked `alone` runs with no other worker's test beside it (`pytest_runtest_protocol`). And
the run's processes keep their bytecode (below)."""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REDIS_DATABASES = 16  # Redis's default `databases`

# Directories whose files share what a worker makes once for the session, handed out as one:
# the WebSocket tests' embedded exchange (tests/ws/conftest.py: a runexchange process).
SHARED = ("tests/ws/",)
# The longest-running of those units and files, handed out first (the rest go by number of
# tests, xdist's order): a worker takes another when it has two tests or fewer left, so one
# of these taken last would keep the run going long after the other worker ran out.
FIRST = (
    "tests/faults/test_faults.py",  # minutes in the production pass, skipped in the other
    "tests/ws/",
    "tests/page/test_trading_page.py",
    "tests/matching/test_crash_recovery.py",
    "tests/api/test_schema_conformance.py",
    "tests/api/test_fast_orders.py",  # minutes in the production pass
    "tests/matching/test_quote_quantity_properties.py",
    "tests/exchange/test_embedded_rest.py",
    "tests/matching/test_recovery.py",
    "tests/matching/test_differential.py",
    "tests/matching/test_workloads.py",
    "tests/api/test_order_place.py",
    "tests/exchange/test_matcher_crash.py",  # production pass only
)


def worker_redis_url(url: str, worker: str) -> str:
    """`url` moved to database base + N for xdist worker "gwN"."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or parts.query:
        raise ValueError(f"cannot give each xdist worker a database of {url!r}; run with -n 0")
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    if database >= REDIS_DATABASES:
        raise ValueError(f"{url!r} leaves worker {worker} no Redis database; run with -n 0")
    return urlunsplit(parts._replace(path=f"/{database}"))


# Bytecode. This machine's environment sets PYTHONDONTWRITEBYTECODE=1, so every Python
# process of a run (each xdist worker, each manage.py or `python -m matching` a test starts)
# compiled, and pytest assertion-rewrote, each module of the checkout and each test module
# afresh: seconds of CPU a worker before its first test. The run's processes write their
# bytecode as Python does by default, in the __pycache__ folders that .gitignore leaves out.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    sys.dont_write_bytecode = False

_worker = os.environ.get("PYTEST_XDIST_WORKER")  # set in xdist's workers only
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], _worker)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile as `Scheduling` hands it out; other --dist modes as xdist does."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            directory = nodeid.rpartition("/")[0] + "/"
            return directory if directory in SHARED else super()._split_scope(nodeid)

        def _assign_work_unit(self, node) -> None:
            first = next((scope for scope in FIRST if scope in self.workqueue), None)
            if first is not None:
                self.workqueue.move_to_end(first, last=False)  # popped next
            super()._assign_work_unit(node)

    return Scheduling(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Each test (setup, call and teardown) holds a lock of the run's, shared, or alone for a
    test marked `alone`: one that bounds the wall time of CPU-heavy work (Django processes
    starting) waits for the other worker's test to end, and keeps it from starting another,
    so that it runs as it does with -n 0. Waiting for it, the other tests pass through a gate
    it closes, or they could keep the lock shared for ever."""
    if not _worker:
        return (yield)
    alone = item.get_closest_marker("alone") is not None
    shared = Path(item.config.option.basetemp).parent  # xdist gives worker gwN <that>/popen-gwN
    with open(shared / "gate.lock", "a") as gate, open(shared / "tests.lock", "a") as tests:
        fcntl.flock(gate, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        fcntl.flock(tests, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(gate, fcntl.LOCK_UN)
        return (yield)  # both locks end with their files
