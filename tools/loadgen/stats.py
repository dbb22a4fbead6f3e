"""What a run measured: client-side latencies per kind of request, and outcome counts.

Latencies are kept as they come (floats, seconds) and summarised at the end by the
nearest-rank percentile, reported in milliseconds.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

PLACE, CANCEL = "place", "cancel"
OK_STATUS = {PLACE: 201, CANCEL: 200}
TIMEOUT, CONNECTION_ERROR = "timeout", "connection_error"


def percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank `p`th percentile (0 < p <= 100) of an ascending, non-empty list."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(latencies: list[float]) -> dict:
    """`{"p50", "p95", "p99", "max", "count"}` of latencies in seconds, in milliseconds."""
    if not latencies:
        return {"p50": None, "p95": None, "p99": None, "max": None, "count": 0}
    ordered = sorted(latencies)
    figures = {f"p{p}": round(percentile(ordered, p) * 1000, 3) for p in (50, 95, 99)}
    return {**figures, "max": round(ordered[-1] * 1000, 3), "count": len(ordered)}


@dataclass
class Answer:
    """One request's outcome: the HTTP (or socket response) status and body, or an error
    (`timeout`, `connection_error`) when no answer came; `latency` in seconds."""

    status: int | None
    body: object
    latency: float
    error: str | None = None

    @property
    def code(self) -> str | None:
        """The error envelope's code (`rate_limited`, `order_not_found`, ...), if any."""
        if self.error:
            return self.error
        body = self.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("code")
        if self.status is not None and self.status >= 500:
            return f"http_{self.status}"
        return None


@dataclass
class Recorder:
    """Counts and latencies of the requests of a run (asyncio: no locking needed)."""

    sent: Counter = field(default_factory=Counter)
    ok: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    skipped: int = 0  # open loop: orders not sent because a client had too many in flight
    latencies: dict[str, list[float]] = field(default_factory=lambda: {PLACE: [], CANCEL: []})

    def record(self, kind: str, answer: Answer) -> None:
        self.sent[kind] += 1
        if answer.status is not None:
            self.statuses[answer.status] += 1
            self.latencies[kind].append(answer.latency)  # answered: a latency to keep
            if answer.status == OK_STATUS[kind]:
                self.ok[kind] += 1
                return
        code = answer.code
        self.errors[code or f"http_{answer.status}"] += 1

    def report(self, elapsed: float) -> dict:
        """The figures of the report line (without run settings, RSS or verification)."""
        per_second = (lambda n: round(n / elapsed, 1)) if elapsed > 0 else (lambda n: None)
        answered = sum(self.statuses.values())
        everything = self.latencies[PLACE] + self.latencies[CANCEL]
        return {
            "orders": {
                "sent": self.sent[PLACE],
                "ok": self.ok[PLACE],
                "per_second": per_second(self.ok[PLACE]),
                "skipped": self.skipped,
            },
            "cancels": {
                "sent": self.sent[CANCEL],
                "ok": self.ok[CANCEL],
                "per_second": per_second(self.ok[CANCEL]),
            },
            "requests_per_second": per_second(answered),
            "latency_ms": {
                PLACE: summary_ms(self.latencies[PLACE]),
                CANCEL: summary_ms(self.latencies[CANCEL]),
                "all": summary_ms(everything),
            },
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "errors": dict(sorted(self.errors.items())),
        }
