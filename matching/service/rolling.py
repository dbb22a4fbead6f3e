"""Rolling windows over the last minute: latency percentiles and counts per second, for
`GET /api/v1/performance` (Prometheus histograms, in `/metrics`, are cumulative instead).

Samples are kept per whole second in a ring of `seconds` slots, so recording is an append
and old seconds fall out as the clock moves on; a summary sorts what the window holds. A
second keeps at most `per_second_cap` samples (the count and the maximum stay exact beyond
it), which bounds memory whatever the load.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence

WINDOW_SECONDS = 60


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty list."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class LatencyWindow:
    """Durations (seconds) recorded over the last `seconds` seconds; summaries in µs."""

    def __init__(
        self, seconds: int = WINDOW_SECONDS, per_second_cap: int = 20_000, clock=time.monotonic
    ) -> None:
        self.seconds = seconds
        self.cap = per_second_cap
        self.clock = clock
        self._slots: list[tuple[int, list[float], list[int]]] = [
            (-1, [], [0]) for _ in range(seconds)
        ]
        self._max: list[float] = [0.0] * seconds
        self._lock = threading.Lock()  # the persister records from its own thread

    def _slot(self, second: int) -> int:
        index = second % self.seconds
        if self._slots[index][0] != second:
            self._slots[index] = (second, [], [0])
            self._max[index] = 0.0
        return index

    def record(self, duration: float) -> None:
        self.record_many((duration,))

    def record_many(self, durations: Sequence[float]) -> None:
        """Records each duration, all in the same second (a batch's: one look at the clock)."""
        if not durations:
            return
        with self._lock:
            index = self._slot(int(self.clock()))
            _, samples, count = self._slots[index]
            count[0] += len(durations)
            room = self.cap - len(samples)
            if room > 0:
                samples.extend(durations[:room])
            longest = max(durations)
            if longest > self._max[index]:
                self._max[index] = longest

    def summary(self) -> dict:
        """{count, per_second, p50, p95, p99, max} over the window; latencies in whole µs
        (None when nothing was recorded)."""
        with self._lock:
            oldest = int(self.clock()) - self.seconds + 1
            samples: list[float] = []
            count = 0
            longest = 0.0
            for index, (second, slot_samples, slot_count) in enumerate(self._slots):
                if second >= oldest:
                    samples.extend(slot_samples)
                    count += slot_count[0]
                    longest = max(longest, self._max[index])
        samples.sort()
        result = {"count": count, "per_second": round(count / self.seconds, 3)}
        for name, fraction in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
            result[name] = round(percentile(samples, fraction) * 1e6) if samples else None
        result["max"] = round(longest * 1e6) if count else None
        return result


class CountWindow:
    """Events counted per second over the last `seconds` seconds."""

    def __init__(self, seconds: int = WINDOW_SECONDS, clock=time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._counts: list[list[int]] = [[-1, 0] for _ in range(seconds)]

    def add(self, n: int = 1) -> None:
        second = int(self.clock())
        slot = self._counts[second % self.seconds]
        if slot[0] != second:
            slot[0], slot[1] = second, 0
        slot[1] += n

    def total(self) -> int:
        oldest = int(self.clock()) - self.seconds + 1
        return sum(count for second, count in self._counts if second >= oldest)

    def per_second(self) -> float:
        return round(self.total() / self.seconds, 3)
