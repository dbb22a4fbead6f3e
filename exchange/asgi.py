"""ASGI entry point: HTTP through Django (static files included); WebSocket through Channels,
behind the origin check (exchange/consumers/origin.py) and the session login
(AuthMiddlewareStack)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange.settings")

# Django must be set up before anything that imports models (consumers, routing).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from exchange.api.fast_orders import fast_orders  # noqa: E402
from exchange.consumers.origin import origin_validated  # noqa: E402
from exchange.observability.order_timing import order_timed  # noqa: E402
from exchange.routing import websocket_urlpatterns  # noqa: E402
from matching.gc_tuning import freeze_existing, tune_for_serving  # noqa: E402

application = ProtocolTypeRouter(
    {
        # The trading page's scripts and styles, from the apps' static/ folders whatever DEBUG
        # says, in production daphne as in runexchange; unlike WhiteNoise's (sync-only)
        # middleware this keeps every other request on the async path.
        # REST order requests are timed end to end here (GET /api/v1/performance, /metrics);
        # signed ones skip Django's ASGI front, not its middleware (exchange/api/fast_orders.py).
        "http": order_timed(fast_orders(ASGIStaticFilesHandler(django_asgi_app))),
        "websocket": origin_validated(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# A server process from here on: the collector's thresholds raised, and the modules and
# Django's registries, built by now, left out of its collections (matching/gc_tuning.py).
tune_for_serving()
freeze_existing()
