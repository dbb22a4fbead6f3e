"""The error envelope, for the schema of every error response."""

from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    order_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="409 duplicate_client_order_id only."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def error_responses(*statuses: int) -> dict:
    """`extend_schema(responses=...)` entries for these error statuses."""
    return {status: ErrorSerializer for status in statuses}
