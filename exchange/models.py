"""Markets, orders and trades (added by later issues)."""
