"""App config of the matcher service: its management commands, Celery tasks and schedules.

The label stays `matching`, the name the app's migrations and tables were made under."""

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching.service"
    label = "matching"
    verbose_name = "Matching"
