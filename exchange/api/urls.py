"""The REST paths of API.md, under /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from exchange.api.docs import ApiDocsView
from exchange.api.views import account, health, market_data, orders, performance

urlpatterns = [
    path("health", health.HealthView.as_view(), name="health"),
    path("performance", performance.PerformanceView.as_view(), name="performance"),
    path("symbols", market_data.SymbolsView.as_view(), name="symbols"),
    path("orders", orders.OrdersView.as_view(), name="orders"),
    path("orders/cancel-after", orders.CancelAfterView.as_view(), name="orders-cancel-after"),
    path("orders/<str:order_id>", orders.OrderView.as_view(), name="order"),
    path("book/<str:symbol>", market_data.BookView.as_view(), name="book"),
    path("book/<str:symbol>/imbalance", market_data.ImbalanceView.as_view(), name="imbalance"),
    path("bbo/<str:symbol>", market_data.BboView.as_view(), name="bbo"),
    path("trades/<str:symbol>", market_data.TradesView.as_view(), name="trades"),
    path("candles/<str:symbol>", market_data.CandlesView.as_view(), name="candles"),
    path("ticker/<str:symbol>", market_data.TickerView.as_view(), name="ticker"),
    path("account/balances", account.BalancesView.as_view(), name="account-balances"),
    path("account/trades", account.FillsView.as_view(), name="account-trades"),
    path("account/fees", account.FeesView.as_view(), name="account-fees"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
]
