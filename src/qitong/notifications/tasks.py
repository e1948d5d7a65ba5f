"""Delivery of the SMS outbox (see notifications.services), as the jobs app's outbox: the
worker queues `deliver_due` whenever `sms_due` sees a due row, one such job at a time.

Each row is delivered once: the batch's sent rows are marked in one UPDATE (one write
transaction per batch, not per message: on SQLite the web requests' writers wait for fewer),
and the gateway is given each row's key, so a retry after a crash between sending and marking
delivers once (SmsBackend's contract). A failing row is tried again with backoff and given up
after MAX_ATTEMPTS (its error kept).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db.models import F

from qitong.accounts.sms import get_backend
from qitong.core import clock
from qitong.notifications.models import Notification

logger = logging.getLogger("qitong.notifications")

BATCH = 100
MAX_ATTEMPTS = 8
# Stop taking new rows after this long, well inside the job's lease (QITONG_JOB_LEASE_SECONDS,
# 30 s by default), so no second worker ever starts on rows this one is still sending.
BUDGET_SECONDS = 10.0


def sms_due() -> bool:
    """Is any SMS due now? (An indexed read; the worker asks on every pass.)"""
    return Notification.objects.filter(sms_due_at__lte=clock.now()).exists()


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … at most an hour between tries."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver_due() -> int:
    """Send a batch of due SMS; how many were sent."""
    backend = get_backend()
    started = time.monotonic()
    rows = list(
        Notification.objects.filter(sms_due_at__lte=clock.now())
        .order_by("sms_due_at", "id")
        .only("id", "phone", "text", "sms_attempts")[:BATCH]
    )
    sent: list[int] = []
    for row in rows:
        if time.monotonic() - started > BUDGET_SECONDS:
            break  # the rest stay due: the next pass queues another run
        attempts = row.sms_attempts + 1
        try:
            backend.send(row.phone, f"【企通】{row.text}", key=f"notification-{row.pk}")
        except Exception as exc:
            logger.warning("sms %s failed (try %s): %s", row.pk, attempts, exc)
            retry = clock.now() + backoff(attempts) if attempts < MAX_ATTEMPTS else None
            Notification.objects.filter(pk=row.pk, sms_sent_at__isnull=True).update(
                sms_attempts=attempts, sms_due_at=retry, sms_error=str(exc)[:500]
            )
            continue
        sent.append(row.pk)
    if sent:
        Notification.objects.filter(pk__in=sent, sms_sent_at__isnull=True).update(
            sms_sent_at=clock.now(), sms_due_at=None, sms_attempts=F("sms_attempts") + 1
        )
    return len(sent)


def deliver_sms(ids: list[int]) -> int:
    """Jobs queued before the outbox (one per notification) still deliver their rows."""
    Notification.objects.filter(pk__in=ids, sms_sent_at__isnull=True).exclude(phone="").update(
        sms_due_at=clock.now()
    )
    return deliver_due()
