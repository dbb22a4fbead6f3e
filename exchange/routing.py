"""WebSocket URL patterns: the API at /ws/v1; any other path is refused at the handshake."""

from channels.security.websocket import WebsocketDenier
from django.urls import URLPattern, re_path

from exchange.consumers.consumer import ExchangeConsumer

websocket_urlpatterns: list[URLPattern] = [
    re_path(r"^ws/v1/?$", ExchangeConsumer.as_asgi()),
    re_path(r"", WebsocketDenier.as_asgi()),
]
