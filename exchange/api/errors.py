"""One application error type, and the one place errors become API.md's envelope.

Every error under /api/ is `{"error": {"code", "message", "field"}}` with a fitting status;
the domain errors of services and selectors (exchange/errors.py), the matcher's silence,
DRF's own exceptions, Django's 404/400/500 handlers and anything unexpected all end here,
and no response ever carries a stack trace.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions
from rest_framework.response import Response

from exchange.errors import (
    DuplicateClientOrderId,
    ExchangeError,
    MarketNotFound,
    OrderNotFound,
    ReadBehind,
    ServiceBusy,
    TradingDisabled,
)
from matching.service.client import MatcherUnavailable
from matching.service.transport import TransportUnavailable

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error a client caused or must hear about, with its API.md code."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        status: int = 400,
        extra: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict:
        return {
            "error": {"code": self.code, "message": self.message, "field": self.field, **self.extra}
        }

    def response(self) -> Response:
        return Response(self.body(), status=self.status, headers=self.headers)

    def json_response(self) -> JsonResponse:
        response = JsonResponse(self.body(), status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def not_found(
    code: str = "not_found", message: str = "Not found.", field: str | None = None
) -> ApiError:
    return ApiError(code, message, field=field, status=404)


def matcher_unavailable() -> ApiError:
    return ApiError(
        "matcher_unavailable",
        "The matching engine did not answer in time: the outcome is unknown, and the order "
        "may have been placed. Look it up with GET /api/v1/orders?client_order_id=<your id> "
        "before sending it again (with the same client_order_id, a repeat is refused 409).",
        status=503,
        headers={"Retry-After": "1"},
    )


def service_unavailable() -> ApiError:
    return ApiError(
        "service_unavailable",
        "A part of the exchange (its database or its message layer) is unavailable; retry shortly.",
        status=503,
        headers={"Retry-After": "1"},
    )


# The status of each domain error: its class's, or the nearest base class's in this table
# (API.md: 400 validation, 404 not found, 409 a duplicate client_order_id, 503 busy).
DOMAIN_STATUSES: dict[type[ExchangeError], int] = {
    OrderNotFound: 404,
    MarketNotFound: 404,
    DuplicateClientOrderId: 409,
    TradingDisabled: 403,
    ServiceBusy: 503,
    ReadBehind: 503,
    ExchangeError: 400,
}

# Errors of a part that is down or restarting (the database, Redis): 503, never 500.
UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    TransportUnavailable,
)


def _from_domain(error: ExchangeError) -> ApiError:
    status = next(DOMAIN_STATUSES[kind] for kind in type(error).__mro__ if kind in DOMAIN_STATUSES)
    retry_after = error.retry_after  # the 503s say when to come back
    headers = None if retry_after is None else {"Retry-After": str(retry_after)}
    return ApiError(
        error.code, error.message, field=error.field, status=status, extra=error.extra,
        headers=headers,
    )  # fmt: skip


def _first_field_error(detail: object, prefix: str = "") -> tuple[str | None, str]:
    """The first field and message of a DRF ValidationError's nested detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            field, message = _first_field_error(
                value, f"{prefix}.{name}" if prefix and name else name or prefix
            )
            return field, message
    if isinstance(detail, list) and detail:
        return _first_field_error(detail[0], prefix)
    return (prefix or None), str(detail)


def as_api_error(exc: Exception) -> ApiError:
    """The ApiError that `exc` means to a client."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ExchangeError):
        return _from_domain(exc)
    if isinstance(exc, MatcherUnavailable):
        return matcher_unavailable()
    if isinstance(exc, UNAVAILABLE):
        log.warning("a part of the exchange is unavailable: %r", exc)
        return service_unavailable()
    if isinstance(exc, exceptions.ParseError):
        return ApiError("invalid_json", "The body is not valid JSON.")
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_field_error(exc.detail)
        return ApiError("invalid_field", message, field=field)
    if isinstance(exc, exceptions.NotAuthenticated):
        return ApiError("missing_credentials", "Credentials are required.", status=401)
    if isinstance(exc, exceptions.AuthenticationFailed):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "invalid_api_key"
        if code == "authentication_failed":
            code = "invalid_api_key"
        return ApiError(code, str(exc.detail), status=401)
    if isinstance(exc, exceptions.PermissionDenied):
        return ApiError("permission_denied", str(exc.detail), status=403)
    if isinstance(exc, (exceptions.NotFound, Http404)):
        return not_found()
    if isinstance(exc, exceptions.MethodNotAllowed):
        return ApiError("method_not_allowed", str(exc.detail), status=405)
    if isinstance(exc, exceptions.NotAcceptable):
        return ApiError("not_acceptable", str(exc.detail), status=406)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return ApiError("unsupported_media_type", str(exc.detail), status=415)
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        return ApiError(
            "rate_limited",
            f"Too many requests; retry in {wait} s.",
            status=429,
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, RequestDataTooBig):
        return ApiError("payload_too_large", "The request body is too large.", status=413)
    if isinstance(exc, SuspiciousOperation):
        return ApiError("bad_request", "The request could not be understood.")
    if isinstance(exc, PermissionDenied):
        return ApiError("permission_denied", "Not allowed.", status=403)
    if isinstance(exc, exceptions.APIException):
        return ApiError(exc.default_code, str(exc.detail), status=exc.status_code)
    log.exception("unexpected error in an API view", exc_info=exc)
    return ApiError("internal_error", "An internal error occurred.", status=500)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception in a DRF view becomes the envelope."""
    return as_api_error(exc).response()


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None):
    if _is_api(request):
        return not_found(message=f"No such path: {request.path}").json_response()
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception | None = None):
    if _is_api(request):
        return ApiError("bad_request", "The request could not be understood.").json_response()
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception | None = None):
    if _is_api(request):
        return ApiError("permission_denied", "Not allowed.", status=403).json_response()
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def handler500(request: HttpRequest):
    if _is_api(request):
        return ApiError("internal_error", "An internal error occurred.", status=500).json_response()
    from django.views.defaults import server_error

    return server_error(request)


def csrf_failure(request: HttpRequest, reason: str = ""):
    """CSRF_FAILURE_VIEW: the envelope under /api/, Django's page elsewhere."""
    if _is_api(request):
        return ApiError(
            "permission_denied", f"CSRF check failed: {reason}", status=403
        ).json_response()
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)
