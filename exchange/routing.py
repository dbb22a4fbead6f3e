"""WebSocket URL patterns; the /ws/v1 consumer is added by a later issue."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
