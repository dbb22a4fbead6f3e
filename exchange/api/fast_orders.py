"""Signed order requests answered at the ASGI edge, outside Django's request cycle.

`POST /api/v1/orders` and `DELETE /api/v1/orders/{id}` signed with an API key are the
exchange's hot path. Through Django and DRF each cost about 3.8 ms of daphne's CPU
(request and response objects, routing, middleware, the view's thread, DRF's request
wrapper, authentication, throttles and renderer), which held one daphne process near
200 orders a second. Here the same steps run directly, with the same functions:

1. the request must be signed (`X-API-KEY`, `X-API-TIMESTAMP`, `X-API-SIGNATURE`) with an
   active key (accounts/key_cache.py: kept a few seconds, else read on a shared thread),
   whose signature and timestamp check out, and that may trade;
2. the key's rate limit (exchange/api/throttling.py): over it, the same 429;
3. `order_place` or `order_cancel` (exchange/services/orders.py), as the DRF views call them;
4. the body rendered by DRF's JSONRenderer, with the headers Django's middleware adds
   (SecurityMiddleware and XFrameOptionsMiddleware run on the response) and DRF's `Allow`.

Anything else goes to Django untouched, the body handed on as it came: no credentials, an
unknown or revoked key, a bad signature or timestamp, a read-only key, a query string, an
unknown host, an `Accept` that is not JSON, plain HTTP when SECURE_SSL_REDIRECT is on. So
every refusal of a request is Django's and DRF's own, and the fast path only ever answers
requests Django would have let through to the view. tests/api/test_fast_orders.py sends
the same requests both ways and compares status, headers and body.
"""

from __future__ import annotations

import math
import re

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.renderers import JSONRenderer

from accounts.authentication import authenticate_signed
from accounts.key_cache import active_key, cached_key
from exchange.api.errors import as_api_error, not_found
from exchange.api.order_input import parsed_json
from exchange.api.throttling import key_allowed, key_ident
from exchange.observability.order_timing import ORDERS_PATH
from exchange.selectors.db_thread import db_read
from exchange.selectors.orders import parse_order_id
from exchange.services.orders import order_cancel, order_place

_ONE_ORDER = re.compile(re.escape(ORDERS_PATH) + r"/([^/]+)")
# DRF's `Allow` of the two views (exchange/api/views/orders.py)
ORDERS_ALLOW = "GET, POST, DELETE, HEAD, OPTIONS"
ORDER_ALLOW = "GET, DELETE, HEAD, OPTIONS"
_JSON = JSONRenderer()
_HEADERS = (b"x-api-key", b"x-api-timestamp", b"x-api-signature")


def _no_view(request):  # the two middlewares are only asked for their response hooks
    raise AssertionError("not called")


_RESPONSE_HOOKS = (SecurityMiddleware(_no_view), XFrameOptionsMiddleware(_no_view))


def _route(scope: dict) -> tuple[str, str | None] | None:
    """("place", None) or ("cancel", the id in the path) for the requests taken here."""
    if scope.get("query_string") or scope.get("root_path"):
        return None
    path, method = scope.get("path", ""), scope.get("method")
    if method == "POST" and path == ORDERS_PATH:
        return "place", None
    if method == "DELETE":
        match = _ONE_ORDER.fullmatch(path)
        if match:
            return "cancel", match.group(1)
    return None


_JSON_MEDIA = frozenset((b"*/*", b"application/*", b"application/json"))


def _wants_json(accept: bytes | None) -> bool:
    """Whether DRF's negotiation would give plain JSON: no Accept, or one that names JSON
    without parameters (`application/json; indent=4` is DRF's, to indent)."""
    if accept is None:
        return True
    if b";" in accept:
        return False
    return any(media.strip() in _JSON_MEDIA for media in accept.split(b","))


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


def fast_orders(app):
    """Wraps the HTTP ASGI application `app` (Django's)."""

    async def endpoint(scope, receive, send):
        route = _route(scope) if scope["type"] == "http" else None
        if route is None:
            return await app(scope, receive, send)
        headers = {}
        for name, value in scope.get("headers", ()):
            if name in _HEADERS or name == b"accept":
                headers[name] = value
        if not all(headers.get(name) for name in _HEADERS) or not _wants_json(
            headers.get(b"accept")
        ):
            return await app(scope, receive, send)
        body, complete = await _read_body(receive)
        if not complete:
            return None
        answered = await _answer(scope, route, headers, body)
        if answered is None:
            return await app(scope, _replay(body, receive), send)
        await _send(send, *answered)
        return None

    return endpoint


async def _answer(scope, route, headers, body) -> tuple | None:
    """(status, body, extra headers, request, allow) if this path answers, else None."""
    if len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None
    request = ASGIRequest(scope, None)
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # SecurityMiddleware redirects it
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware asks
        key, timestamp, signature = (headers[name].decode("ascii") for name in _HEADERS)
        found = cached_key(key) or await db_read(active_key, key)
        api_key = authenticate_signed(
            key,
            timestamp,
            signature,
            scope["method"],
            request.get_full_path(),
            body,
            lookup=lambda _: found,
        )
    except (DisallowedHost, AuthenticationFailed, UnicodeDecodeError, DatabaseError):
        return None  # Django answers (a database down included, with its envelope)
    if not api_key.can_trade:
        return None
    op, raw_id = route
    allow = ORDERS_ALLOW if op == "place" else ORDER_ALLOW
    wait = key_allowed(key_ident(api_key), settings.EXCHANGE_RATE_PER_KEY)
    extra = {}
    try:
        if wait is not None:
            raise Throttled(wait=max(1, math.ceil(wait)))
        if op == "place":
            status, answer = 201, await order_place(user_id=api_key.user_id, body=parsed_json(body))
        else:
            order_id = parse_order_id(raw_id)
            if not order_id:
                raise not_found("order_not_found", "No such order.", field="order_id")
            status, answer = 200, await order_cancel(user_id=api_key.user_id, order_id=order_id)
    except Exception as exc:  # every failure is the envelope, as DRF's exception handler makes it
        error = as_api_error(exc)
        status, answer, extra = error.status, error.body(), error.headers
    return status, answer, extra, request, allow


async def _send(send, status, answer, extra, request, allow) -> None:
    content = _JSON.render(answer)
    response = HttpResponse(content, status=status, content_type="application/json")
    response["Allow"] = allow
    for name, value in extra.items():
        response[name] = value
    for hook in _RESPONSE_HOOKS:
        response = hook.process_response(request, response)
    response["Content-Length"] = str(len(content))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (name.encode("latin1"), str(value).encode("latin1"))
                for name, value in response.items()
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
