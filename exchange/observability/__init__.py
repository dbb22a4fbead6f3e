"""What the web processes measure of themselves (end-to-end order latency, WebSocket
connections) and how `/metrics` and `/api/v1/performance` serve it with the matchers'."""
