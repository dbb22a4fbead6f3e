"""Markets, orders, trades and the matcher's bookkeeping, kept in step with the matcher."""

from exchange.models.market import Market
from exchange.models.matcher_state import MatcherState
from exchange.models.order import Order, OrderEvent
from exchange.models.trade import Trade

__all__ = ["Market", "MatcherState", "Order", "OrderEvent", "Trade"]
