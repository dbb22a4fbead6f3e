"""The names of audited actions, `<object type>.<verb>`, and the object type of each model
the admin audits. Code outside the admin (kill switches, user trading stop) records its own
actions with these names through `audit.services.audit_record`."""

from __future__ import annotations

import re

from django.db.models import Model

NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")

MARKET_ADD = "market.add"
MARKET_CHANGE = "market.change"
MARKET_DELETE = "market.delete"
MARKET_HALT = "market.halt"
MARKET_RESUME = "market.resume"
# kill switches (issue 19): all markets at once
MARKETS_HALT_ALL = "market.halt_all"
MARKETS_RESUME_ALL = "market.resume_all"

FEE_TIER_ADD = "fee_tier.add"
FEE_TIER_CHANGE = "fee_tier.change"
FEE_TIER_DELETE = "fee_tier.delete"
FEE_OVERRIDE_ADD = "fee_override.add"
FEE_OVERRIDE_CHANGE = "fee_override.change"
FEE_OVERRIDE_DELETE = "fee_override.delete"

TRANSFER_CREDIT = "transfer.credit"
TRANSFER_DEBIT = "transfer.debit"

API_KEY_CREATE = "api_key.create"
API_KEY_CHANGE = "api_key.change"
API_KEY_DELETE = "api_key.delete"
API_KEY_REVOKE = "api_key.revoke"

USER_ADD = "user.add"
USER_CHANGE = "user.change"
USER_DELETE = "user.delete"
USER_PASSWORD_CHANGE = "user.password_change"
USER_TRADING_STOP = "user.trading_stop"
USER_TRADING_RESUME = "user.trading_resume"

# model label -> the object type its entries name
OBJECT_TYPES = {
    "exchange.market": "market",
    "exchange.matcherstate": "matcher_state",
    "fees.feetier": "fee_tier",
    "fees.feeoverride": "fee_override",
    "accounts.transfer": "transfer",
    "accounts.apikey": "api_key",
    "accounts.user": "user",
    "exchange.tradingstop": "trading_stop",
}


def object_type(model: type[Model] | Model) -> str:
    """The object type of `model`'s entries: a name of OBJECT_TYPES, else the model's name."""
    return OBJECT_TYPES.get(model._meta.label_lower, model._meta.model_name)


def admin_action(obj: Model, verb: str) -> str:
    """The action an admin form's `verb` (add, change, delete) on `obj` is recorded as:
    `<type>.<verb>`, but a new API key is `api_key.create` and a new transfer is
    `transfer.credit` or `transfer.debit`, by its kind, and a trading stop added or deleted is
    `user.trading_stop` or `user.trading_resume`."""
    kind = object_type(obj)
    if verb == "add" and kind == "api_key":
        return API_KEY_CREATE
    if verb == "add" and kind == "transfer":
        return f"transfer.{obj.kind}"
    if kind == "trading_stop":  # a stop added or lifted is the user's
        return USER_TRADING_STOP if verb == "add" else USER_TRADING_RESUME
    return f"{kind}.{verb}"
