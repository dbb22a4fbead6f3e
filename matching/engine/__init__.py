"""The matching core: standard library and sortedcontainers only (SPEC.md).

The pure-Python modules here are the reference; `matching/core.py` chooses whether they run
as they are or as their compiled build (`MATCHING_CORE`), and `BUILD` says which runs.
"""

from matching.core import choose, engine_path

BUILD = choose()
__path__ = engine_path(BUILD, __path__)

from .engine import Engine, malformed_reason  # noqa: E402  (after the build is chosen)

__all__ = ["BUILD", "Engine", "malformed_reason"]
