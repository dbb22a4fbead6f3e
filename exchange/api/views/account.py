"""The user's own account: balances, fills and fee tier."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Balance
from exchange.api.errors import ApiError
from exchange.api.permissions import IsTrader
from exchange.api.serializers.errors import error_responses
from exchange.models import Market
from exchange.models.fields import plain
from exchange.models.market import canonical_symbol
from exchange.selectors.fills import fills_list
from exchange.selectors.orders import parse_limit
from exchange.services.read_fence import fence_wait
from fees.selectors import fee_rates_get

FILL_FIELDS = {
    "trade_id": serializers.IntegerField(),
    "order_id": serializers.IntegerField(),
    "symbol": serializers.CharField(),
    "side": serializers.CharField(),
    "price": serializers.CharField(),
    "quantity": serializers.CharField(),
    "fee": serializers.CharField(),
    "fee_asset": serializers.CharField(),
    "liquidity": serializers.ChoiceField(["maker", "taker"]),
    "time": serializers.CharField(),
}


class FillsView(APIView):
    permission_classes = [IsTrader]

    @extend_schema(
        parameters=[
            OpenApiParameter("symbol", OpenApiTypes.STR),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1 to 1000, default 100"),
            OpenApiParameter("cursor", OpenApiTypes.STR),
        ],
        responses={
            200: inline_serializer(
                "AccountFillPage",
                {
                    "results": inline_serializer("AccountFill", FILL_FIELDS, many=True),
                    "next": serializers.CharField(allow_null=True),
                },
            ),
            **error_responses(400, 401, 429),
        },
    )
    def get(self, request) -> Response:
        params = request.query_params
        symbol = params.get("symbol")
        if symbol:
            symbol = canonical_symbol(symbol)
            if symbol is None or not Market.objects.filter(symbol=symbol).exists():
                raise ApiError("unknown_symbol", "No such market.", field="symbol")
        async_to_sync(fence_wait)(request.user.pk)  # read your writes
        page = fills_list(
            user_id=request.user.pk,
            symbol=symbol or None,
            limit=parse_limit(params.get("limit")),
            cursor=params.get("cursor"),
        )
        return Response(page)


class FeesView(APIView):
    permission_classes = [IsTrader]

    @extend_schema(
        responses={
            200: inline_serializer(
                "FeeRates",
                {
                    "tier": serializers.CharField(),
                    "maker_rate": serializers.CharField(),
                    "taker_rate": serializers.CharField(),
                    "volume_30d": serializers.CharField(),
                },
            ),
            **error_responses(401, 429),
        }
    )
    def get(self, request) -> Response:
        return Response(fee_rates_get(request.user.pk))


class BalancesView(APIView):
    permission_classes = [IsTrader]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Balance",
                {
                    "asset": serializers.CharField(),
                    "available": serializers.CharField(),
                    "locked": serializers.CharField(),
                },
                many=True,
            ),
            **error_responses(401, 429),
        }
    )
    def get(self, request) -> Response:
        """API.md writes this one as a bare list (not `{"results", "next"}`): one row an asset."""
        async_to_sync(fence_wait)(request.user.pk)  # read your writes
        rows = Balance.objects.filter(account=str(request.user.pk)).order_by("asset")
        return Response(
            [
                {"asset": row.asset, "available": plain(row.available), "locked": plain(row.locked)}
                for row in rows
            ]
        )
