"""Models of accounts (added by later issues)."""
