from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.http import FileResponse


class StoredFile(models.Model):
    """What every uploaded file keeps beside its `file` (which each model declares with its
    own folder): the name as uploaded (only ever displayed), the checked type, size and
    SHA-256 (also written to the ledger), who uploaded it and when."""

    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def download(self) -> FileResponse:
        """The file as a download under its original name, never sniffed as something else
        (callers authorize first)."""
        response = FileResponse(self.file.open("rb"), content_type=self.content_type)  # type: ignore[attr-defined]
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(self.original_name)}"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class WorkerHeartbeat(models.Model):
    """Last sign of life of a background worker; /healthz reads it (written by a scheduled job)."""

    name = models.CharField("名称", max_length=100, unique=True)
    last_seen = models.DateTimeField("最近心跳")

    class Meta:
        verbose_name = "后台任务心跳"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class HolidayOverride(models.Model):
    """An administrator's statement about one date, taking precedence over chinese-calendar:
    holidays of years the package does not cover yet, local holidays (e.g. 那达慕), 调休."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日", help_text="勾选表示该日上班（如调休补班日）")
    name = models.CharField("说明", max_length=50, blank=True, help_text="如：春节、国庆节调休")

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = verbose_name
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "上班" if self.is_workday else "休息"
        return f"{self.date:%Y-%m-%d} {kind} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose statutory holidays and make-up working days an administrator has loaded
    from the State Council's annual notice (国务院办公厅关于某年部分节假日安排的通知), for the years
    the chinese-calendar package has no data for. Until a year is covered — by the package or
    by a row here — its deadlines count plain weekends and are shown as provisional."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    notice = models.CharField("通知文号或标题", max_length=200, blank=True)
    loaded_at = models.DateTimeField("载入时间")
    loaded_by = models.CharField("载入人", max_length=150, blank=True)

    class Meta:
        verbose_name = "节假日安排载入记录"
        verbose_name_plural = verbose_name
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年 {self.notice}".strip()
