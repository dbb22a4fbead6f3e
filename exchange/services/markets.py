"""Changing a defined market: the matcher applies the change first, as a journaled `market`
command, and only a change it applied may be saved.

A new market needs no command: the matcher picks it up from the database within a second
(matching/service/config_sync.py).
"""

from __future__ import annotations

import copy
from typing import Any

from exchange.errors import MarketChangeRefused
from exchange.models import Market
from matching.service import client
from matching.service.config_sync import market_change
from matching.service.reasons import reason_of

MATCHER_SILENT = "The matching engine did not answer; nothing was changed."
REFUSED = "The matching engine refused the change"


def market_change_apply(market: Market, **values: Any) -> Market:
    """`market` with `values` and the next version, once the matcher has applied them; the
    caller saves it. MarketChangeRefused if the matcher refused or did not answer (it changed
    nothing then); `market` itself is left as it was either way."""
    changed = copy.copy(market)
    for name, value in values.items():
        setattr(changed, name, value)
    changed.version = market.version + 1
    try:
        reply = client.call_sync(market_change(changed.engine_spec()), shard=market.shard)
    except client.MatcherUnavailable as error:
        raise MarketChangeRefused(MATCHER_SILENT) from error
    for event in reply.get("events", []):
        if event.get("kind") == "refused":
            reason = reason_of(event.get("reason", "unknown"))
            message = f"{reason.message or REFUSED} (matcher: {reason.code})"
            raise MarketChangeRefused(message, reason.field, reason=reason.code)
    changed.matcher_error = ""
    return changed
