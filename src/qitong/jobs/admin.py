from django.contrib import admin

from qitong.jobs.models import Job, Periodic
from qitong.ledger.modeladmin import ReadOnlyAdmin


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Queued, retried and failed jobs (a job that ran is deleted): shown, never edited."""

    list_display = ("id", "func", "run_at", "attempts", "leased_by", "leased_until", "failed_at")
    list_filter = ("func", "failed_at")
    search_fields = ("func", "last_error")


@admin.register(Periodic)
class PeriodicAdmin(ReadOnlyAdmin):
    list_display = ("name", "func", "every_seconds", "next_run_at", "purpose")
