"""Quarterly assessment (issue 15): indicator schemes (versioned, never edited in place), rounds
of a scheme for a quarter, what a round snapshotted for each unit, the units' objections and
the values entered by hand with their evidence. A round changes only through the machine in
appraisal.transitions (workflow core); every change is on the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from qitong.appraisal.states import Missing, ObjectionState, RoundState, RuleKind, UnitScope
from qitong.core import clock
from qitong.core.models import StoredFile
from qitong.reforms.models import ReportingUnit


class Scheme(models.Model):
    """One version of an indicator scheme (指标体系). A revision is a new row with the same
    code and the next version (`replaces` the previous one); a round keeps the version it
    was created with, so a published result always shows the rules it was scored by."""

    code = models.CharField("体系编码", max_length=40)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("名称", max_length=200)
    scope = models.CharField("考核对象", max_length=12, choices=UnitScope.choices)
    description = models.TextField("说明", blank=True)
    basis = models.CharField("依据", max_length=300, blank=True)
    objection_days = models.PositiveSmallIntegerField("异议期（工作日）", default=5)
    bands = models.JSONField("等次划分", default=list)
    bonus_cap = models.DecimalField(
        "加分合计上限", max_digits=6, decimal_places=2, null=True, blank=True
    )
    deduction_cap = models.DecimalField(
        "扣分合计上限", max_digits=6, decimal_places=2, null=True, blank=True
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name="修订自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revision",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("制定时间", default=clock.now)

    class Meta:
        verbose_name = "指标体系"
        verbose_name_plural = verbose_name
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="appraisal_scheme_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"

    @property
    def is_latest(self) -> bool:
        try:
            return self.revision is None
        except Scheme.DoesNotExist:
            return True


class Indicator(models.Model):
    """A node of a scheme's tree: a dimension (level 1), a first-level (2) or second-level (3)
    indicator; a leaf reads a source and scores it by a rule. Deductions and bonus items sit
    beside the tree (no parent, no weight)."""

    scheme = models.ForeignKey(
        Scheme, verbose_name="指标体系", on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级指标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField("编码", max_length=20)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级")
    position = models.PositiveSmallIntegerField("排序", default=0)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2, default=0)
    adjustment = models.BooleanField("加减分项", default=False)
    source = models.CharField("数据来源", max_length=60, blank=True)
    rule = models.CharField("评分规则", max_length=12, choices=RuleKind.choices, blank=True)
    params = models.JSONField("规则参数", default=dict, blank=True)
    missing = models.CharField(
        "无数据时", max_length=10, choices=Missing.choices, default=Missing.EXCLUDE
    )
    description = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = verbose_name
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="appraisal_indicator_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Round(models.Model):
    """One round (一期考核): a scheme's version × a quarter. A correction of a published round
    is a new round (the next `version`) that `corrects` it; when the correction is published
    the old one becomes superseded, never edited."""

    scheme = models.ForeignKey(
        Scheme, verbose_name="指标体系", on_delete=models.PROTECT, related_name="rounds"
    )
    family = models.CharField("体系编码", max_length=40, db_index=True)  # scheme.code
    period = models.CharField("考核期间", max_length=6)  # 2026Q3
    version = models.PositiveSmallIntegerField("版次", default=1)
    corrects = models.OneToOneField(
        "self",
        verbose_name="更正",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    correction_reason = models.CharField("更正理由", max_length=1000, blank=True)
    state = models.CharField(
        "状态", max_length=12, choices=RoundState.choices, default=RoundState.DRAFT
    )
    snapshot = models.JSONField("计算时的指标体系", default=dict, blank=True)
    bands = models.JSONField("等次划分", default=list)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    review_opened_at = models.DateTimeField("公示时间", null=True, blank=True)
    objection_due = models.DateField("异议截止", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    publish_note = models.CharField("发布说明", max_length=1000, blank=True)
    revision = models.PositiveIntegerField("修订号", default=1)  # optimistic concurrency
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=clock.now)
    updated_at = models.DateTimeField("更新时间", default=clock.now)

    class Meta:
        verbose_name = "考核轮次"
        verbose_name_plural = verbose_name
        ordering = ["-period", "family", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "period", "version"], name="appraisal_round_version"
            ),
            # at most one round of a scheme and quarter being worked on at a time
            models.UniqueConstraint(
                fields=["family", "period"],
                condition=Q(
                    state__in=[RoundState.DRAFT, RoundState.COMPUTED, RoundState.IN_REVIEW]
                ),
                name="appraisal_round_open",
            ),
        ]

    def __str__(self) -> str:
        suffix = f"（更正第 {self.version} 版）" if self.version > 1 else ""
        return f"{self.scheme.name} {self.period}{suffix}"

    @property
    def period_label(self) -> str:
        """2026Q3 → 2026年第三季度."""
        from qitong.appraisal.periods import parse_quarter

        return parse_quarter(self.period).label

    @property
    def has_correction(self) -> bool:
        """A correction round (the next version) exists, whatever its state."""
        try:
            return self.correction is not None
        except Round.DoesNotExist:
            return False


class RoundUnit(models.Model):
    """A unit's result in a round: its inputs per indicator (snapshotted at compute; an upheld
    objection corrects one and records why) and the scores they give."""

    round = models.ForeignKey(
        Round, verbose_name="考核轮次", on_delete=models.CASCADE, related_name="units"
    )
    unit = models.ForeignKey(
        ReportingUnit, verbose_name="被考核单位", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("单位名称", max_length=50)  # as it was when computed
    inputs = models.JSONField("指标数据", default=dict)  # code → Figure.as_dict()
    scores = models.JSONField("指标得分", default=dict)  # code → {score, explain, points}
    weighted = models.DecimalField("指标得分合计", max_digits=6, decimal_places=2, default=0)
    bonus = models.DecimalField("加分", max_digits=6, decimal_places=2, default=0)
    deduction = models.DecimalField("扣分", max_digits=6, decimal_places=2, default=0)
    total = models.DecimalField("总分", max_digits=6, decimal_places=2, default=0)
    rank = models.PositiveSmallIntegerField("排名", default=0)  # 0: not ranked (no data)
    grade = models.CharField("等次", max_length=10, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)  # by rank, the unranked last

    class Meta:
        verbose_name = "单位得分"
        verbose_name_plural = verbose_name
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="appraisal_round_unit")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.total}"


class ManualValue(models.Model):
    """A value entered by hand for a manual indicator (a third-party survey's score), with the
    evidence it rests on. Each entry is a new row; the latest counts, the earlier stay."""

    round = models.ForeignKey(
        Round, verbose_name="考核轮次", on_delete=models.CASCADE, related_name="manual_values"
    )
    unit = models.ForeignKey(
        ReportingUnit, verbose_name="被考核单位", on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.CharField("指标编码", max_length=20)
    value = models.DecimalField("数值", max_digits=12, decimal_places=2)
    evidence = models.CharField("佐证说明", max_length=1000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        verbose_name = "人工录入值"
        verbose_name_plural = verbose_name
        ordering = ["round", "unit", "indicator", "-entered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.value}"


class Objection(models.Model):
    """A unit's objection to one of its figures in a round under review, with evidence; the
    assessor upholds it (giving the corrected value, which rescores the round) or rejects it,
    with reasons. States change through appraisal.transitions (OBJECTION)."""

    round = models.ForeignKey(
        Round, verbose_name="考核轮次", on_delete=models.PROTECT, related_name="objections"
    )
    unit = models.ForeignKey(
        ReportingUnit, verbose_name="提出单位", on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.CharField("异议指标", max_length=20)
    reason = models.TextField("异议理由")
    claimed_value = models.DecimalField(
        "单位认为的数值", max_digits=14, decimal_places=2, null=True, blank=True
    )
    state = models.CharField(
        "状态", max_length=10, choices=ObjectionState.choices, default=ObjectionState.OPEN
    )
    decision = models.TextField("处理意见", blank=True)
    corrected_value = models.DecimalField(
        "核定数值", max_digits=14, decimal_places=2, null=True, blank=True
    )
    old_value = models.DecimalField(
        "原数值", max_digits=14, decimal_places=2, null=True, blank=True
    )
    old_total = models.DecimalField("原总分", max_digits=6, decimal_places=2, null=True, blank=True)
    new_total = models.DecimalField(
        "核定后总分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField("提出时间", default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True, editable=False)
    idempotency_digest = models.CharField("请求摘要", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "考核异议"
        verbose_name_plural = verbose_name
        ordering = ["round", "filed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["filed_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="appraisal_objection_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator}"

    # What the machine's relations and guards read (loaded with the subject).
    @property
    def round_state(self) -> str:
        return str(self.round.state)

    @property
    def unit_department_id(self) -> int | None:
        return self.unit.department_id

    @property
    def unit_prefix(self) -> str:
        return str(self.unit.region.prefix)


class ObjectionFile(StoredFile):
    objection = models.ForeignKey(
        Objection, verbose_name="异议", on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to="appraisal/%Y/%m/")

    class Meta:
        verbose_name = "异议佐证材料"
        verbose_name_plural = verbose_name


class BoundaryMap(models.Model):
    """Optional GeoJSON of the 盟市 boundaries for the choropleth (none is bundled)."""

    name = models.CharField("名称", max_length=100)
    geojson = models.JSONField("GeoJSON")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=clock.now)

    class Meta:
        verbose_name = "边界数据"
        verbose_name_plural = verbose_name
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name
