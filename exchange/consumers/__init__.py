"""The WebSocket API at /ws/v1 (API.md): consumer, per-connection streams and buffers."""
