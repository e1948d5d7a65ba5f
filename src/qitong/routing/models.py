"""Routing consultations to policy specialists (DESIGN "Routing"), modelled on contact-centre
skills routing: ordered steps, each with a timeout; a request is offered to ONE specialist at
a time, who accepts or declines; an offer not taken in time moves on (the sweep). The offers
themselves are the tickets' (tickets.models.Offer): routing only chooses.

`Pairing` is the one-to-one (一对一) link of an enterprise to its specialist, tried first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qitong.directory.models import Specialist
from qitong.enterprises.models import Enterprise


class StepKind(models.TextChoices):
    PAIRED = "paired", "企业的一对一专员"
    DOMAIN_CITY = "domain_city", "同领域、企业所在盟市的专员"
    DOMAIN_REGION = "domain_region", "同领域、全区的专员"
    DESK = "desk", "退回专席"


class RoutingStep(models.Model):
    position = models.PositiveSmallIntegerField("顺序", unique=True)
    kind = models.CharField("方式", max_length=20, choices=StepKind.choices, unique=True)
    timeout_minutes = models.PositiveIntegerField(
        "每次邀请的等待时间（分钟）", default=30, help_text="专员在此时间内未接受，转下一位"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "分派步骤"
        verbose_name_plural = verbose_name
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}（{self.timeout_minutes} 分钟）"


class Pairing(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="pairings"
    )
    specialist = models.ForeignKey(
        Specialist, verbose_name="一对一专员", on_delete=models.PROTECT, related_name="pairings"
    )
    active = models.BooleanField("有效", default=True)
    paired_at = models.DateTimeField("结对时间")
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField("解除时间", null=True, blank=True)

    class Meta:
        verbose_name = "一对一结对"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(active=True),
                name="pairing_one_active_per_enterprise",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ↔ {self.specialist}"
