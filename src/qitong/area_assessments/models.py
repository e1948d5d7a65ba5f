"""Regional assessment results (issue 16, 《优化营商环境条例》第四十二条): a development zone is
assessed once per item, and the projects inside it reuse the result. A result changes state
only through the machine in area_assessments.transitions (workflow core); every change, and
every project and use recorded, is on the ledger."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from qitong.area_assessments.states import ProjectStage, RecordedBy, ResultState, ZoneLevel
from qitong.core import clock
from qitong.core.models import StoredFile
from qitong.directory.models import Department, Region
from qitong.enterprises.models import Enterprise


class Zone(models.Model):
    """A development zone or industrial park (开发区/园区), optionally with its boundary (a
    GeoJSON polygon in longitude/latitude) so a project's location finds its zone."""

    code = models.CharField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    level = models.CharField("级别", max_length=10, choices=ZoneLevel.choices)
    region = models.ForeignKey(
        Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="+"
    )
    managing_body = models.CharField("管理机构", max_length=100, blank=True)
    area_km2 = models.DecimalField(
        "面积（平方公里）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    boundary = models.JSONField("边界（GeoJSON）", null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "开发区（园区）"
        verbose_name_plural = verbose_name
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class AssessmentType(models.Model):
    """One of the items assessed for a whole zone (the ten Inner Mongolia uses by default),
    with the department that owns it and how long a result stays valid by default."""

    code = models.CharField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    department = models.ForeignKey(
        Department,
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    validity_months = models.PositiveSmallIntegerField("默认有效期（月）", default=60)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "评估事项"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Result(models.Model):
    """An assessment result for a zone and an item: who commissioned and who did it, its
    approval, validity and conditions of use. Published (公示) it may be used; collected (汇聚)
    it is also in the approval system; a newer published result of the same zone and item
    supersedes it; it expires by date or is revoked with a reason — never edited."""

    zone = models.ForeignKey(
        Zone, verbose_name="开发区（园区）", on_delete=models.PROTECT, related_name="results"
    )
    type = models.ForeignKey(
        AssessmentType, verbose_name="评估事项", on_delete=models.PROTECT, related_name="results"
    )
    title = models.CharField("成果名称", max_length=200)
    commissioned_by = models.CharField("委托单位", max_length=100)
    assessed_by = models.CharField("评估机构", max_length=100)
    department = models.ForeignKey(
        Department, verbose_name="审批（发布）部门", on_delete=models.PROTECT, related_name="+"
    )
    document_number = models.CharField("批复文号", max_length=60)
    approved_on = models.DateField("批复日期")
    valid_until = models.DateField("有效期至")
    conditions = models.TextField(
        "适用条件", help_text="适用的项目类型或规模，以及项目仍须办理的事项"
    )
    obligations = models.CharField(
        "项目仍须办理", max_length=200, blank=True, help_text="如：告知承诺、简化评估（编制登记表）"
    )
    state = models.CharField(
        "状态", max_length=12, choices=ResultState.choices, default=ResultState.DRAFT
    )
    published_on = models.DateField("公示日期", null=True, blank=True)
    publicity_days = models.PositiveSmallIntegerField("公示期（日）", null=True, blank=True)
    external_id = models.CharField("审批系统编号", max_length=60, blank=True)
    collected_on = models.DateField("汇聚日期", null=True, blank=True)
    ended_on = models.DateField("失效日期", null=True, blank=True)  # expired, revoked or superseded
    revoke_reason = models.CharField("撤销理由", max_length=500, blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name="替代",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=clock.now)
    updated_at = models.DateTimeField("更新时间", default=clock.now)
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True, editable=False)
    idempotency_digest = models.CharField("请求摘要", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "区域评估成果"
        verbose_name_plural = verbose_name
        ordering = ["zone", "type__sort_order", "-approved_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("approved_on")), name="aa_result_validity"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="aa_result_idempotency",
            ),
        ]
        indexes = [models.Index(fields=["zone", "type", "state"], name="aa_result_zone_type")]

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> str:
        return f"QY{self.pk:06d}"

    def valid_on(self, day: dt.date) -> bool:
        """Usable on `day`: published or collected, approved and not yet past its validity."""
        return (
            self.state in (ResultState.PUBLISHED, ResultState.COLLECTED)
            and self.approved_on <= day <= self.valid_until
        )


class ResultFile(StoredFile):
    result = models.ForeignKey(
        Result, verbose_name="成果", on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to="area_assessments/%Y/%m/")

    class Meta:
        verbose_name = "成果文件"
        verbose_name_plural = verbose_name


class Project(models.Model):
    """An investment project by its 24-character code (投资项目代码), in a zone."""

    code = models.CharField("投资项目代码", max_length=24, unique=True)
    name = models.CharField("项目名称", max_length=200)
    owner = models.ForeignKey(
        Enterprise,
        verbose_name="项目单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_name = models.CharField("项目单位名称", max_length=200)
    zone = models.ForeignKey(
        Zone, verbose_name="开发区（园区）", on_delete=models.PROTECT, related_name="projects"
    )
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField("建设地点", max_length=200, blank=True)
    investment = models.DecimalField("总投资（万元）", max_digits=14, decimal_places=2)
    stage = models.CharField(
        "阶段", max_length=12, choices=ProjectStage.choices, default=ProjectStage.PLANNING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=clock.now)

    class Meta:
        verbose_name = "投资项目"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Use(models.Model):
    """A project's use of a result for one of its approvals, with what it saved (days and
    money, and the basis of the estimate)."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="uses"
    )
    result = models.ForeignKey(
        Result, verbose_name="成果", on_delete=models.PROTECT, related_name="uses"
    )
    used_on = models.DateField("应用日期")
    approval = models.CharField(
        "服务的审批事项", max_length=100, help_text="如：环评审批、水土保持方案审批"
    )
    saved_days = models.PositiveIntegerField("节省时间（日）", default=0)
    saved_money = models.DecimalField(
        "节省费用（万元）", max_digits=12, decimal_places=2, default=0
    )
    basis = models.CharField("测算依据", max_length=500, blank=True)
    recorded_as = models.CharField("登记方", max_length=12, choices=RecordedBy.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="审批部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=clock.now)
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True, editable=False)
    idempotency_digest = models.CharField("请求摘要", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "成果应用"
        verbose_name_plural = verbose_name
        ordering = ["-used_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "result"], name="aa_use_once"),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="aa_use_idempotency",
            ),
        ]
        indexes = [models.Index(fields=["used_on"], name="aa_use_day")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.result}"
