"""Keeping Python's cyclic garbage collector off the matching hot path: paused for a replay,
and, in the server processes (the matcher, the web process), run less often and kept off
what lives for the whole process.

The core makes no reference cycles that outlive a command (an order leaving the book is
unlinked from its level and neighbours), so reference counting frees everything and the
cyclic collector only costs time: with the default thresholds it rescans the growing set of
live orders and events over and over (about a third of replay time on the standard mix).
`tests/matching/test_properties.py` checks that the core leaves no cycles behind.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Runs the block with the cyclic collector off, then collects once and restores it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


# A serving process's thresholds: a young collection every 10,000 allocations, not 700.
# With the defaults the collector ran every few commands in the matcher, and its full
# collections (about 70 ms each on this project's machine, more as the book grows) came every
# half second: a sixth of the matcher's time fed over Redis, and 4 % of the web process's
# under socket load, with the same pauses (README "Performance").
SERVING_THRESHOLDS = (10_000, 10, 10)


def tune_for_serving() -> None:
    """Sets the collector's thresholds for a long-running server process."""
    gc.set_threshold(*SERVING_THRESHOLDS)


def freeze_existing() -> None:
    """Leaves what exists now out of every later collection (`gc.freeze`): called once the
    long-lived part of a process is built (the matcher's recovered engine, the web process's
    modules and Django's registries). It is still freed when its last reference goes; only
    a reference cycle among it would never be (the core makes none)."""
    gc.collect()
    gc.freeze()
