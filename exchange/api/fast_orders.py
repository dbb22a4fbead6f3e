"""Signed order requests answered at the ASGI edge, without Django's ASGI front.

`POST /api/v1/orders` and `DELETE /api/v1/orders/{id}` signed with an API key are the
exchange's hot path. Through Django's ASGI handler each cost about 3 ms of daphne's CPU,
mostly in its front (a temporary file for the body, request signals, a task listening for a
disconnect, a thread per request) and in adrf's thread hops for the view's checks and
Django's for the rendering. Here the same request runs through the same steps, with the
same code, and none of those hops:

1. Django's middleware chain, built by Django (`BaseHandler.load_middleware`) from
   settings.MIDDLEWARE, rebuilt when that setting changes: every middleware listed runs,
   request, view, template-response, exception and response hooks alike (one that is
   sync-only runs on a thread, as under Django);
2. Django's URL resolution, then the view (exchange/api/views/orders.py) through its own
   dispatch (exchange/api/order_pipeline.py): DRF's authentication, permissions,
   throttles, handler, exception handler, content negotiation and renderer, with the API
   key read ahead so they need not leave the event loop;
3. the response sent as Django's ASGI handler sends it (cookies included).

Only requests that carry X-API-KEY and that Django's resolver gives to an order view for
one of its `signed_fast_methods` are taken, and of those not: a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, a path under a script prefix (root_path, FORCE_SCRIPT_NAME), a
query string Django cannot decode, or a key the database or Redis cannot be asked about (it
is down).
Those, and everything else, go to Django untouched, the body handed on as it came. So a
refusal (a bad signature, a read-only key, over the rate limit) is the view's own on both
paths. tests/api/test_fast_orders.py sends the same requests both ways and compares status,
headers and body; tests/api/test_fast_orders_middleware.py adds and removes middleware.

What the fast path leaves out of Django's request cycle: the `request_started` and
`request_finished` signals (the event loop holds no database connection to recycle; reads
go to shared threads, exchange/selectors/db_thread.py).
"""

from __future__ import annotations

import io

from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django import db
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.urls import set_urlconf
from django.utils.log import log_response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from exchange.api.order_pipeline import fast_view, read_key_ahead

_METHODS = frozenset(("POST", "DELETE"))


class OrderHandler(ASGIHandler):
    """Django's ASGI handler, minus its front (`__call__`): the middleware chain is Django's
    own for settings.MIDDLEWARE; a DRF response rendered as JSON is rendered on the event
    loop (it waits on nothing) and the 4xx/5xx log line written there too."""

    def __init__(self) -> None:
        self.built_from = list(settings.MIDDLEWARE)
        super().__init__()

    def resolve_request(self, request):
        """The edge's resolution (same resolver, same path) unless a middleware gave the
        request its own URLconf."""
        if request.resolver_match is None or hasattr(request, "urlconf"):
            return super().resolve_request(request)
        return request.resolver_match

    async def get_response_async(self, request):
        set_urlconf(settings.ROOT_URLCONF)
        response = await self._middleware_chain(request)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        return response

    async def _get_response_async(self, request):
        """BaseHandler's, but for where the response is rendered."""
        response = None
        callback, callback_args, callback_kwargs = self.resolve_request(request)
        for middleware_method in self._view_middleware:
            response = await middleware_method(request, callback, callback_args, callback_kwargs)
            if response:
                break
        if response is None:
            wrapped_callback = self.make_view_atomic(callback)
            if not iscoroutinefunction(wrapped_callback):
                wrapped_callback = sync_to_async(wrapped_callback, thread_sensitive=True)
            try:
                response = await wrapped_callback(request, *callback_args, **callback_kwargs)
            except Exception as exc:
                response = await self._by_exception_middleware(exc, request)
        self.check_response(response, callback)
        if hasattr(response, "render") and callable(response.render):
            for middleware_method in self._template_response_middleware:
                response = await middleware_method(request, response)
                self.check_response(
                    response,
                    middleware_method,
                    name=f"{middleware_method.__self__.__class__.__name__}"
                    ".process_template_response",
                )
            try:
                if iscoroutinefunction(response.render):
                    response = await response.render()
                elif isinstance(response, Response) and isinstance(
                    getattr(response, "accepted_renderer", None), JSONRenderer
                ):
                    response = response.render()
                else:
                    response = await sync_to_async(response.render, thread_sensitive=True)()
            except Exception as exc:
                response = await self._by_exception_middleware(exc, request)
        return response

    async def _by_exception_middleware(self, exc: Exception, request):
        response = await sync_to_async(self.process_exception_by_middleware, thread_sensitive=True)(
            exc, request
        )
        if response is None:
            raise exc
        return response


async def _read_body(receive) -> tuple[bytes, bool]:
    """The whole body, and False if the client left before sending it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks), True


def _replay(body: bytes, receive):
    """A `receive` that gives Django the body already read, then what the server sends."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed():
        return pending.pop() if pending else await receive()

    return replayed


def _signed(scope: dict) -> bool:
    return any(name == b"x-api-key" for name, _ in scope.get("headers", ()))


def fast_orders(app):
    """Wraps the HTTP ASGI application `app` (Django's)."""
    built: list[OrderHandler] = []

    def handler() -> OrderHandler:
        if not built or built[0].built_from != settings.MIDDLEWARE:
            built[:] = [OrderHandler()]
        return built[0]

    async def endpoint(scope, receive, send):
        if (
            scope["type"] != "http"
            or scope.get("method") not in _METHODS
            or scope.get("root_path")
            or settings.FORCE_SCRIPT_NAME
            or not _signed(scope)
        ):
            return await app(scope, receive, send)
        match = fast_view(scope["method"], scope["path"])
        if match is None:
            return await app(scope, receive, send)
        body, complete = await _read_body(receive)
        if not complete:
            return None
        request = await _request(scope, body)
        if request is None:
            return await app(scope, _replay(body, receive), send)
        request.resolver_match = match
        fast = handler()
        async with ThreadSensitiveContext():
            response = await fast.get_response_async(request)
            await fast.send_response(response, send)
        return None

    return endpoint


async def _request(scope: dict, body: bytes) -> ASGIRequest | None:
    """The request, its key read ahead; None if Django should take it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and len(body) > limit:
        return None
    try:
        request = ASGIRequest(scope, io.BytesIO(body))
        await read_key_ahead(request)
    except (UnicodeDecodeError, db.Error, RedisConnectionError, RedisTimeoutError):
        # Django's path answers (a 503 if a service is down)
        return None
    return request
