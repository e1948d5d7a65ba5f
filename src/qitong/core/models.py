from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """Last sign of life of a background worker; /healthz reads it (written by a scheduled job)."""

    name = models.CharField("名称", max_length=100, unique=True)
    last_seen = models.DateTimeField("最近心跳")

    class Meta:
        verbose_name = "后台任务心跳"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name
