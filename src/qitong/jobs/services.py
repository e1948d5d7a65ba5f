"""Queueing jobs, and the periodic jobs the apps declare.

`job_enqueue` writes the job in the caller's transaction: no `on_commit`, no broker call, no
second connection — the request's own INSERT is the whole cost, and a rolled-back change
queues nothing. The worker (jobs.worker) runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

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


@dataclass(frozen=True)
class Outbox:
    """Rows an app writes in its own transactions for the worker to deliver (the app's
    notifications, say): no job per row. Every worker pass asks `pending` (a dotted path to a
    cheap indexed read: is anything due?) and, if so, queues `func` — a job without arguments
    that delivers a batch of due rows and marks each — as the one job with the outbox's key,
    so two workers never deliver the same outbox at once and a crashed delivery's job runs
    again after its lease. Registered in the app's AppConfig.ready."""

    name: str
    pending: str
    func: str


OUTBOXES: dict[str, Outbox] = {}


def outbox_register(outbox: Outbox) -> None:
    OUTBOXES[outbox.name] = outbox


def outbox_job(outbox: Outbox) -> bool:
    """Queue the outbox's delivery job unless it is already queued; True if this call did."""
    now = clock.now()
    try:
        with transaction.atomic():
            Job.objects.create(
                func=outbox.func, args=[], run_at=now, created_at=now, key=f"outbox:{outbox.name}"
            )
    except IntegrityError:
        return False
    return True
