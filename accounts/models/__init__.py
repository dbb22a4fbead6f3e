"""Users, their API keys, and their funds: balances, the ledger, transfers."""

from accounts.models.funds import (
    EXTERNAL_ACCOUNT,
    FEE_ACCOUNT,
    Balance,
    LedgerEntry,
    ReconciliationAlert,
    Transfer,
)
from accounts.models.users import ApiKey, User

__all__ = [
    "EXTERNAL_ACCOUNT",
    "FEE_ACCOUNT",
    "ApiKey",
    "Balance",
    "LedgerEntry",
    "ReconciliationAlert",
    "Transfer",
    "User",
]
