"""Queue notifications inside a business transaction; deliver them after it commits.

`notify()` writes the in-app row in the caller's transaction (so it exists exactly when the
change does) and schedules SMS delivery with `transaction.on_commit` as a background job.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from qitong.accounts.models import User
from qitong.core import clock
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
    if ids:
        transaction.on_commit(lambda: _enqueue_sms(ids))
    return created


def _enqueue_sms(ids: list[int]) -> None:
    from django_q.tasks import async_task

    async_task("qitong.notifications.tasks.deliver_sms", ids, task_name="deliver_sms")


def notification_mark_read(*, user: User, ids: Iterable[int]) -> int:
    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=clock.now()
    )
