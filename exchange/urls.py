"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from exchange import views
from exchange.login_guard import guarded
from exchange.observability.exposition import metrics_view

admin.site.site_header = "Exchange administration"
admin.site.site_title = "Exchange admin"
admin.site.index_title = "Markets, users and funds"

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", include(("exchange.api.urls", "api"))),
    # login, sign-up and admin login limited per client address, logins locked out after
    # repeated failures (exchange/login_guard.py); the same views and names as Django's
    path("accounts/signup/", guarded(views.signup, login=False), name="signup"),
    path("accounts/login/", guarded(auth_views.LoginView.as_view()), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/login/", guarded(admin.site.login)),
    path("admin/", admin.site.urls),
]

# Under /api/ these answer with the API's error envelope; elsewhere with Django's pages.
handler400 = "exchange.api.errors.handler400"
handler403 = "exchange.api.errors.handler403"
handler404 = "exchange.api.errors.handler404"
handler500 = "exchange.api.errors.handler500"
