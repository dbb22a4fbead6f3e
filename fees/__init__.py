"""Fee tiers, per-user overrides and 30-day volumes."""
