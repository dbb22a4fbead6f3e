"""App config for the project package, which also holds markets, orders and trades."""

from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.backends.signals import connection_created
from django.db.models.signals import post_save


class ExchangeConfig(AppConfig):
    name = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from exchange.models import Trade
        from exchange.models.exact_sql import register_functions
        from exchange.selectors.db_thread import close_request_thread_connections
        from exchange.services.candle_rollups import trade_saved

        connection_created.connect(register_functions, dispatch_uid="exchange.exact_sql")
        post_save.connect(trade_saved, sender=Trade, dispatch_uid="exchange.candle_rollups")
        request_finished.connect(
            close_request_thread_connections, dispatch_uid="exchange.request_thread_connections"
        )
