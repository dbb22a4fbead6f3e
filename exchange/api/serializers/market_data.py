"""Public market data in the OpenAPI schema: the exact shape of each response.

The selectors build the bodies (exchange/selectors/market_data.py, candles.py); these classes
only describe them, so a schema-driven client (or schemathesis) can check every answer.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

DECIMAL = 'A decimal string, e.g. "50000.01".'
PRICE = "A price with the market's tick decimals."
QUANTITY = "A quantity with the market's lot decimals."
RATIO = "A decimal string with 8 places; null when undefined (a zero denominator)."
NULLABLE_PRICE = "A price with the market's tick decimals; null when nothing traded in 24 h."


def _tuple(description: str, items: list[dict]) -> dict:
    """A fixed-length JSON array; OpenAPI 3.0 has no tuples, so items are any of the types."""
    kinds = [kind for number, kind in enumerate(items) if kind not in items[:number]]
    return {
        "type": "array",
        "items": kinds[0] if len(kinds) == 1 else {"anyOf": kinds},
        "minItems": len(items),
        "maxItems": len(items),
        "description": description,
    }


STRING, INTEGER = {"type": "string"}, {"type": "integer"}


@extend_schema_field(_tuple("[price, quantity, order_count]", [STRING, STRING, INTEGER]))
class LevelField(serializers.JSONField):
    pass


@extend_schema_field(_tuple("[price, quantity], null if the side is empty", [STRING] * 2))
class TopField(serializers.JSONField):
    pass


@extend_schema_field(
    _tuple(
        "[open_time_ms, open, high, low, close, volume]",
        [INTEGER, STRING, STRING, STRING, STRING, STRING],
    )
)
class CandleField(serializers.JSONField):
    pass


class MarketSerializer(serializers.Serializer):
    symbol = serializers.CharField(help_text="BASE-QUOTE, e.g. BTC-USDT.")
    base = serializers.CharField()
    quote = serializers.CharField()
    tick_size = serializers.CharField(help_text=DECIMAL)
    lot_size = serializers.CharField(help_text=DECIMAL)
    min_qty = serializers.CharField(help_text=DECIMAL)
    min_notional = serializers.CharField(help_text=DECIMAL)
    quote_precision = serializers.IntegerField()
    base_precision = serializers.IntegerField(help_text="The decimals of lot_size.")
    status = serializers.ChoiceField(
        ["trading", "halted", "paused"],
        help_text="`halted` by an admin, `paused` by the circuit breaker.",
    )
    status_reason = serializers.CharField(
        allow_null=True,
        help_text="Why it is not trading (`admin`, `circuit_breaker`); null while it trades.",
    )
    resumes_at = serializers.CharField(
        allow_null=True, help_text="When a pause ends by itself (ISO 8601 UTC); null otherwise."
    )
    max_open_orders = serializers.IntegerField(
        help_text="Live orders one user may have in this market (0: no limit)."
    )
    price_band_pct = serializers.CharField(
        help_text="How far from the last trade (in percent) a price may be; 0: no band."
    )
    breaker_move_pct = serializers.CharField(
        help_text="The circuit breaker: a trade moving the price further than this (in "
        "percent) from the price at the start of the window pauses the market; 0: none."
    )
    breaker_window_s = serializers.IntegerField(help_text="The breaker's window, in seconds.")
    breaker_pause_s = serializers.IntegerField(help_text="How long a pause lasts, in seconds.")
    breaker_auction_s = serializers.IntegerField(
        help_text="The last seconds of a pause, when limit orders are collected for the "
        "call auction that reopens the market."
    )


class MarketPageSerializer(serializers.Serializer):
    results = MarketSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Always null: one page.")


class BookSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    seq = serializers.IntegerField(help_text="The engine sequence number of the book; 0: none.")
    bids = serializers.ListField(child=LevelField(), help_text="Best (highest) first.")
    asks = serializers.ListField(child=LevelField(), help_text="Best (lowest) first.")
    ts = serializers.IntegerField(help_text="When the matcher took this book, epoch ms.")


class BboSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    seq = serializers.IntegerField()
    bid = TopField(allow_null=True)
    ask = TopField(allow_null=True)
    spread = serializers.CharField(allow_null=True, help_text="ask − bid; null if a side is empty.")
    mid = serializers.CharField(
        allow_null=True, help_text="(bid + ask) / 2, exact: up to one decimal more than a tick."
    )


class ImbalanceSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    seq = serializers.IntegerField()
    levels = serializers.IntegerField(help_text="The levels a side that were summed (at most).")
    bid_volume = serializers.CharField(help_text=QUANTITY)
    ask_volume = serializers.CharField(help_text=QUANTITY)
    ratio = serializers.CharField(allow_null=True, help_text=f"bid / ask. {RATIO}")
    imbalance = serializers.CharField(
        allow_null=True, help_text=f"(bid − ask) / (bid + ask), from −1 to 1. {RATIO}"
    )
    weighted_imbalance = serializers.CharField(
        allow_null=True,
        help_text=(
            "As imbalance, each level's quantity weighted by 1 / (1 + d), d its distance from "
            "the mid in ticks (from the best price when one side is empty). " + RATIO
        ),
    )


class TradeSerializer(serializers.Serializer):
    trade_id = serializers.IntegerField()
    price = serializers.CharField(help_text=PRICE)
    quantity = serializers.CharField(help_text=QUANTITY)
    taker_side = serializers.ChoiceField(["buy", "sell"])
    time = serializers.CharField(help_text="ISO 8601 UTC with microseconds.")


class TradePageSerializer(serializers.Serializer):
    results = TradeSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text="Pass as `cursor` for older trades; null on the last page."
    )


class CandlePageSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    interval = serializers.ChoiceField(["1m", "5m", "1h", "1d"])
    results = serializers.ListField(child=CandleField(), help_text="Oldest first.")
    next = serializers.CharField(allow_null=True, help_text="Always null: page with start/end.")


class TickerSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    last = serializers.CharField(allow_null=True, help_text=NULLABLE_PRICE)
    open = serializers.CharField(allow_null=True, help_text=NULLABLE_PRICE)
    high = serializers.CharField(allow_null=True, help_text=NULLABLE_PRICE)
    low = serializers.CharField(allow_null=True, help_text=NULLABLE_PRICE)
    volume = serializers.CharField(help_text="Base traded in 24 h. " + QUANTITY)
    quote_volume = serializers.CharField(help_text="Sum of price × quantity, exact.")
    change_pct = serializers.CharField(
        allow_null=True, help_text="(last − open) / open × 100, 2 places; null with no trade."
    )
    count = serializers.IntegerField(help_text="Trades in the last 24 h.")
    bid = serializers.CharField(allow_null=True, help_text="Best bid price of the book.")
    ask = serializers.CharField(allow_null=True, help_text="Best ask price of the book.")
