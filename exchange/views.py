"""Views of the project itself: the home page and the liveness check."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness only: the process answers HTTP. Touches no database or service."""
    return JsonResponse({"status": "ok"})
