"""The one pipeline of order requests, for Django and the fast path alike.

An order request is answered by its view (exchange/api/views/orders.py), whatever way it
came in. The view's DRF dispatch (`OrderPipelineView.async_dispatch`) holds every check and
step, each defined once:

1. authentication: the view's authenticators, ApiKeyAuthentication first
   (accounts/authentication.py: key, timestamp window, signature, the signature's
   single-use claim); the key as of now in every process (`order_entry_key`: a key revoked
   in another process is refused at once, not when this process's key cache expires);
2. permissions: IsTrader and CanTrade (exchange/api/permissions.py: a read-only key may not
   trade);
3. throttles: ApiKeyRateThrottle and IpRateThrottle (exchange/api/throttling.py);
4. the handler: the body parsed, the order id parsed, exchange/services/orders.py called;
5. any failure: the exception handler, `as_api_error` (exchange/api/errors.py);
6. the response: DRF's content negotiation, renderer and `Allow`.

Around the view runs the middleware of settings.MIDDLEWARE. Django runs it for the requests
it gets. The fast path (exchange/api/fast_orders.py) runs the same middleware, built by
Django's own `load_middleware`, then this same view; it leaves out only the cost of Django's
ASGI front and of adrf's thread hops:

- the API key is read ahead, on the event loop (`read_key_ahead`: the key cache and the
  shared cache's ended mark on the loop's Redis client, else a shared database thread),
  and handed to ApiKeyAuthentication as its `lookup`;
- the checks (`initial`) then run on the event loop instead of a thread, as nothing in them
  waits on I/O (`checks_run_inline` says when that holds: a view whose first authenticator
  is ApiKeyAuthentication and whose permissions and throttles are plain functions), step
  by step as DRF's `initial` runs them (`initial_on_loop`), with one step added: the
  signature's single-use claim, which talks to Redis, is deferred by the authenticator
  (`KeyAhead.defer_claim`) and awaited on the loop's asyncio client right after
  authentication, before the permissions: where Django's path claims it (inside
  authentication, on its thread), so both paths refuse alike and in the same order;
- the throttles are awaited on the loop (`check_throttles_on_loop`: a rate count in Redis
  joins the loop turn's pipeline instead of blocking the loop); Django's path calls them
  directly, without adrf's `async_to_sync` detour;
- DRF's content negotiation gives its answer for a program's usual Accept at once
  (`UsualJsonNegotiation`), and `dispatch` goes straight to `async_dispatch`, on both
  paths.

`fast_view` says which requests the fast path takes: those Django's URL resolver gives to a
view of this kind, for a method the view lists in `signed_fast_methods`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from adrf.views import APIView
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, get_resolver
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView as DRFAPIView

from accounts.authentication import ApiKeyAuthentication, aclaim_signature
from accounts.key_cache import active_key, afresh_cached_key, order_entry_key
from exchange.api.throttling import LoopThrottle
from exchange.selectors.db_thread import db_read

KEY_HEADER = "HTTP_X_API_KEY"
_KEY_AHEAD = "_order_pipeline_key"  # the attribute of the Django request that holds it


class KeyAhead:
    """The API key of a request, read before its checks run: (ApiKey, secret) or None; and
    the signature to claim once authentication has checked it."""

    __slots__ = ("key", "found", "signature")

    def __init__(self, key: str, found) -> None:
        self.key, self.found = key, found
        self.signature: str | None = None

    def lookup(self, key: str):
        """ApiKeyAuthentication's `lookup`: the key read ahead (another key, which only a
        middleware that rewrote the header could bring, is looked up as usual, the checks
        then on a thread)."""
        return self.found if key == self.key else order_entry_key(key)

    def defer_claim(self, signature: str) -> None:
        """ApiKeyAuthentication's `claim` on the event loop: kept for `claim_deferred`."""
        self.signature = signature

    async def claim_deferred(self) -> None:
        """Claims the signature authentication checked, if it did; raises
        AuthenticationFailed (`replayed_request`) if it was used before."""
        signature, self.signature = self.signature, None
        if signature is not None:
            await aclaim_signature(signature)


async def read_key_ahead(request: HttpRequest) -> None:
    """Reads the key of the signed `request` (X-API-KEY) for its authentication, as of now:
    the key cache unless the key was marked ended since (`afresh_cached_key`), else the
    database on a shared thread. Raises django.db.Error if the database cannot say, a Redis
    error if Redis cannot."""
    key = request.META.get(KEY_HEADER, "")
    found = key and (await afresh_cached_key(key) or await db_read(active_key, key))
    setattr(request, _KEY_AHEAD, KeyAhead(key, found or None))


def key_ahead(request: HttpRequest) -> KeyAhead | None:
    return getattr(request, _KEY_AHEAD, None)


def fast_view(method: str, path: str) -> ResolverMatch | None:
    """Django's resolution of `path` if it names an order view that lists `method` among
    its `signed_fast_methods`, else None."""
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return None
    view_class = getattr(match.func, "view_class", None)
    if not (isinstance(view_class, type) and issubclass(view_class, OrderPipelineView)):
        return None
    return match if method.lower() in view_class.signed_fast_methods else None


class UsualJsonNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, with its answer for a program's usual request given at
    once: no query string (no `?format=`), an Accept that is absent, `*/*`,
    `application/*` or `application/json`, and a JSON renderer first. DRF's would pick that
    renderer, as `application/json`, after parsing the header."""

    USUAL_ACCEPT = frozenset(("*/*", "application/*", "application/json"))

    def select_renderer(self, request, renderers, format_suffix=None):
        meta = request._request.META
        if (
            not format_suffix
            and not meta.get("QUERY_STRING")
            and meta.get("HTTP_ACCEPT", "*/*").strip() in self.USUAL_ACCEPT
            and renderers
            and renderers[0].media_type == "application/json"
        ):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)


class OrderPipelineView(APIView):
    """An order view: adrf's APIView, its checks run on the event loop for a request whose
    key was read ahead (the fast path's; see the module's docstring)."""

    # The methods the fast path takes, signed with an API key.
    signed_fast_methods: ClassVar[frozenset[str]] = frozenset()
    content_negotiation_class = UsualJsonNegotiation
    _inline: ClassVar[dict[type, bool]] = {}

    def checks_run_inline(self) -> bool:
        """Whether `initial` waits on no I/O for a request whose key was read ahead: the
        key's authenticator decides alone (it comes first, and the header is there), and
        the permissions and throttles are plain functions (here, in memory)."""
        kind = type(self)
        if kind not in self._inline:
            authenticators = self.get_authenticators()
            self._inline[kind] = (
                bool(authenticators)
                and type(authenticators[0]) is ApiKeyAuthentication
                and not any(iscoroutinefunction(p.has_permission) for p in self.get_permissions())
                and not any(iscoroutinefunction(t.allow_request) for t in self.get_throttles())
            )
        return self._inline[kind]

    def initialize_request(self, request, *args, **kwargs):
        """DRF's, its key authenticator given the key read ahead, else, for order entry
        (any method but a read), `order_entry_key`: the key as it is now, in whatever
        process it was revoked. Reads keep the key cache's few seconds."""
        drf_request = super().initialize_request(request, *args, **kwargs)
        ahead = key_ahead(request)
        for authenticator in drf_request.authenticators:
            if not isinstance(authenticator, ApiKeyAuthentication):
                continue
            if ahead is not None:
                authenticator.lookup = ahead.lookup
            elif request.method not in SAFE_METHODS:
                authenticator.lookup = order_entry_key
        return drf_request

    async def initial_on_loop(self, request, ahead: KeyAhead, *args, **kwargs) -> None:
        """DRF's `initial`, its steps in its order, on the event loop; the signature's claim,
        deferred by the key's authenticator, awaited right after authentication."""
        for authenticator in request.authenticators:
            if isinstance(authenticator, ApiKeyAuthentication):
                authenticator.claim = ahead.defer_claim
        self.format_kwarg = self.get_format_suffix(**kwargs)
        negotiated = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = negotiated
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        self.perform_authentication(request)
        await ahead.claim_deferred()
        self.check_permissions(request)
        await self.check_throttles_on_loop(request)

    def check_permissions(self, request) -> None:
        """DRF's when the permissions are plain functions (adrf's would sort them into sync
        and async ones again on each request)."""
        if self.checks_run_inline():
            return DRFAPIView.check_permissions(self, request)
        return super().check_permissions(request)

    def check_throttles(self, request) -> None:
        """DRF's own when the throttles are plain functions (adrf's would go through
        `async_to_sync` for no throttle at all)."""
        if self.checks_run_inline():
            return DRFAPIView.check_throttles(self, request)
        return super().check_throttles(request)

    async def check_throttles_on_loop(self, request) -> None:
        """DRF's `check_throttles` (every throttle counts the request, the longest wait is
        answered), each throttle of ours awaited (`LoopThrottle.aallow_request`: a shared
        store's round trip does not block the loop), any other called as DRF calls it."""
        waits = []
        for throttle in self.get_throttles():
            if isinstance(throttle, LoopThrottle):
                allowed = await throttle.aallow_request(request, self)
            else:
                allowed = throttle.allow_request(request, self)
            if not allowed:
                waits.append(throttle.wait())
        if waits:
            self.throttled(request, max((w for w in waits if w is not None), default=None))

    def dispatch(self, request, *args, **kwargs):
        """adrf's asks `view_is_async`, which Django works out afresh on each call: an
        order view is async (its handlers are coroutine functions, or as_view refuses)."""
        return self.async_dispatch(request, *args, **kwargs)

    async def async_dispatch(self, request, *args, **kwargs):
        """adrf's, with `initial` (content negotiation, authentication, permissions,
        throttles) on the event loop when the key was read ahead and nothing in it waits."""
        self.args, self.kwargs = args, kwargs
        django_request = request
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            ahead = key_ahead(django_request)
            if (
                ahead is not None
                and ahead.key == django_request.META.get(KEY_HEADER)
                and self.checks_run_inline()
            ):
                await self.initial_on_loop(request, ahead, *args, **kwargs)
            else:
                await sync_to_async(self.initial)(request, *args, **kwargs)
            handler: Callable = self.http_method_not_allowed
            if request.method.lower() in self.http_method_names:
                handler = getattr(self, request.method.lower(), self.http_method_not_allowed)
            if iscoroutinefunction(handler):
                response = await handler(request, *args, **kwargs)
            else:
                response = await sync_to_async(handler)(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response
