"""Keeping Python's cyclic garbage collector off the matching hot path.

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
