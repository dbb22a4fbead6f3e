"""Middleware for tests to add to settings.MIDDLEWARE: each leaves a mark that shows it ran.

`Recording` records each of its hooks as it is called (in CALLS) and marks the response;
`sync_only` is a plain function middleware, which Django runs on a thread; `Teapot` answers
every request itself; `Failing` raises in its request hook."""

from __future__ import annotations

from asgiref.sync import markcoroutinefunction
from django.http import JsonResponse
from django.utils.deprecation import MiddlewareMixin

CALLS: list[tuple] = []


class Recording(MiddlewareMixin):
    def process_request(self, request) -> None:
        CALLS.append(("request", request.method, request.path))

    def process_view(self, request, view, args, kwargs) -> None:
        CALLS.append(("view", view.view_class.__name__, tuple(args), dict(kwargs)))

    def process_template_response(self, request, response):
        CALLS.append(("template_response", type(response).__name__, response.status_code))
        response["X-Probe-Template"] = "seen"
        return response

    def process_response(self, request, response):
        CALLS.append(("response", response.status_code))
        response["X-Probe"] = "seen"
        response.set_cookie("probe", "seen")
        return response


def sync_only(get_response):
    def middleware(request):
        response = get_response(request)
        response["X-Sync-Probe"] = "seen"
        return response

    return middleware


class Teapot:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request):
        CALLS.append(("teapot", request.path))
        return JsonResponse({"probe": "teapot"}, status=418)


class Failing(MiddlewareMixin):
    def process_request(self, request) -> None:
        raise RuntimeError("probe failed")
