"""The audit trail: every admin action in an append-only, SHA-256-chained table."""
