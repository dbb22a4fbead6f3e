"""`GET /metrics`: this process's series (prometheus-client's default registry: end-to-end
order latency, WebSocket connections and slow consumers, process and GC) followed by every
matcher's (order latency in the matcher, commands, journal fsync and batch size, channel
layer queue depth, persister lag), and `exchange_matcher_up` per shard.

Prometheus scrapes any one web process and sees the matchers too; each matcher can also be
scraped directly (`run_matcher --metrics-port`). Only clients whose address is in
EXCHANGE_METRICS_ALLOW (networks; loopback by default) are answered, others get 403: each
scrape asks every matcher for its report. The address is the client address of
exchange/client_address.py, as for the rate limits: the peer, or behind a proxy listed in
EXCHANGE_TRUSTED_PROXIES the client it forwards (so a proxy on loopback does not open the
metrics to everyone it serves).
"""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from exchange.client_address import client_address
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


def allowed(address: str) -> bool:
    """Whether a client at `address` may read the metrics."""
    try:
        client = ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in settings.EXCHANGE_METRICS_ALLOW)


async def metrics_view(request) -> HttpResponse:
    if not allowed(client_address(request)):
        return HttpResponseForbidden("/metrics is not served to this address.\n")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_MatcherCollector(await matcher_reports()))
    body = generate_latest(REGISTRY) + generate_latest(registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
