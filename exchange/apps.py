"""App config for the project package, which also holds markets, orders and trades."""

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    default_auto_field = "django.db.models.BigAutoField"
