"""Fault tests (issue 16): a private PostgreSQL and Redis, `run_matcher` and daphne as real
processes, a steady signed order load, and one fault of the things around the exchange per
test. See tests/faults/harness.py."""
