"""The in-memory sliding window behind the rate limits: at most N requests in any window,
refused requests not counted, and the wait until the next one is allowed."""

from __future__ import annotations

from exchange.api.rate_window import SlidingWindow
from tests.clock import Clock


def test_n_requests_pass_and_the_next_waits_for_the_oldest_to_leave() -> None:
    clock = Clock()
    window = SlidingWindow(clock)
    assert [window.check("k", 3, 1.0) for _ in range(3)] == [None, None, None]
    clock.now += 0.25

    assert window.check("k", 3, 1.0) == 0.75
    clock.now += 0.75
    assert window.check("k", 3, 1.0) is None


def test_refused_requests_do_not_count() -> None:
    clock = Clock()
    window = SlidingWindow(clock)
    window.check("k", 1, 1.0)
    for _ in range(50):
        assert window.check("k", 1, 1.0) is not None

    clock.now += 1.0

    assert window.check("k", 1, 1.0) is None


def test_keys_are_counted_apart() -> None:
    window = SlidingWindow(Clock())
    window.check("a", 1, 1.0)

    assert window.check("a", 1, 1.0) is not None
    assert window.check("b", 1, 1.0) is None
