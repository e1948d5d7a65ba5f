"""Reference data: regions (行政区划), departments, enterprise desks, policy specialists.

Plain CRUD through the admin (STYLE: reference data has no service layer), but every change is
ledgered by the admin and the Excel import (ledger.services.ledger_record_change).
Nothing here is deleted while anything refers to it: rows are deactivated instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qitong.core.workdays import WorkingHours


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "盟市"
    COUNTY = "county", "旗县市区"


class Region(models.Model):
    """An administrative region with its GB/T 2260 code; the tree follows the code digits."""

    code = models.CharField("区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """Code prefix shared by this region and everything under it (15, 1501, 150102)."""
        return {RegionLevel.PROVINCE: self.code[:2], RegionLevel.CITY: self.code[:4]}.get(
            RegionLevel(self.level), self.code
        )

    def contains(self, other: Region) -> bool:
        return other.code.startswith(self.prefix)


def code_prefix(code: str) -> str:
    """A region code's subtree as a prefix, from the code alone: 150000 → 15, 150200 → 1502,
    150221 → 150221 (the lists filter by it)."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


class DepartmentLevel(models.TextChoices):
    PROVINCE = "province", "自治区本级"
    CITY = "city", "盟市级"
    COUNTY = "county", "旗县级"


class Department(models.Model):
    """A government department (承办单位) that handles dispatched work orders."""

    code = models.CharField("机构代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="departments"
    )
    level = models.CharField("层级", max_length=10, choices=DepartmentLevel.choices)
    kind = models.CharField(
        "职能类别",
        max_length=40,
        blank=True,
        help_text="同类部门在各级的统一标识，如 market_regulation（市场监管）",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级业务部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_business_env_authority = models.BooleanField("营商环境主管部门", default=False)
    # The 政务数据局: collects the regional assessment results into the approval system and
    # reads their figures (area_assessments).
    is_data_authority = models.BooleanField("政务数据主管部门", default=False)
    reply_needs_signoff = models.BooleanField(
        "答复须部门领导审签",
        default=False,
        help_text="勾选后，承办人的答复先交本单位部门领导审签，审签通过才提交专席审核",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "承办单位"
        verbose_name_plural = verbose_name
        ordering = ["region__sort_order", "region__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Desk(models.Model):
    """An enterprise service desk (企业服务专席) of the 12345 hotline; its region is its jurisdiction."""

    code = models.CharField("专席编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        Region, verbose_name="服务区域", on_delete=models.PROTECT, related_name="desks"
    )
    phone = models.CharField("专席电话", max_length=30, blank=True)
    working_hours = models.JSONField(
        "工作时段",
        default=list,
        blank=True,
        help_text='按“工作小时”计算的时限使用；如 [["09:00", "12:00"], ["13:30", "17:30"]]，留空用默认时段',
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "企业服务专席"
        verbose_name_plural = verbose_name
        ordering = ["region__sort_order", "region__code", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            WorkingHours.from_config(self.working_hours)
        except ValueError as exc:
            raise ValidationError({"working_hours": str(exc)}) from exc


class PolicyDomain(models.Model):
    """A policy field a specialist answers for (税费, 金融, 用地, ...)."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "政策领域"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Language(models.TextChoices):
    CHINESE = "zh", "汉语"
    MONGOLIAN = "mn", "蒙古语"


class Specialist(models.Model):
    """A policy specialist (政策专员) who answers consultations one-to-one."""

    code = models.CharField("专员编号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="specialist_profile",
    )
    department = models.ForeignKey(
        Department, verbose_name="所在单位", on_delete=models.PROTECT, related_name="specialists"
    )
    region = models.ForeignKey(
        Region, verbose_name="服务区域", on_delete=models.PROTECT, related_name="specialists"
    )
    domains = models.ManyToManyField(
        PolicyDomain, verbose_name="政策领域", related_name="specialists"
    )
    languages = models.JSONField("服务语言", default=list, help_text='如 ["zh", "mn"]')
    capacity = models.PositiveSmallIntegerField("同时受理上限", default=5)
    duty_hours = models.JSONField(
        "值班时段",
        default=list,
        blank=True,
        help_text='工作日内接收新咨询的时段，如 [["08:30", "12:00"], ["14:30", "18:00"]]；'
        "留空则在岗即接收",
    )
    on_duty = models.BooleanField("在岗", default=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "政策专员"
        verbose_name_plural = verbose_name
        ordering = ["region__sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.department}）"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            WorkingHours.from_config(self.duty_hours)
        except ValueError as exc:
            raise ValidationError({"duty_hours": str(exc).replace("工作时段", "值班时段")}) from exc
