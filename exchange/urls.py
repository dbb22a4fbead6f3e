"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import path
from django.views.generic import TemplateView

from exchange import views

urlpatterns = [
    path("", TemplateView.as_view(template_name="index.html"), name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
