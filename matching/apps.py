"""App config of the matcher: its management commands and Celery tasks."""

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"
