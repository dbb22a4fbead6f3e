"""Admin registrations of markets, orders and trades (added by later issues)."""
