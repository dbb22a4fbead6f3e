"""The matcher's own metrics: Prometheus series in a registry of its own (so several matchers,
or a matcher beside daphne in the embedded exchange, never collide), and rolling one-minute
windows for `GET /api/v1/performance`.

Every series carries the shard's name. The web processes fetch these with the `metrics`
control command and serve them in `/metrics` beside their own; `run_matcher
--metrics-port` also serves them directly.
"""

from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from matching.service.loop_histogram import LoopHistogram
from matching.service.rolling import CountWindow, LatencyWindow

# seconds: 50 µs to 10 s, about three steps a decade
LATENCY_BUCKETS = (
    0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
    1.0, 2.0, 5.0, 10.0,
)  # fmt: skip
FSYNC_BUCKETS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
ORDER_OPS = ("new", "cancel")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """This process's resident set size, from /proc (0 where there is none)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES
    except OSError:
        return 0


class MatcherMetrics:
    def __init__(self, shard: str) -> None:
        self.shard = shard
        self.registry = CollectorRegistry()
        labels, registry = ["shard"], self.registry

        def labelled(metric):
            return metric.labels(shard=shard)

        self.order_seconds = LoopHistogram(
            "exchange_matcher_order_seconds",
            "Order handling in the matcher: from reading an order command off the channel "
            "layer to sending its reply (engine, journal fsync, publishing)",
            labels + ["op"],
            [(shard, op) for op in ORDER_OPS],
            LATENCY_BUCKETS,
            registry,
        )
        self._order_children = {op: (shard, op) for op in ORDER_OPS}
        self.commands = labelled(
            Counter("exchange_matcher_commands", "Commands processed", labels, registry=registry)
        )
        self.dropped_late = labelled(
            Counter(
                "exchange_matcher_dropped_late",
                "Commands read after their deadline, dropped unexecuted",
                labels,
                registry=registry,
            )
        )
        self.journal_errors = labelled(
            Counter(
                "exchange_journal_write_errors",
                "Journal commits that failed (a full disk) and were retried",
                labels,
                registry=registry,
            )
        )
        self.fsync_seconds = labelled(
            Histogram(
                "exchange_journal_fsync_seconds",
                "Time of one journal fsync",
                labels,
                buckets=FSYNC_BUCKETS,
                registry=registry,
            )
        )
        self.batch_records = labelled(
            Histogram(
                "exchange_journal_batch_records",
                "Journal records written per batch (one write, one fsync under `always`)",
                labels,
                buckets=BATCH_BUCKETS,
                registry=registry,
            )
        )
        self.last_seq = labelled(
            Gauge("exchange_matcher_last_seq", "The engine's sequence number", labels,
                  registry=registry)
        )  # fmt: skip
        self.persister_lag_commands = labelled(
            Gauge(
                "exchange_persister_lag_commands",
                "Commands journaled but not yet written to the database",
                labels,
                registry=registry,
            )
        )
        self.persister_lag_seconds = labelled(
            Gauge(
                "exchange_persister_lag_seconds",
                "How long the oldest command not yet in the database has waited",
                labels,
                registry=registry,
            )
        )
        self.persister_stuck = labelled(
            Gauge(
                "exchange_persister_stuck",
                "1 while the database refuses a command, however often it is tried: "
                "persistence stops there (MatcherState.persist_error says which)",
                labels,
                registry=registry,
            )
        )
        self.queue_depth = Gauge(
            "exchange_channel_layer_queue_depth",
            "Messages waiting: in the matcher's channel-layer channel, and in its inbox",
            labels + ["queue"],
            registry=registry,
        )
        self.resident_bytes = labelled(
            Gauge(
                "exchange_matcher_resident_memory_bytes",
                "Resident memory of the matcher's process",
                labels,
                registry=registry,
            )
        )
        self.resident_bytes.set_function(resident_bytes)
        for queue in ("channel", "inbox"):
            self.queue_depth.labels(shard, queue).set(0)
        # one-minute windows for /api/v1/performance
        self.order_window = LatencyWindow()
        self.command_window = CountWindow()

    # ---- recording ----------------------------------------------------------------------

    def batch_done(self, commands: int, orders: list[tuple[str, float]]) -> None:
        """A batch answered: `commands` processed, and each order command's (op, seconds).
        Called on the matcher's loop, which also answers `report` (`LoopHistogram`)."""
        if commands:
            self.commands.inc(commands)
            self.command_window.add(commands)
        children = self._order_children
        self.order_seconds.observe_many([(children[op], seconds) for op, seconds in orders])
        self.order_window.record_many([seconds for _, seconds in orders])

    def watch(self, persister, seq: int, channel_depth: int | None, inbox_depth: int) -> None:
        """The gauges, sampled by the matcher's housekeeping."""
        self.last_seq.set(seq)
        self.persister_lag_commands.set(persister.lag())
        self.persister_lag_seconds.set(persister.lag_seconds())
        self.persister_stuck.set(1 if persister.stuck else 0)
        if channel_depth is not None:
            self.queue_depth.labels(self.shard, "channel").set(channel_depth)
        self.queue_depth.labels(self.shard, "inbox").set(inbox_depth)

    # ---- reporting ----------------------------------------------------------------------

    def report(self, persister) -> dict:
        """The `metrics` control command's answer: one-minute summaries and the exposition."""
        return {
            "kind": "metrics",
            "shard": self.shard,
            "window_seconds": self.order_window.seconds,
            "orders": self.order_window.summary(),
            "commands_per_second": self.command_window.per_second(),
            "persister": {
                "lag_commands": persister.lag(),
                "lag_seconds": round(persister.lag_seconds(), 6),
                "delay": persister.delays.summary(),
            },
            "resident_bytes": resident_bytes(),
            "at": time.time(),
            "prometheus": generate_latest(self.registry).decode(),
        }
