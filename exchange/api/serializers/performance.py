"""The schema of `GET /api/v1/performance` (exchange/observability/performance.py)."""

from rest_framework import serializers


def _micros(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(allow_null=True, help_text=help_text + " (µs; null: none)")


class LatencySerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Orders handled in the window")
    per_second = serializers.FloatField(help_text="count / window_seconds")
    p50 = _micros("Median")
    p95 = _micros("95th percentile")
    p99 = _micros("99th percentile")
    max = _micros("Slowest")


class EndToEndSerializer(LatencySerializer):
    rest = LatencySerializer()
    websocket = LatencySerializer()


class PersisterLagSerializer(serializers.Serializer):
    lag_commands = serializers.IntegerField()
    lag_seconds = serializers.FloatField()
    delay = LatencySerializer(help_text="How long each written batch's oldest command waited")


class ShardSerializer(serializers.Serializer):
    shard = serializers.CharField(allow_blank=True)
    up = serializers.BooleanField()
    count = serializers.IntegerField(required=False)
    per_second = serializers.FloatField(required=False)
    p50 = _micros("Median")
    p95 = _micros("95th percentile")
    p99 = _micros("99th percentile")
    max = _micros("Slowest")
    commands_per_second = serializers.FloatField(required=False)
    persister = PersisterLagSerializer(required=False)
    resident_bytes = serializers.IntegerField(required=False)


class MatcherSerializer(LatencySerializer):
    up = serializers.BooleanField(help_text="Every shard's matcher answered")
    commands_per_second = serializers.FloatField()
    shards = ShardSerializer(many=True)


class ThroughputSerializer(serializers.Serializer):
    orders_per_second = serializers.FloatField(help_text="Orders answered end to end")
    matcher_orders_per_second = serializers.FloatField()
    commands_per_second = serializers.FloatField(help_text="Every command the matchers ran")


class PersisterSerializer(serializers.Serializer):
    lag_commands = serializers.IntegerField()
    lag_seconds = serializers.FloatField()
    max_delay_us = serializers.IntegerField()


class PerformanceSerializer(serializers.Serializer):
    window_seconds = serializers.IntegerField()
    unit = serializers.CharField()
    matcher = MatcherSerializer(help_text="From reading the command to sending the reply")
    end_to_end = EndToEndSerializer(help_text="From the request's arrival to its answer")
    throughput = ThroughputSerializer()
    persister = PersisterSerializer()
