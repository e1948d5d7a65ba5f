"""Notifications: one row per message to one person, delivered in-app and (if a phone is
known) by SMS. The row is the SMS outbox: written in the transaction of the change, it is
due (`sms_due_at`) from then, and the worker delivers due rows in batches (notifications.tasks),
retrying a failing one with backoff, each at most once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    phone = models.CharField("短信号码", max_length=20, blank=True)
    subject_type = models.CharField("对象类型", max_length=40, blank=True)
    subject_id = models.CharField("对象标识", max_length=64, blank=True)
    kind = models.CharField("类别", max_length=40)
    text = models.CharField("内容", max_length=500)
    created_at = models.DateTimeField("生成时间", db_index=True)
    sms_sent_at = models.DateTimeField("短信发送时间", null=True, blank=True)
    # When the SMS is next to be tried; NULL: nothing to send (no phone, sent, or given up).
    sms_due_at = models.DateTimeField("短信待发时间", null=True, blank=True)
    sms_attempts = models.PositiveSmallIntegerField("短信尝试次数", default=0)
    sms_error = models.CharField("短信发送错误", max_length=500, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            # What the worker polls: SMS still to send, by when they are due.
            models.Index(
                fields=["sms_due_at"],
                name="notification_sms_due",
                condition=models.Q(sms_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]
