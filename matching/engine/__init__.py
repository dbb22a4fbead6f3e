"""The pure-Python matching core: standard library and sortedcontainers only (SPEC.md)."""

from .engine import Engine, malformed_reason

__all__ = ["Engine", "malformed_reason"]
