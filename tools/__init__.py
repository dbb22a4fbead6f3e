"""Developer tools that run beside the exchange (not part of the served application)."""
