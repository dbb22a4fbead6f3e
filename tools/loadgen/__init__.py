"""`python -m tools.loadgen`: a load generator and correctness check for a running exchange.

- `setup` makes load users with funded trading API keys (Django, same database as the server);
- `run` drives many concurrent signed clients placing and cancelling orders over REST or the
  WebSocket for a bounded time, against loopback addresses only, then checks that no
  acknowledged order was lost or duplicated, and prints one JSON report line (with the CPU
  per order of the processes it watches, also as a table on stderr).

One idea per module: `loopback` (the address guard), `signing`, `rest`, `ws` (transports),
`workload` (what orders to send), `runner` (the clients and the run), `stats` (latencies and
counts), `verify` (the after-run check), `setup`, `progress`, `rss`, `cpu` (CPU
per order of watched processes, from /proc).
"""
