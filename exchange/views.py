"""Views of the project itself: the trading page, sign-up and the liveness check."""

from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from exchange.services.signup import signup_demo_funds_grant


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness only: the process answers HTTP. Touches no database or service."""
    return JsonResponse({"status": "ok"})


@require_safe
@ensure_csrf_cookie
def index(request: HttpRequest) -> HttpResponse:
    """The trading page. Market data for everyone; the page's script talks to the REST API
    (session cookie + CSRF token) and to /ws/v1."""
    return render(request, "index.html")


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new account, logged in at once; funded only where EXCHANGE_DEMO_FUNDS is on."""
    if request.user.is_authenticated:
        return redirect("index")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            signup_demo_funds_grant(user=user)
        login(request, user)
        return redirect("index")
    return render(request, "registration/signup.html", {"form": form})
