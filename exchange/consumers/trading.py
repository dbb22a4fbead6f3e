"""Who is on the socket, and order entry over it (`order.place`, `order.cancel`,
`order.amend`).

A connection is logged in by the browser's session cookie (Channels' AuthMiddlewareStack) or
by an `auth` message signed like a REST request over `timestamp + "GET/ws/v1"`. Order entry
goes through the same service functions as REST, and is answered with the same status and
body, errors included; it counts against the same rate limit as the key's (or, for a
session, the user's) REST requests, so the socket is no way around it.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.db import database_sync_to_async
from rest_framework.exceptions import AuthenticationFailed, Throttled

from accounts.authentication import authenticate_signed
from accounts.key_cache import aorder_entry_key
from accounts.models import ApiKey
from exchange.api.errors import ApiError, as_api_error
from exchange.api.throttling import akey_allowed, window_of
from exchange.client_address import client_address
from exchange.errors import OrderNotFound
from exchange.selectors.orders import parse_order_id
from exchange.services.order_amend import order_amend
from exchange.services.orders import order_cancel, order_place

from .messages import ClientError

WS_METHOD, WS_PATH = "GET", "/ws/v1"
REQUEST_FIELDS = ("op", "req_id")  # the socket's own; the rest is the REST body
ORDER_OPS = frozenset(("order.place", "order.cancel", "order.amend"))


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
    """The key an `auth` message proves, its signature used up (accounts/authentication.py:
    the same checks as a signed REST request, `replayed_request` included); ClientError with
    API.md's 401 codes otherwise."""
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
    except (AuthenticationFailed, Throttled) as exc:
        error = as_api_error(exc)
        raise ClientError(error.code, error.message, status=error.status) from None


async def rate_allowed(identity: Identity, client: dict) -> bool:
    """REST's rate limit, asked with what it looks at: the key, else the session's user,
    else the client's address (exchange/api/throttling.py)."""
    ident, limit = window_of(identity.api_key, identity.user_id, client.get("address", ""))
    return await akey_allowed(ident, limit) is None


def client_of(scope: dict) -> dict:
    """What the rate limit reads of the handshake: the client address, by REST's rule
    (exchange/client_address.py)."""
    return {"address": client_address(scope)}


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
    if op == "order.amend":  # REST's PATCH body: the fields besides op, req_id and order_id
        body = {
            key: value
            for key, value in message.items()
            if key not in REQUEST_FIELDS and key != "order_id"
        }
        return 200, await order_amend(user_id=identity.user_id, order_id=order_id, body=body)
    return 200, await order_cancel(user_id=identity.user_id, order_id=order_id)


async def order_request(op: str, message: dict, identity: Identity, client: dict) -> dict:
    """The `response` to an `order.place`, `order.cancel` or `order.amend`: REST's status
    and body."""
    try:
        if identity.user_id is None:
            raise ApiError("missing_credentials", "Credentials are required.", status=401)
        if not identity.can_trade:
            raise ApiError("permission_denied", "This API key is read-only.", status=403)
        if identity.api_key is not None and await aorder_entry_key(identity.api_key.key) is None:
            raise ApiError("invalid_api_key", "Unknown or revoked API key.", status=401)
        if not await rate_allowed(identity, client):
            raise ApiError("rate_limited", "Too many requests; retry in 1 s.", status=429)
        status, body = await _execute(op, message, identity)
    except Exception as exc:  # every failure is an answer, as in REST (500 logged there)
        error = as_api_error(exc)
        status, body = error.status, error.body()
    return {"type": "response", "req_id": message["req_id"], "status": status, "body": body}
