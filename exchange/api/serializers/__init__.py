"""Serializers that describe the API for its OpenAPI schema (drf-spectacular)."""
