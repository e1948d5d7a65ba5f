"""Supervision (issue 13): activities that find problems, problems rectified to 销号 on the
workflow core (supervision.transitions), and the quarterly accountability records disclosed
on a public page.

A problem's responsible unit is a department (承办单位, with its region); `region_code` is
that region's code and `owner_code` the code of the supervising office that registered it,
so both the unit's region and the office above read it through one indexed prefix filter
(supervision.selectors). Figures a list filters on (deadline, overdue, on time, days to
close) are stored when the state changes, never recomputed per row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from qitong.core import clock
from qitong.core.models import StoredFile
from qitong.directory.models import Department, Region
from qitong.enterprises.models import Enterprise
from qitong.supervision.states import (
    CLOCKED_STATES,
    AccountabilityMeasure,
    ActivityKind,
    EntryState,
    Escalation,
    FileKind,
    LimitUnit,
    ProblemClass,
    ProblemSource,
    ProblemState,
)


class ProblemCategory(models.Model):
    """Reference data (admin-editable): what kind of obstacle a problem is. The codes of the
    defaults match the tickets' 反映问题 categories, so a promoted ticket keeps its own."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "问题类别"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ClassLimit(models.Model):
    """The rectification limit of a problem class (defaults: C 5 working days, B 15 working
    days, A one month), counted from the day after assignment (supervision.deadlines)."""

    problem_class = models.CharField(
        "问题等级", max_length=1, choices=ProblemClass.choices, unique=True
    )
    amount = models.PositiveSmallIntegerField("整改时限")
    unit = models.CharField("单位", max_length=20, choices=LimitUnit.choices)

    class Meta:
        verbose_name = "整改时限"
        verbose_name_plural = verbose_name
        ordering = ["problem_class"]

    def __str__(self) -> str:
        return f"{self.get_problem_class_display()}：{self.amount}{self.get_unit_display()}"


class Activity(models.Model):
    """A supervision activity (督查活动): an inspection, an undercover visit, a third-party
    assessment... that finds problems. Optional: a problem may come straight from a ticket."""

    kind = models.CharField("活动类型", max_length=20, choices=ActivityKind.choices)
    title = models.CharField("活动名称", max_length=200)
    organiser = models.CharField("组织单位", max_length=100)
    team = models.CharField("督查组或受托机构", max_length=200, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    description = models.TextField("说明", blank=True)
    regions = models.ManyToManyField(
        Region, verbose_name="覆盖地区", blank=True, related_name="supervision_activities"
    )
    departments = models.ManyToManyField(
        Department, verbose_name="覆盖单位", blank=True, related_name="supervision_activities"
    )
    # The organising office's region code: who may read and add to the activity.
    owner_code = models.CharField("组织单位区划", max_length=6, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=clock.now)

    class Meta:
        verbose_name = "督查活动"
        verbose_name_plural = verbose_name
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class ActivityFile(StoredFile):
    """A report or record of the activity (the 暗访片's notes, a third-party report)."""

    activity = models.ForeignKey(
        Activity, verbose_name="督查活动", on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to="supervision/%Y/%m/")

    class Meta:
        verbose_name = "活动材料"
        verbose_name_plural = verbose_name


class Problem(models.Model):
    """One problem listed for rectification (问题), from an activity, a ticket or entered
    directly; it moves only through the workflow core (supervision.services)."""

    source = models.CharField("问题来源", max_length=10, choices=ProblemSource.choices)
    activity = models.ForeignKey(
        Activity,
        verbose_name="督查活动",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name="来源工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problem",
    )
    # Promoted from a 反映问题 ticket (the statistics count those tickets themselves).
    from_report = models.BooleanField("来自反映问题工单", default=False)
    # The enterprise's identity is hidden from the unit (a confidential 反映问题, as on tickets).
    confidential = models.BooleanField("保密", default=False)
    unit_department = models.ForeignKey(
        Department, verbose_name="责任单位", on_delete=models.PROTECT, related_name="problems"
    )
    region_code = models.CharField("责任地区", max_length=6)
    owner_code = models.CharField("督查单位区划", max_length=6)
    leader = models.CharField("责任领导", max_length=50, blank=True)
    category = models.ForeignKey(
        ProblemCategory, verbose_name="问题类别", on_delete=models.PROTECT, related_name="+"
    )
    problem_class = models.CharField("问题等级", max_length=1, choices=ProblemClass.choices)
    title = models.CharField("问题标题", max_length=200)
    description = models.TextField("问题描述")
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name="涉及企业", blank=True, related_name="supervision_problems"
    )
    enterprise_names = models.CharField("涉及企业（未登记）", max_length=500, blank=True)
    amount = models.DecimalField("涉及金额（元）", max_digits=16, decimal_places=2, null=True)
    public = models.BooleanField("可公开", default=False)
    recurrence_of = models.ForeignKey(
        "self",
        verbose_name="反弹自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recurrences",
    )
    state = models.CharField("状态", max_length=20, choices=ProblemState.choices)
    version = models.PositiveIntegerField("版本", default=1)
    # The rectification clock: the deadline in force (an extension moves it; the first one
    # stays), when it turns yellow, and which deadline was warned / escalated (once each).
    deadline = models.DateTimeField("整改时限", null=True, blank=True)
    first_deadline = models.DateTimeField("原定整改时限", null=True, blank=True)
    warn_at = models.DateTimeField("预警时间", null=True, blank=True)
    warned_for = models.DateTimeField("已预警的时限", null=True, blank=True)
    escalated_for = models.DateTimeField("已督办的时限", null=True, blank=True)
    long_term = models.BooleanField("长期整改", default=False)
    escalation = models.PositiveSmallIntegerField(
        "督办层级", choices=Escalation.choices, default=Escalation.NONE
    )
    extension_requested = models.DateField("申请延期至", null=True, blank=True)
    plan = models.TextField("整改方案", blank=True)
    returned_count = models.PositiveSmallIntegerField("退回次数", default=0)
    # The objection: when raised, where the problem was, and by when the supervisor decides.
    objected_at = models.DateTimeField("提出异议时间", null=True, blank=True)
    objection_from = models.CharField("异议前状态", max_length=20, blank=True)
    objection_due = models.DateTimeField("异议答复时限", null=True, blank=True)
    objection_count = models.PositiveSmallIntegerField("异议次数", default=0)
    registered_at = models.DateTimeField("登记时间")
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    claimed_at = models.DateTimeField("申请销号时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    on_time = models.BooleanField("按时整改", null=True, blank=True)
    days_to_close = models.PositiveIntegerField("整改用时（天）", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=clock.now)
    # An accepted submission is never duplicated: a retry under the same key finds this one.
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True)
    idempotency_digest = models.CharField("请求摘要", max_length=64, blank=True)

    class Meta:
        verbose_name = "督查问题"
        verbose_name_plural = verbose_name
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "state"], name="problem_region_state"),
            models.Index(fields=["owner_code", "state"], name="problem_owner_state"),
            models.Index(fields=["unit_department", "state"], name="problem_unit_state"),
            models.Index(fields=["state", "deadline"], name="problem_state_deadline"),
            models.Index(fields=["registered_at"], name="problem_registered"),
            models.Index(fields=["state", "closed_at"], name="problem_closed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="problem_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """问题编号: the year registered and the id (stable, nothing to allocate)."""
        return problem_number(self.registered_at, self.pk)

    @property
    def clocked(self) -> bool:
        return self.state in CLOCKED_STATES and self.deadline is not None

    def is_overdue(self, at: dt.datetime | None = None) -> bool:
        return self.clocked and self.deadline is not None and (at or clock.now()) > self.deadline


def problem_number(registered_at: dt.datetime | None, pk: int | None) -> str:
    year = registered_at.year if registered_at else clock.now().year
    return f"WT{year}-{pk or 0:06d}"


def parse_problem_number(raw: str) -> int | None:
    """The id a problem number names (WT2026-000123 → 123), None if it is not one."""
    text = raw.strip().upper()
    if len(text) >= 9 and text.startswith("WT") and text[6] == "-" and text[7:].isdigit():
        return int(text[7:])
    return None


class Milestone(models.Model):
    """A step of the unit's rectification plan (a long-term case is staged by them)."""

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.PROTECT, related_name="milestones"
    )
    position = models.PositiveSmallIntegerField("序号")
    title = models.CharField("节点内容", max_length=200)
    due_on = models.DateField("计划完成")
    done_on = models.DateField("实际完成", null=True, blank=True)
    # A plan filed again replaces the milestones not yet done; the replaced ones stay, marked.
    superseded = models.BooleanField("已被新方案替代", default=False)

    class Meta:
        verbose_name = "整改节点"
        verbose_name_plural = verbose_name
        ordering = ["problem", "position", "id"]

    def __str__(self) -> str:
        return f"{self.due_on:%Y-%m-%d} {self.title}"


class ProblemFile(StoredFile):
    """Evidence of the problem, of its plan, progress and closing, objections and escalation
    documents; the SHA-256 is also in the ledger event of the action that brought it."""

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField("材料类型", max_length=20, choices=FileKind.choices)
    action = models.CharField("随操作", max_length=30, blank=True)
    file = models.FileField("文件", upload_to="supervision/%Y/%m/")

    class Meta:
        verbose_name = "问题材料"
        verbose_name_plural = verbose_name


class AccountabilityEntry(models.Model):
    """A quarterly accountability record (问责). Published entries are frozen: a mistake is
    corrected by a new entry that references the one it corrects (`corrects`)."""

    quarter = models.CharField("季度", max_length=6, db_index=True)  # 2026Q3
    region = models.ForeignKey(
        Region, verbose_name="所属地区", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name="被问责单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_name = models.CharField("被问责单位名称", max_length=100)
    summary = models.TextField("问题概要")
    measure = models.CharField("问责方式", max_length=20, choices=AccountabilityMeasure.choices)
    decided_on = models.DateField("问责日期")
    problems = models.ManyToManyField(
        Problem, verbose_name="关联问题", blank=True, related_name="accountability"
    )
    # [{"name": "张三", "position": "某局副局长"}]: shown as 张某 on the public page.
    persons = models.JSONField("被问责人员", default=list, blank=True)
    # [{"name": "某某公司", "consented": false}]: named publicly only with consent.
    enterprises = models.JSONField("涉及企业", default=list, blank=True)
    public = models.BooleanField("公开", default=True)
    state = models.CharField(
        "状态", max_length=10, choices=EntryState.choices, default=EntryState.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1)
    corrects = models.ForeignKey(
        "self",
        verbose_name="更正",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    owner_code = models.CharField("登记单位区划", max_length=6, db_index=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=clock.now)

    class Meta:
        verbose_name = "问责记录"
        verbose_name_plural = verbose_name
        ordering = ["-quarter", "decided_on", "id"]
        indexes = [models.Index(fields=["state", "public", "quarter"], name="accountability_pub")]

    def __str__(self) -> str:
        return f"{self.quarter} {self.unit_name}"


class ProblemTally(models.Model):
    """What the statistics add up, kept by adding in the transaction of every change
    (supervision.tally): per month, the unit's region and the office, one row per breakdown
    value — the problems registered that month by source, category, class, current state and
    unit, recurrences, those not from a 反映问题 ticket and the month they closed, and the
    month's closings by days taken and on time. A period of whole months is read here; its
    partial months from the problems themselves."""

    month = models.DateField("月份")
    region_code = models.CharField("责任地区", max_length=6)
    owner_code = models.CharField("督查单位区划", max_length=6)
    dim = models.CharField("维度", max_length=12)
    value = models.CharField("取值", max_length=40)
    n = models.IntegerField("数量", default=0)

    class Meta:
        verbose_name = "问题统计累计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region_code", "owner_code", "dim", "value"],
                name="problem_tally_key",
            )
        ]
        indexes = [models.Index(fields=["dim", "month"], name="problem_tally_dim")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_code} {self.dim}={self.value}: {self.n}"
