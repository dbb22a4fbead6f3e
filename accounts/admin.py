"""Admin registrations of accounts (added by later issues)."""
