"""Users, API keys and request signing, balances and the ledger."""
