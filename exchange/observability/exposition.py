"""`GET /metrics`: this process's series (prometheus-client's default registry: end-to-end
order latency, WebSocket connections and slow consumers, process and GC) followed by every
matcher's (order latency in the matcher, commands, journal fsync and batch size, channel
layer queue depth, persister lag), and `exchange_matcher_up` per shard.

Prometheus scrapes any one web process and sees the matchers too; each matcher can also be
scraped directly (`run_matcher --metrics-port`). Keep this path off the public internet at
the load balancer, as is usual for `/metrics`.
"""

from __future__ import annotations

from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from exchange.observability.matcher_reports import matcher_reports


class _MatcherCollector:
    """The matchers' expositions, merged family by family (shards differ by label)."""

    def __init__(self, reports: dict[str, dict | None]) -> None:
        self.reports = reports

    def collect(self):
        up = GaugeMetricFamily(
            "exchange_matcher_up", "1 if the shard's matcher answered this scrape", labels=["shard"]
        )
        families: dict[str, object] = {}
        for shard, report in self.reports.items():
            up.add_metric([shard], 0 if report is None else 1)
            if report is None:
                continue
            for family in text_string_to_metric_families(report["prometheus"]):
                if family.name in families:
                    families[family.name].samples.extend(family.samples)
                else:
                    families[family.name] = family
        yield up
        yield from families.values()


async def metrics_view(request) -> HttpResponse:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_MatcherCollector(await matcher_reports()))
    body = generate_latest(REGISTRY) + generate_latest(registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
