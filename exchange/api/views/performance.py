"""`GET /api/v1/performance`: order latency in the matcher and end to end, and throughput,
over the last minute (API.md). Public, like `/metrics`: figures, no one's data."""

from __future__ import annotations

from adrf.views import APIView
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from exchange.api.serializers.errors import error_responses
from exchange.api.serializers.performance import PerformanceSerializer
from exchange.observability.matcher_reports import matcher_reports
from exchange.observability.performance import performance_body


class PerformanceView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["health"],
        summary="Order latency percentiles (µs) in the matcher and end to end, last minute",
        responses={200: PerformanceSerializer, **error_responses(429)},
    )
    async def get(self, request) -> Response:
        return Response(performance_body(await matcher_reports()))
