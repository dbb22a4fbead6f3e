"""The matching side of the exchange: the pure core (`engine/`) and the tools around it."""
