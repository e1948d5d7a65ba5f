"""Notifications as a transactional outbox: `notify()` writes the in-app rows and one
delivery job in the caller's transaction, so both exist exactly when the change does; the
worker sends the SMS (notifications.tasks), retrying with backoff, each row at most once.
"""

from __future__ import annotations

from collections.abc import Iterable

from qitong.accounts.models import User
from qitong.core import clock
from qitong.jobs.services import job_enqueue
from qitong.notifications.models import Notification


def notify(
    *,
    kind: str,
    text: str,
    users: Iterable[User] = (),
    phone: str = "",
    subject: tuple[str, str | int] | None = None,
) -> list[Notification]:
    subject_type, subject_id = (subject[0], str(subject[1])) if subject else ("", "")
    now = clock.now()
    rows = [
        Notification(
            user=user,
            phone=user.phone if user.phone and user.is_enterprise else "",
            kind=kind,
            text=text[:500],
            created_at=now,
            subject_type=subject_type,
            subject_id=subject_id,
        )
        for user in users
    ]
    if phone and not any(row.phone == phone for row in rows):
        rows.append(
            Notification(
                phone=phone,
                kind=kind,
                text=text[:500],
                created_at=now,
                subject_type=subject_type,
                subject_id=subject_id,
            )
        )
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created if row.phone]
    if ids:  # the outbox entry: committed with the change, or not at all
        job_enqueue("qitong.notifications.tasks.deliver_sms", ids)
    return created


def notification_mark_read(*, user: User, ids: Iterable[int]) -> int:
    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=clock.now()
    )
