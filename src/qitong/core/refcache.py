"""Per-process caches of small reference tables read on hot paths (SLA policies, holiday
overrides): loaded once, reused for `QITONG_REFERENCE_CACHE_SECONDS`, dropped at once in the
process that saves or deletes a row. Another web process sees an administrator's change
within that many seconds (default 60); 0 turns caching off (the test settings do, because a
test's rolled-back change must not outlive the test).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


class ReferenceCache(Generic[T]):
    def __init__(self, loader: Callable[[], T]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._value: T | None = None
        self._loaded_at = 0.0

    def get(self) -> T:
        ttl = float(getattr(settings, "QITONG_REFERENCE_CACHE_SECONDS", 60))
        if ttl <= 0:
            return self._loader()
        with self._lock:
            if self._value is None or time.monotonic() - self._loaded_at > ttl:
                self._value = self._loader()
                self._loaded_at = time.monotonic()
            return self._value

    def clear(self, *args: object, **kwargs: object) -> None:
        with self._lock:
            self._value = None

    def invalidated_by(self, model: type[models.Model]) -> None:
        """Drop the cached value whenever a row of `model` is saved or deleted here."""
        uid = f"refcache-{id(self)}-{model._meta.label}"
        post_save.connect(self.clear, sender=model, weak=False, dispatch_uid=uid + "-save")
        post_delete.connect(self.clear, sender=model, weak=False, dispatch_uid=uid + "-delete")
