"""Background delivery of the outbox. Idempotent: a row whose SMS was sent is never sent
again, and the gateway is given the row's key, so a retry after a crash between sending and
recording is delivered once."""

from __future__ import annotations

from django.db import transaction

from qitong.accounts.sms import get_backend
from qitong.core import clock
from qitong.notifications.models import Notification


def deliver_sms(ids: list[int]) -> int:
    backend = get_backend()
    sent = 0
    for pk in ids:
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update()
                .filter(pk=pk, sms_sent_at__isnull=True)
                .first()
            )
            if row is None or not row.phone:
                continue
            backend.send(row.phone, f"【企通】{row.text}", key=f"notification-{row.pk}")
            row.sms_sent_at = clock.now()
            row.save(update_fields=["sms_sent_at"])
            sent += 1
    return sent
