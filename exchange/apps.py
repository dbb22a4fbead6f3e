"""App config for the project package, which also holds markets, orders and trades."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ExchangeConfig(AppConfig):
    name = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from exchange.models.exact_sql import register_functions

        connection_created.connect(register_functions, dispatch_uid="exchange.exact_sql")
