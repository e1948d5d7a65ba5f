"""The product's periodic jobs, as django-q2 `Schedule` rows kept in the database.

`schedules_ensure()` creates or repairs them by name (idempotent); `qitong serve` calls it at
start, and so does `migrate` (post_migrate), so a deployment that runs `qitong qcluster` on its
own gets them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HEARTBEAT_SCHEDULE_NAME = "qitong-worker-heartbeat"
HEARTBEAT_FUNC = "qitong.core.health.worker_heartbeat"


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    minutes: int
    purpose: str


# The worker's own heartbeat; each app adds its jobs in its AppConfig.ready (register).
SCHEDULES: list[Periodic] = [
    Periodic(HEARTBEAT_SCHEDULE_NAME, HEARTBEAT_FUNC, 1, "后台任务心跳（/healthz）"),
]


def register(periodic: Periodic) -> None:
    """Add an app's periodic job (idempotent by name)."""
    if all(p.name != periodic.name for p in SCHEDULES):
        SCHEDULES.append(periodic)


def schedules_ensure() -> list[Any]:
    from django_q.models import Schedule

    rows = []
    for periodic in SCHEDULES:
        row, _ = Schedule.objects.update_or_create(
            name=periodic.name,
            defaults={
                "func": periodic.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": periodic.minutes,
                "repeats": -1,
            },
        )
        rows.append(row)
    return rows


def ensure_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate hook: once django_q's tables exist, make sure the schedules do too."""
    from django.db import connections

    using = kwargs.get("using", "default")
    if "django_q_schedule" in connections[using].introspection.table_names():
        schedules_ensure()
