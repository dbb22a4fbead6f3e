"""Django's own middleware, run on the event loop instead of a worker thread.

Under ASGI, Django runs each MiddlewareMixin's `process_request`, `process_view` and
`process_response` through `sync_to_async` (thread-sensitive): for the seven middlewares of
a usual project that is a dozen hops to the request's thread and back per request, which
measured as most of daphne's time per REST order. The hooks of these middlewares only look
at the request and set headers or cookies (they do no I/O), so here they run inline. The
two that may touch the database do so only when a view changed something: then, and only
then, their response hook still goes to the thread (a session to save, messages to store).
"""

from __future__ import annotations

from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.functional import SimpleLazyObject, empty


class InlineHooks:
    """Mixed in before a MiddlewareMixin subclass: its hooks run on the event loop."""

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if self.response_needs_thread(request):
                return await sync_to_async(self.process_response, thread_sensitive=True)(
                    request, response
                )
            response = self.process_response(request, response)
        return response

    def response_needs_thread(self, request) -> bool:
        return False


class InlineViewHook(InlineHooks):
    """Also `process_view`: a coroutine under ASGI, so Django awaits it in place (under
    WSGI, the test client's, it stays the plain method)."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        if self.async_mode:
            process_view = self.process_view

            async def inline_process_view(request, callback, callback_args, callback_kwargs):
                return process_view(request, callback, callback_args, callback_kwargs)

            self.process_view = inline_process_view


class Security(InlineHooks, SecurityMiddleware):
    pass


class Common(InlineHooks, CommonMiddleware):
    pass


class Csrf(InlineViewHook, CsrfViewMiddleware):
    pass


class Authentication(InlineHooks, AuthenticationMiddleware):
    pass


class XFrameOptions(InlineHooks, XFrameOptionsMiddleware):
    pass


class Session(InlineHooks, SessionMiddleware):
    def response_needs_thread(self, request) -> bool:
        session = getattr(request, "session", None)
        return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class LazyStorage(SimpleLazyObject):
    """A request's message storage, made the first time it is used."""


def _storage_made(request) -> bool:
    """Whether the request has a message storage that was made."""
    storage = getattr(request, "_messages", None)
    return storage is not None and not (type(storage) is LazyStorage and storage._wrapped is empty)


class Messages(InlineHooks, MessageMiddleware):
    """Django's, the storage made when first used (`messages.add_message`, `get_messages`,
    a template's `messages`): most requests (every API request) never use it, and making
    it (a cookie signer, a session storage) costs more than the rest of the middleware. A
    storage never made has nothing to store."""

    def process_request(self, request) -> None:
        request._messages = LazyStorage(partial(default_storage, request))

    def process_response(self, request, response):
        if not _storage_made(request):
            return response
        return super().process_response(request, response)

    def response_needs_thread(self, request) -> bool:
        if not _storage_made(request):
            return False
        storage = request._messages
        return storage.used or storage.added_new
