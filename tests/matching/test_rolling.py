"""The one-minute windows behind GET /api/v1/performance: nearest-rank percentiles in µs,
old seconds falling out, and a bounded sample store that keeps count and max exact."""

from __future__ import annotations

from matching.service.rolling import CountWindow, LatencyWindow, percentile
from tests.clock import Clock


def test_percentiles_are_nearest_rank() -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert [percentile(ordered, f) for f in (0.5, 0.95, 0.99, 1.0)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([7.0], 0.99) == 7.0


def test_a_summary_is_in_whole_microseconds() -> None:
    window = LatencyWindow(clock=Clock(1000.0))
    for micros in range(1, 1001):
        window.record(micros / 1e6)

    assert window.summary() == {
        "count": 1000, "per_second": round(1000 / 60, 3),
        "p50": 500, "p95": 950, "p99": 990, "max": 1000,
    }  # fmt: skip


def test_an_empty_window_has_no_percentiles() -> None:
    summary = LatencyWindow(clock=Clock(1000.0)).summary()
    assert summary == {"count": 0, "per_second": 0.0, "p50": None, "p95": None, "p99": None,
                       "max": None}  # fmt: skip


def test_seconds_older_than_the_window_fall_out() -> None:
    clock = Clock(1000.0)
    window = LatencyWindow(seconds=60, clock=clock)
    window.record(0.5)
    clock.now += 30
    window.record(0.001)
    assert (window.summary()["count"], window.summary()["max"]) == (2, 500_000)

    clock.now += 31  # the first second is now 61 s old

    assert window.summary() | {"per_second": None} == {
        "count": 1, "per_second": None, "p50": 1000, "p95": 1000, "p99": 1000, "max": 1000,
    }  # fmt: skip


def test_a_slot_reused_after_a_full_turn_starts_empty() -> None:
    clock = Clock(1000.0)
    window = LatencyWindow(seconds=60, clock=clock)
    window.record(0.2)
    clock.now += 120  # the same slot, two turns later

    window.record(0.1)

    assert (window.summary()["count"], window.summary()["max"]) == (1, 100_000)


def test_past_the_cap_count_and_max_stay_exact() -> None:
    window = LatencyWindow(per_second_cap=10, clock=Clock(1000.0))
    for _ in range(50):
        window.record(0.001)
    window.record(0.9)  # beyond the cap: not sampled, but the max

    summary = window.summary()

    assert (summary["count"], summary["max"], summary["p99"]) == (51, 900_000, 1000)


def test_recording_many_at_once_is_recording_each() -> None:
    durations = [micros / 1e6 for micros in (300, 5, 70_000, 9, 1200, 44)]
    each, many = LatencyWindow(clock=Clock(1000.0)), LatencyWindow(clock=Clock(1000.0))
    for duration in durations:
        each.record(duration)

    many.record_many(durations)
    many.record_many([])

    assert many.summary() == each.summary()
    assert many.summary()["max"] == 70_000


def test_recording_many_past_the_cap_keeps_count_and_max_exact() -> None:
    window = LatencyWindow(per_second_cap=10, clock=Clock(1000.0))
    window.record_many([0.001] * 8)
    window.record_many([0.001] * 5 + [0.9])  # two of these sampled; the max is beyond

    summary = window.summary()

    assert (summary["count"], summary["max"], summary["p99"]) == (14, 900_000, 1000)


def test_counts_per_second_over_the_window() -> None:
    clock = Clock(1000.0)
    counts = CountWindow(seconds=60, clock=clock)
    counts.add(600)
    clock.now += 1
    counts.add(600)
    assert (counts.total(), counts.per_second()) == (1200, 20.0)

    clock.now += 59.5

    assert counts.total() == 600
