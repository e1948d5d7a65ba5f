"""Queueing jobs, and the periodic jobs the apps declare.

`job_enqueue` writes the job in the caller's transaction: no `on_commit`, no broker call, no
second connection — the request's own INSERT is the whole cost, and a rolled-back change
queues nothing. The worker (jobs.worker) runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from qitong.core import clock
from qitong.jobs.models import Job, Periodic


def job_enqueue(func: str, *args: Any, delay: dt.timedelta | None = None) -> Job:
    """Queue `func(*args)` (a dotted path; args must be JSON) with the current transaction."""
    now = clock.now()
    return Job.objects.create(
        func=func, args=list(args), run_at=now + (delay or dt.timedelta()), created_at=now
    )


@dataclass(frozen=True)
class Every:
    """A job an app wants run every `seconds` (registered in its AppConfig.ready)."""

    name: str
    func: str
    seconds: int
    purpose: str = ""


PERIODICS: dict[str, Every] = {}


def periodic_register(every: Every) -> None:
    PERIODICS[every.name] = every


def periodics_ensure() -> list[Periodic]:
    """The registered periodic jobs as rows (created due now; an existing row keeps its
    slot, its function and interval follow the code)."""
    rows = []
    now = clock.now()
    with transaction.atomic():
        for every in PERIODICS.values():
            row, created = Periodic.objects.get_or_create(
                name=every.name,
                defaults={
                    "func": every.func,
                    "every_seconds": every.seconds,
                    "next_run_at": now,
                    "purpose": every.purpose,
                },
            )
            if not created and (row.func, row.every_seconds) != (every.func, every.seconds):
                row.func, row.every_seconds, row.purpose = every.func, every.seconds, every.purpose
                row.save(update_fields=["func", "every_seconds", "purpose"])
            rows.append(row)
    return rows
