"""Orders: place, list, get, cancel, cancel all (API.md). Async views (adrf), so a server
process keeps many orders in flight while the matcher answers.

Signed placements and cancels come here from Django or from the fast path
(exchange/api/fast_orders.py), through the same dispatch, checks and handlers
(exchange/api/order_pipeline.py)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from exchange.api.order_input import parsed_json
from exchange.api.order_pipeline import OrderPipelineView
from exchange.api.permissions import CanTrade, IsTrader
from exchange.api.serializers.errors import error_responses
from exchange.api.serializers.orders import (
    CancelledSerializer,
    OrderPageSerializer,
    OrderPlaceSerializer,
    OrderSerializer,
)
from exchange.errors import OrderNotFound
from exchange.selectors.cancel_after import cancel_after_get
from exchange.selectors.db_thread import db_read
from exchange.selectors.orders import order_get, orders_list, parse_limit, parse_order_id
from exchange.services.cancel_after import cancel_after_set
from exchange.services.order_amend import order_amend
from exchange.services.orders import market_of, order_cancel, order_place, orders_cancel_all
from exchange.services.read_fence import fence_wait

SYMBOL = OpenApiParameter("symbol", OpenApiTypes.STR, description="e.g. BTC-USDT")


def _symbol(request) -> str | None:
    return request.query_params.get("symbol") or None


def _order_key(order_id: str) -> int:
    """The order id of the path, or OrderNotFound."""
    key = parse_order_id(order_id)
    if not key:
        raise OrderNotFound()
    return key


class OrdersView(OrderPipelineView):
    permission_classes = [IsTrader, CanTrade]
    signed_fast_methods = frozenset({"post"})

    @extend_schema(
        operation_id="order_place",
        request=OrderPlaceSerializer,
        responses={201: OrderSerializer, **error_responses(400, 401, 403, 409, 429, 503)},
    )
    async def post(self, request) -> Response:
        body = parsed_json(request._request.body)
        order = await order_place(user_id=request.user.pk, body=body)
        return Response(order, status=201)

    @extend_schema(
        operation_id="orders_list",
        parameters=[
            SYMBOL,
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "closed", "all"]),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1 to 1000, default 100"),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="`next` of the last page"),
            OpenApiParameter(
                "client_order_id",
                OpenApiTypes.STR,
                description="only the order placed with this client_order_id (a list of one, "
                "or empty): how to learn whether an order answered 503 was placed",
            ),
        ],
        responses={200: OrderPageSerializer, **error_responses(400, 401, 429)},
    )
    async def get(self, request) -> Response:
        params = request.query_params
        symbol = _symbol(request)
        if symbol is not None:
            symbol = (await market_of(symbol)).symbol
        await fence_wait(request.user.pk)  # read your writes
        page = await db_read(
            orders_list,
            user_id=request.user.pk,
            symbol=symbol,
            status=params.get("status", "all"),
            limit=parse_limit(params.get("limit")),
            cursor=params.get("cursor"),
            client_order_id=params.get("client_order_id"),
        )
        return Response(page)

    @extend_schema(
        operation_id="orders_cancel_all",
        parameters=[SYMBOL],
        responses={200: CancelledSerializer, **error_responses(400, 401, 403, 429, 503)},
    )
    async def delete(self, request) -> Response:
        cancelled = await orders_cancel_all(user_id=request.user.pk, symbol=_symbol(request))
        return Response({"cancelled": cancelled})


class OrderView(OrderPipelineView):
    permission_classes = [IsTrader, CanTrade]
    signed_fast_methods = frozenset({"delete"})

    @extend_schema(
        operation_id="order_get", responses={200: OrderSerializer, **error_responses(401, 404, 429)}
    )
    async def get(self, request, order_id: str) -> Response:
        key = _order_key(order_id)
        await fence_wait(request.user.pk)  # read your writes
        found = await db_read(order_get, user_id=request.user.pk, order_id=key)
        if not found:
            raise OrderNotFound()
        return Response(found[0])

    @extend_schema(
        operation_id="order_cancel",
        responses={200: OrderSerializer, **error_responses(400, 401, 403, 404, 429, 503)},
    )
    async def delete(self, request, order_id: str) -> Response:
        key = _order_key(order_id)
        return Response(await order_cancel(user_id=request.user.pk, order_id=key))

    @extend_schema(
        operation_id="order_amend",
        request=inline_serializer(
            "OrderAmend",
            {
                "quantity": serializers.CharField(required=False),
                "price": serializers.CharField(required=False),
                "display_quantity": serializers.CharField(required=False),
            },
        ),
        responses={200: OrderSerializer, **error_responses(400, 401, 403, 404, 429, 503)},
    )
    async def patch(self, request, order_id: str) -> Response:
        key = _order_key(order_id)
        body = parsed_json(request._request.body)
        return Response(await order_amend(user_id=request.user.pk, order_id=key, body=body))


class CancelAfterView(OrderPipelineView):
    """The dead man's switch: every open order of the user is cancelled (reason
    `cancel_after`) unless another call comes within `timeout_ms`; 0 turns it off."""

    permission_classes = [IsTrader, CanTrade]

    @extend_schema(
        operation_id="orders_cancel_after",
        request=inline_serializer("CancelAfter", {"timeout_ms": serializers.IntegerField()}),
        responses={
            200: inline_serializer(
                "CancelAfterState",
                {
                    "active": serializers.BooleanField(),
                    "fires_at": serializers.CharField(allow_null=True),
                },
            ),
            **error_responses(400, 401, 403, 429, 503),
        },
    )
    async def post(self, request) -> Response:
        body = parsed_json(request._request.body)
        return Response(await cancel_after_set(user_id=request.user.pk, body=body))

    @extend_schema(
        operation_id="orders_cancel_after_state",
        responses={
            200: inline_serializer(
                "CancelAfterStateRead",
                {
                    "active": serializers.BooleanField(),
                    "fires_at": serializers.CharField(allow_null=True),
                },
            ),
            **error_responses(401, 429, 503),
        },
    )
    async def get(self, request) -> Response:
        """The switch as it stands: whether it is armed and when it fires."""
        return Response(await cancel_after_get(user_id=request.user.pk))
