"""Orders in the OpenAPI schema: what `POST /orders` takes and every order endpoint returns.
Decimals are strings; the views build the bodies (exchange/api/order_output.py)."""

from rest_framework import serializers

DECIMAL = {"help_text": 'A decimal string, e.g. "50000.01".'}


class OrderPlaceSerializer(serializers.Serializer):
    symbol = serializers.CharField(max_length=32)
    side = serializers.ChoiceField(["buy", "sell"])
    type = serializers.ChoiceField(
        ["limit", "market", "stop_loss", "stop_limit", "take_profit", "take_profit_limit"]
    )
    quantity = serializers.CharField(required=False, max_length=64, **DECIMAL)
    quote_quantity = serializers.CharField(
        required=False, max_length=64, help_text="Market buys only, instead of quantity."
    )
    price = serializers.CharField(required=False, max_length=64, **DECIMAL)
    trigger_price = serializers.CharField(required=False, max_length=64, **DECIMAL)
    time_in_force = serializers.ChoiceField(["GTC", "IOC", "FOK", "GTD", "DAY"], required=False)
    expire_at = serializers.DateTimeField(required=False, help_text="GTD only.")
    post_only = serializers.BooleanField(required=False)
    display_quantity = serializers.CharField(required=False, max_length=64, **DECIMAL)
    stp_mode = serializers.ChoiceField(
        [
            "none",
            "cancel_resting",
            "cancel_incoming",
            "cancel_both",
            "decrement_both",
            "cancel_smallest",
        ],
        required=False,
    )
    client_order_id = serializers.RegexField(r"^[A-Za-z0-9._:/-]{1,64}$", required=False)


class FillSerializer(serializers.Serializer):
    trade_id = serializers.IntegerField()
    price = serializers.CharField()
    quantity = serializers.CharField()
    fee = serializers.CharField()
    fee_asset = serializers.CharField()
    liquidity = serializers.ChoiceField(["maker", "taker"])
    time = serializers.CharField(allow_null=True)


class OrderSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    client_order_id = serializers.CharField(allow_null=True, required=False)
    symbol = serializers.CharField()
    side = serializers.CharField()
    type = serializers.CharField(allow_null=True, required=False)
    status = serializers.CharField()
    price = serializers.CharField(allow_null=True, required=False)
    trigger_price = serializers.CharField(allow_null=True, required=False)
    quantity = serializers.CharField()
    quote_quantity = serializers.CharField(allow_null=True, required=False)
    filled_quantity = serializers.CharField()
    remaining_quantity = serializers.CharField()
    avg_price = serializers.CharField(allow_null=True)
    time_in_force = serializers.CharField(allow_null=True, required=False)
    post_only = serializers.BooleanField(required=False)
    display_quantity = serializers.CharField(allow_null=True, required=False)
    stp_mode = serializers.CharField(allow_null=True, required=False)
    expire_at = serializers.CharField(allow_null=True, required=False)
    created_at = serializers.CharField(allow_null=True, required=False)
    updated_at = serializers.CharField(allow_null=True, required=False)
    fills = FillSerializer(many=True)


class OrderPageSerializer(serializers.Serializer):
    results = OrderSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class CancelledSerializer(serializers.Serializer):
    cancelled = serializers.ListField(child=serializers.IntegerField())
