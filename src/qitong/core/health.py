"""Health of the parts a deployment depends on: the database and the job worker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from qitong.core import clock
from qitong.core.checks import calendar_warning, uncovered_years
from qitong.core.models import WorkerHeartbeat

WORKER_NAME = "qitong-worker"


def health_status() -> tuple[bool, dict[str, Any]]:
    report: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        report["database"] = {"ok": False, "error": exc.__class__.__name__}
        return False, report
    beat = WorkerHeartbeat.objects.filter(name=WORKER_NAME).first()
    if beat is None:
        report["worker"] = {"ok": False, "last_seen": None, "detail": "后台任务进程未启动"}
    else:
        age = (clock.now() - beat.last_seen).total_seconds()
        report["worker"] = {
            "ok": age <= settings.QITONG_WORKER_STALE_SECONDS,
            "last_seen": beat.last_seen.isoformat(),
            "age_seconds": round(age),
        }
    # Not fatal (200 stays 200), but said: deadlines in these years count plain weekends.

    years = uncovered_years()
    report["calendar"] = {"ok": not years, "uncovered_years": years}
    if years:
        report["calendar"]["detail"] = calendar_warning(years)
    return report["database"]["ok"], report
