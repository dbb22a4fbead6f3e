"""An implementation chosen in settings, the way Django's CACHES choose a cache backend."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


class FromSettings:
    """The object settings.<setting> names, `{"BACKEND": dotted path, "OPTIONS": {...}}`:
    `BACKEND(**OPTIONS)`, built on first use and again when the setting changes (tests
    override it)."""

    def __init__(self, setting: str) -> None:
        self.setting = setting
        self._built_from: dict | None = None
        self._built: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        config = getattr(settings, self.setting)
        if config is not self._built_from:
            with self._lock:
                if config is not self._built_from:
                    self._built = import_string(config["BACKEND"])(**config.get("OPTIONS", {}))
                    self._built_from = config
        return self._built
