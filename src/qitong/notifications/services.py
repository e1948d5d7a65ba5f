"""Notifications as a transactional outbox: `notify()` writes the rows in the caller's
transaction, so they exist exactly when the change does; a row with a phone is due for SMS at
once, and the worker delivers due rows in batches (notifications.tasks), retrying with backoff,
each at most once. No job row per notification and no broker call in the request.

Recipients given as a queryset are never loaded: `notify_all` writes every such note of an
action in one INSERT … SELECT.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.notifications.models import Notification

TEXT_LIMIT = 500


@dataclass(frozen=True)
class Note:
    """One message: to each of `users` (a list, or a queryset that is never loaded; an
    enterprise user's row also carries the user's phone for SMS), and by SMS to `phone` unless
    one of the users already has it."""

    kind: str
    text: str
    users: Iterable[User] | QuerySet[User] = ()
    phone: str = ""
    subject: tuple[str, str | int] | None = None

    def common(self) -> dict[str, str]:
        subject_type, subject_id = (
            (self.subject[0], str(self.subject[1])) if self.subject else ("", "")
        )
        return {
            "kind": self.kind,
            "text": self.text[:TEXT_LIMIT],
            "subject_type": subject_type,
            "subject_id": subject_id,
        }


def notify(
    *,
    kind: str,
    text: str,
    users: Iterable[User] | QuerySet[User] = (),
    phone: str = "",
    subject: tuple[str, str | int] | None = None,
) -> None:
    notify_all([Note(kind=kind, text=text, users=users, phone=phone, subject=subject)])


def notify_all(notes: Sequence[Note]) -> None:
    """Write the notes' rows: those with loaded users in one bulk INSERT, those with querysets
    in one INSERT … SELECT."""
    now = clock.now()
    rows: list[Notification] = []
    selected: list[Note] = []
    for note in notes:
        if isinstance(note.users, QuerySet) and not note.users.query.is_empty():
            selected.append(note)
            continue
        users = [] if isinstance(note.users, QuerySet) else list(note.users)  # .none(): nobody
        common = note.common()
        mine = []
        for user in users:
            sms = user.phone if user.phone and user.is_enterprise else ""
            mine.append(
                Notification(
                    user=user, phone=sms, created_at=now, sms_due_at=now if sms else None, **common
                )
            )
        if note.phone and not any(row.phone == note.phone for row in mine):
            mine.append(Notification(phone=note.phone, created_at=now, sms_due_at=now, **common))
        rows += mine
    if rows:
        Notification.objects.bulk_create(rows)
    if selected:
        _insert_selected(selected, now)


def _insert_selected(notes: list[Note], at: Any) -> None:
    """One INSERT … SELECT … UNION ALL …: per note, its recipients' rows, and its extra phone's
    row unless a recipient has that phone."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(at)
    column = {f.name: str(f.column) for f in Notification._meta.concrete_fields}
    names = ["user", "phone", "subject_type", "subject_id", "kind", "text", "created_at"]
    names += ["sms_due_at", "sms_attempts", "sms_error"]
    columns = ", ".join(ops.quote_name(column[name]) for name in names)
    constants = ", ".join(["%s"] * 5)
    enterprise_phone = "u.role = %s AND u.phone <> ''"
    parts: list[str] = []
    params: list[Any] = []
    for note in notes:
        assert isinstance(note.users, QuerySet)
        users, users_params = (
            note.users.order_by().values("id", "phone", "role").query.sql_with_params()
        )
        common = note.common()
        values = [common["subject_type"], common["subject_id"], common["kind"], common["text"], now]
        parts.append(
            f"SELECT u.id, CASE WHEN {enterprise_phone} THEN u.phone ELSE '' END, {constants}, "  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
            f"CASE WHEN {enterprise_phone} THEN %s ELSE NULL END, 0, '' FROM ({users}) u"
        )
        params += [Role.ENTERPRISE, *values, Role.ENTERPRISE, now, *users_params]
        if note.phone:
            parts.append(
                f"SELECT NULL, %s, {constants}, %s, 0, '' WHERE NOT EXISTS "  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
                f"(SELECT 1 FROM ({users}) v WHERE v.role = %s AND v.phone = %s)"
            )
            params += [note.phone, *values, now, *users_params, Role.ENTERPRISE, note.phone]
    table = ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) " + " UNION ALL ".join(parts), params)


def notification_mark_read(*, user: User, ids: Iterable[int]) -> int:
    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=clock.now()
    )
