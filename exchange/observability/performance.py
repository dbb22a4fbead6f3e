"""`GET /api/v1/performance`'s body: latency percentiles (µs) of order handling in the matcher
and end to end, and throughput, over the last minute.

`end_to_end` is this web process's (each daphne replica measures what it serves; in the
embedded exchange that is everything). `matcher` is the default shard's when it is the only
one; with several, counts and rates are summed and each percentile is the worst shard's.
"""

from __future__ import annotations

from exchange.observability.web_metrics import performance as end_to_end
from matching.service.rolling import WINDOW_SECONDS

PERCENTILES = ("p50", "p95", "p99", "max")


def _matcher_section(reports: dict[str, dict | None]) -> dict:
    answered = [report for report in reports.values() if report is not None]
    section: dict = {"up": len(answered) == len(reports) and bool(reports)}
    orders = [report["orders"] for report in answered]
    section["count"] = sum(summary["count"] for summary in orders)
    section["per_second"] = round(sum(summary["per_second"] for summary in orders), 3)
    for name in PERCENTILES:
        values = [summary[name] for summary in orders if summary[name] is not None]
        section[name] = max(values) if values else None
    section["commands_per_second"] = round(
        sum(report["commands_per_second"] for report in answered), 3
    )
    section["shards"] = [
        {"shard": shard, "up": report is not None, **(_shard_detail(report) if report else {})}
        for shard, report in reports.items()
    ]
    return section


def _shard_detail(report: dict) -> dict:
    return {
        **report["orders"],
        "commands_per_second": report["commands_per_second"],
        "persister": report["persister"],
        "resident_bytes": report["resident_bytes"],
    }


def performance_body(reports: dict[str, dict | None]) -> dict:
    matcher = _matcher_section(reports)
    edge = end_to_end()
    persisters = [report["persister"] for report in reports.values() if report is not None]
    return {
        "window_seconds": WINDOW_SECONDS,
        "unit": "us",
        "matcher": matcher,
        "end_to_end": edge,
        "throughput": {
            "orders_per_second": edge["per_second"],
            "matcher_orders_per_second": matcher["per_second"],
            "commands_per_second": matcher["commands_per_second"],
        },
        "persister": {
            "lag_commands": sum(p["lag_commands"] for p in persisters),
            "lag_seconds": max((p["lag_seconds"] for p in persisters), default=0.0),
            "max_delay_us": max((p["delay"]["max"] or 0 for p in persisters), default=0),
        },
    }
