"""The one source of "now" (STYLE habit 6): tests freeze it, services take it from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Aware current time in UTC (or the frozen time inside `frozen()`)."""
    return _frozen if _frozen is not None else timezone.now()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze `now()` at an aware datetime for the duration of the block (tests, replays)."""
    global _frozen
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous
