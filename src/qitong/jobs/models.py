"""Background jobs as rows of the main database (docs/decisions/0007-jobs.md).

A job is written in the transaction of the change that calls for it (a transactional outbox:
it exists exactly when the change does), claimed by a worker for a lease, and deleted when it
has run. A worker that dies mid-job leaves its lease to run out; then another claims it. Jobs
are plain functions of an app's `tasks.py` that take ids and are idempotent: a job may run
again after a crash, its effect happens once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Job(models.Model):
    func = models.CharField("任务", max_length=200)  # dotted path of the function
    args = models.JSONField("参数", default=list, blank=True)
    run_at = models.DateTimeField("计划执行时间")
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    max_attempts = models.PositiveSmallIntegerField("最多尝试次数", default=8)
    leased_by = models.CharField("执行进程", max_length=80, blank=True)
    leased_until = models.DateTimeField("租约到期", null=True, blank=True)
    failed_at = models.DateTimeField("失败时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间")
    # At most one job with a given key exists (an outbox's delivery run: see jobs.services);
    # most jobs have none.
    key = models.CharField("唯一键", max_length=80, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = verbose_name
        indexes = [
            # What a worker polls: jobs still to run, by when they are due.
            models.Index(
                fields=["run_at", "id"], name="job_ready", condition=Q(failed_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.func}{self.args}"


class Periodic(models.Model):
    """A periodic job's next slot: the worker that moves `next_run_at` on (a conditional
    update, so exactly one of several workers wins a slot) queues the job for it."""

    name = models.CharField("名称", max_length=80, unique=True)
    func = models.CharField("任务", max_length=200)
    every_seconds = models.PositiveIntegerField("间隔（秒）")
    next_run_at = models.DateTimeField("下次执行")
    purpose = models.CharField("用途", max_length=200, blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name
