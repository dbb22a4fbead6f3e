"""Markets, orders, trades and the matcher's bookkeeping, kept in step with the matcher."""

from exchange.models.candle import CandleMinute
from exchange.models.market import Market
from exchange.models.market_status import MarketStatus
from exchange.models.matcher_state import MatcherState
from exchange.models.order import Order, OrderEvent
from exchange.models.trade import Trade
from exchange.models.trading_stop import TradingStop

__all__ = [
    "CandleMinute",
    "Market",
    "MarketStatus",
    "MatcherState",
    "Order",
    "OrderEvent",
    "Trade",
    "TradingStop",
]
