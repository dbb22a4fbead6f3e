"""Admin registrations of fees (added by later issues)."""
