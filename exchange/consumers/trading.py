"""Who is on the socket, and order entry over it (`order.place`, `order.cancel`).

A connection is logged in by the browser's session cookie (Channels' AuthMiddlewareStack) or
by an `auth` message signed like a REST request over `timestamp + "GET/ws/v1"`. Order entry
goes through the same service functions as REST, and is answered with the same status and
body, errors included; it counts against the same rate limit as the key's (or, for a
session, the address's) REST requests, so the socket is no way around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from channels.db import database_sync_to_async
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import authenticate_signed
from accounts.models import ApiKey
from exchange.api.errors import ApiError, as_api_error
from exchange.api.throttling import ApiKeyRateThrottle, IpRateThrottle
from exchange.errors import OrderNotFound
from exchange.selectors.orders import parse_order_id
from exchange.services.orders import order_cancel, order_place

from .messages import ClientError

WS_METHOD, WS_PATH = "GET", "/ws/v1"
REQUEST_FIELDS = ("op", "req_id")  # the socket's own; the rest is the REST body


@dataclass(frozen=True)
class Identity:
    """The connection's user, and the API key it authenticated with (None for a session)."""

    user_id: int | None = None
    api_key: ApiKey | None = None

    @property
    def can_trade(self) -> bool:
        return self.user_id is not None and (self.api_key is None or self.api_key.can_trade)


def session_identity(scope: dict) -> Identity:
    """The user of the session cookie, already resolved by AuthMiddlewareStack."""
    user = scope.get("user")
    if user is not None and user.is_authenticated and user.is_active:
        return Identity(user_id=user.pk)
    return Identity()


async def authenticate(message: dict) -> ApiKey:
    """The key an `auth` message proves; ClientError with API.md's 401 codes otherwise."""
    key, timestamp, signature = (message.get(name) for name in ("key", "timestamp", "signature"))
    if key is None or timestamp is None or signature is None:
        raise ClientError(
            "missing_credentials", "auth needs key, timestamp and signature.", status=401
        )
    if not isinstance(key, str) or isinstance(timestamp, bool):
        raise ClientError("invalid_api_key", "Unknown or revoked API key.", status=401)
    try:
        return await database_sync_to_async(authenticate_signed, thread_sensitive=False)(
            key, timestamp, signature, WS_METHOD, WS_PATH, b""
        )
    except AuthenticationFailed as exc:
        error = as_api_error(exc)
        raise ClientError(error.code, error.message, status=401) from None


def rate_allowed(identity: Identity, client: dict) -> bool:
    """REST's throttles, asked with what they look at: the key, or the client's address
    (in-memory windows: no thread, no lock to wait for)."""
    request = SimpleNamespace(auth=identity.api_key, META=client["meta"], headers=client["headers"])
    throttle = ApiKeyRateThrottle() if identity.api_key is not None else IpRateThrottle()
    return throttle.allow_request(request, None)


def client_of(scope: dict) -> dict:
    """The parts of the handshake the IP rate limit reads."""
    headers = {
        name.decode("latin1").lower(): value.decode("latin1")
        for name, value in scope.get("headers", [])
    }
    address = (scope.get("client") or ["", 0])[0]
    forwarded = (
        {"x-forwarded-for": headers["x-forwarded-for"]} if "x-forwarded-for" in headers else {}
    )
    return {"meta": {"REMOTE_ADDR": address}, "headers": forwarded}


async def _execute(op: str, message: dict, identity: Identity) -> tuple[int, dict]:
    if op == "order.place":
        body = {key: value for key, value in message.items() if key not in REQUEST_FIELDS}
        return 201, await order_place(user_id=identity.user_id, body=body)
    raw = message.get("order_id")
    order_id = None
    if isinstance(raw, (int, str)) and not isinstance(raw, bool):
        order_id = parse_order_id(str(raw))
    if not order_id:
        raise OrderNotFound()
    return 200, await order_cancel(user_id=identity.user_id, order_id=order_id)


async def order_request(op: str, message: dict, identity: Identity, client: dict) -> dict:
    """The `response` to an `order.place` or `order.cancel`: REST's status and body."""
    try:
        if identity.user_id is None:
            raise ApiError("missing_credentials", "Credentials are required.", status=401)
        if not identity.can_trade:
            raise ApiError("permission_denied", "This API key is read-only.", status=403)
        if not rate_allowed(identity, client):
            raise ApiError("rate_limited", "Too many requests; retry in 1 s.", status=429)
        status, body = await _execute(op, message, identity)
    except Exception as exc:  # every failure is an answer, as in REST (500 logged there)
        error = as_api_error(exc)
        status, body = error.status, error.body()
    return {"type": "response", "req_id": message["req_id"], "status": status, "body": body}
