"""Public market data (API.md): markets, book, best bid/offer, imbalance, trades, candles,
ticker. No credentials; reads only (exchange/selectors), never a call to the matcher.

Every query value is checked here and a bad one is a 400 naming the parameter, so no input
reaches the database unparsed; an unknown symbol is `404 unknown_symbol` on every path.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.errors import ApiError
from exchange.api.serializers import market_data as schemas
from exchange.api.serializers.errors import error_responses
from exchange.selectors.candles import INTERVALS_MS, MAX_CANDLES, MAX_MS, candles_list
from exchange.selectors.market_data import (
    bbo_get,
    book_get,
    book_imbalance,
    market_get,
    markets_list,
    trades_recent,
)
from exchange.services.ticker import ticker_get

TAGS = ["market data"]
SYMBOL = OpenApiParameter(
    "symbol",
    {"type": "string", "pattern": "^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$"},
    OpenApiParameter.PATH,
    description="BASE-QUOTE, any case, e.g. BTC-USDT.",
)
MAX_CURSOR = 10**18 - 1  # a trade id: any 18 digits are a valid BIGINT


def integer_param(name: str, low: int, high: int, default: int | None, text: str = ""):
    """The schema of an integer query parameter; `query_int` enforces the same range."""
    schema = {"type": "integer", "minimum": low, "maximum": high}
    if default is not None:
        schema["default"] = default
    return OpenApiParameter(name, schema, description=text, allow_blank=False)


def query_int(
    request: Request, name: str, *, low: int, high: int, default: int | None, code: str
) -> int | None:
    """The integer query value `name`, in [low, high]; absent: `default`; else 400 `code`."""
    text = request.query_params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 18 and low <= int(text) <= high):
        raise ApiError(code, f"{name} must be an integer from {low} to {high}.", field=name)
    return int(text)


class SymbolsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="Markets and their trading rules",
        responses={200: schemas.MarketPageSerializer, **error_responses(429)},
    )
    def get(self, request: Request) -> Response:
        return Response({"results": markets_list(), "next": None})


class BookView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="Order book (L2), as the matcher last published it",
        parameters=[SYMBOL, integer_param("depth", 1, 500, 50, "Levels a side.")],
        responses={200: schemas.BookSerializer, **error_responses(400, 404, 429)},
    )
    def get(self, request: Request, symbol: str) -> Response:
        market = market_get(symbol)
        depth = query_int(request, "depth", low=1, high=500, default=50, code="invalid_depth")
        return Response(book_get(market=market, depth=depth))


class ImbalanceView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="Order book imbalance over the top levels",
        description=book_imbalance.__doc__,
        parameters=[SYMBOL, integer_param("levels", 1, 500, 10, "Levels a side to sum.")],
        responses={200: schemas.ImbalanceSerializer, **error_responses(400, 404, 429)},
    )
    def get(self, request: Request, symbol: str) -> Response:
        market = market_get(symbol)
        levels = query_int(request, "levels", low=1, high=500, default=10, code="invalid_levels")
        return Response(book_imbalance(market=market, levels=levels))


class BboView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="Best bid and offer",
        parameters=[SYMBOL],
        responses={200: schemas.BboSerializer, **error_responses(404, 429)},
    )
    def get(self, request: Request, symbol: str) -> Response:
        return Response(bbo_get(market=market_get(symbol)))


class TradesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="Recent public trades, newest first",
        parameters=[
            SYMBOL,
            integer_param("limit", 1, 1000, 100, "Trades a page."),
            integer_param("cursor", 0, MAX_CURSOR, None, "`next` of the last page."),
        ],
        responses={200: schemas.TradePageSerializer, **error_responses(400, 404, 429)},
    )
    def get(self, request: Request, symbol: str) -> Response:
        market = market_get(symbol)
        limit = query_int(request, "limit", low=1, high=1000, default=100, code="invalid_limit")
        cursor = query_int(
            request, "cursor", low=0, high=MAX_CURSOR, default=None, code="invalid_cursor"
        )
        return Response(trades_recent(market=market, limit=limit, before=cursor))


class CandlesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="OHLCV candles, oldest first",
        description=candles_list.__doc__,
        parameters=[
            SYMBOL,
            OpenApiParameter("interval", enum=list(INTERVALS_MS), default="1m", allow_blank=False),
            integer_param("start", 0, MAX_MS, None, "Epoch ms; candles from the one holding it."),
            integer_param("end", 0, MAX_MS, None, "Epoch ms, default now; up to its candle."),
            integer_param("limit", 1, MAX_CANDLES, MAX_CANDLES, "Candles at most."),
        ],
        responses={200: schemas.CandlePageSerializer, **error_responses(400, 404, 429)},
    )
    def get(self, request: Request, symbol: str) -> Response:
        market = market_get(symbol)
        interval = request.query_params.get("interval", "1m")
        if interval not in INTERVALS_MS:
            raise ApiError("invalid_interval", "interval is 1m, 5m, 1h or 1d.", field="interval")
        start, end = (
            query_int(request, name, low=0, high=MAX_MS, default=None, code="invalid_field")
            for name in ("start", "end")
        )
        limit = query_int(
            request, "limit", low=1, high=MAX_CANDLES, default=MAX_CANDLES, code="invalid_limit"
        )
        return Response(
            candles_list(market=market, interval=interval, start=start, end=end, limit=limit)
        )


class TickerView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="24 h rolling statistics, with the best bid and ask",
        parameters=[SYMBOL],
        responses={200: schemas.TickerSerializer, **error_responses(404, 429)},
    )
    def get(self, request: Request, symbol: str) -> Response:
        return Response(ticker_get(market_get(symbol)))
