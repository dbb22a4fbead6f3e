"""Models of fees (added by later issues)."""
