"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from exchange import views
from exchange.observability.exposition import metrics_view

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", include(("exchange.api.urls", "api"))),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

# Under /api/ these answer with the API's error envelope; elsewhere with Django's pages.
handler400 = "exchange.api.errors.handler400"
handler403 = "exchange.api.errors.handler403"
handler404 = "exchange.api.errors.handler404"
handler500 = "exchange.api.errors.handler500"
