"""The job worker: claim due jobs for a lease, run them, delete them; queue periodic jobs when
their slot comes; beat a heart for /healthz. Any number of workers may run, on any number of
machines: claims never hand one job to two live workers, and a dead worker's lease runs out.

On PostgreSQL a claim takes rows with `FOR UPDATE SKIP LOCKED` (workers never wait for each
other); on SQLite the IMMEDIATE transaction serializes claims, and a worker only opens one
after a plain read has seen work, so an idle worker does not take the write lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils.module_loading import import_string

from qitong.core import clock
from qitong.core.health import WORKER_NAME
from qitong.core.models import WorkerHeartbeat
from qitong.jobs.models import Job, Periodic
from qitong.jobs.services import OUTBOXES, outbox_job, periodics_ensure

logger = logging.getLogger("qitong.jobs")


def lease() -> dt.timedelta:
    """How long a claim holds (QITONG_JOB_LEASE_SECONDS, default 30): a job must finish well
    within it, and a dead worker's jobs run again once it is over."""
    return dt.timedelta(seconds=settings.QITONG_JOB_LEASE_SECONDS)


HEARTBEAT_EVERY = 10.0  # seconds


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … at most 10 minutes between tries."""
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 600))


def _ready(now: dt.datetime) -> Q:
    return Q(failed_at__isnull=True, run_at__lte=now) & (
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    )


@dataclass
class Worker:
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    batch: int = 20
    poll: float = 0.5
    stop: threading.Event = field(default_factory=threading.Event)
    _funcs: dict[str, Callable[..., Any]] = field(default_factory=dict)
    _beat_at: float = 0.0

    # --- one pass ---------------------------------------------------------------------------
    def run_once(self, *, periodics: bool = True) -> int:
        """Queue due periodic jobs, then claim and run one batch; how many jobs ran."""
        self._heartbeat()
        if periodics:
            self._queue_periodics()
        self._queue_outboxes()
        jobs = self._claim()
        done: list[int] = []
        for job in jobs:
            if self.stop.is_set():
                break  # the rest of the batch goes back when the lease runs out
            if self._run(job):
                done.append(job.pk)
        # One DELETE for the batch (on SQLite, one write transaction instead of one per job);
        # a crash before it only lets idempotent jobs run again after their lease.
        if done:
            Job.objects.filter(pk__in=done, leased_by=self.name).delete()
        return len(jobs)

    def run_forever(self) -> None:
        periodics_ensure()
        logger.info("worker %s started", self.name)
        while not self.stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # a database hiccup must not end the worker
                logger.exception("worker pass failed")
                close_old_connections()
                ran = 0
            if not ran:
                self.stop.wait(self.poll)
        logger.info("worker %s stopped", self.name)

    # --- steps ------------------------------------------------------------------------------
    def _heartbeat(self) -> None:
        if time.monotonic() - self._beat_at < HEARTBEAT_EVERY:
            return
        WorkerHeartbeat.objects.update_or_create(
            name=WORKER_NAME, defaults={"last_seen": clock.now()}
        )
        self._beat_at = time.monotonic()

    def _queue_periodics(self) -> None:
        now = clock.now()
        for row in Periodic.objects.filter(next_run_at__lte=now):
            with transaction.atomic():
                won = Periodic.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
                    next_run_at=now + dt.timedelta(seconds=row.every_seconds)
                )
                if won:
                    Job.objects.create(func=row.func, args=[], run_at=now, created_at=now)

    def _queue_outboxes(self) -> None:
        for outbox in OUTBOXES.values():
            if (
                self._func(outbox.pending)()
                and not Job.objects.filter(key=f"outbox:{outbox.name}").exists()
            ):
                outbox_job(outbox)

    def _claim(self) -> list[Job]:
        now = clock.now()
        if not Job.objects.filter(_ready(now)).exists():
            return []
        with transaction.atomic():
            ready = Job.objects.filter(_ready(now)).order_by("run_at", "id")
            if connection.features.has_select_for_update_skip_locked:
                ready = ready.select_for_update(skip_locked=True)
            ids = list(ready.values_list("pk", flat=True)[: self.batch])
            Job.objects.filter(pk__in=ids).update(
                leased_by=self.name, leased_until=now + lease(), attempts=F("attempts") + 1
            )
        return list(Job.objects.filter(pk__in=ids, leased_by=self.name).order_by("run_at", "id"))

    def _func(self, path: str) -> Callable[..., Any]:
        if path not in self._funcs:
            self._funcs[path] = import_string(path)
        return self._funcs[path]

    def _run(self, job: Job) -> bool:
        """Run one claimed job; True when it succeeded (and may be deleted)."""
        mine = Job.objects.filter(pk=job.pk, leased_by=self.name)
        if not mine.filter(leased_until__gt=clock.now()).exists():
            return False  # the lease ran out (a long batch): another worker has it now
        try:
            self._func(job.func)(*job.args)
        except Exception as exc:
            now = clock.now()
            error = "".join(traceback.format_exception(exc))[-4000:]
            logger.warning("job %s %s failed (try %s): %s", job.pk, job.func, job.attempts, exc)
            if job.attempts >= job.max_attempts:
                # A failed keyed job gives its key up: the next pass may queue a fresh one.
                mine.update(failed_at=now, leased_until=None, last_error=error, key=None)
            else:
                mine.update(run_at=now + backoff(job.attempts), leased_until=None, last_error=error)
            return False
        return True


def drain(*, limit: int = 1000, periodics: bool = False) -> int:
    """Run every job that is due now, in this process (tests, a shell)."""
    worker = Worker(name=f"drain:{os.getpid()}", batch=limit)
    total = 0
    while (ran := worker.run_once(periodics=periodics)) and total < limit:
        total += ran
    return total
