"""Reform action plans (issue 12): a plan's tasks, one unit task per task × reporting unit (the
挂图作战 grid), a unit's own local plan of measures, and the periodic progress reports that
move them. States change only through the machines in reforms.transitions (workflow core);
every change is on the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from qitong.core.models import StoredFile
from qitong.directory.models import Department, Region
from qitong.reforms.states import (
    INDICATORS,
    Direction,
    PeriodKind,
    PlanState,
    ReportState,
    TaskState,
    UnitKind,
    Warning,
)


class ReportingUnit(models.Model):
    """Who reports: the 12 盟市 by default, 计划单列 cities (满洲里市, 二连浩特市) or the
    region's departments for a department plan. Data, not a constant."""

    code = models.CharField("单位编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类别", max_length=12, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="+"
    )
    # A department unit is coordinated by that department's leaders; a territorial unit by
    # the supervisors (营商办) of its region.
    department = models.ForeignKey(
        Department,
        verbose_name="对应部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_body = models.CharField("责任主体", max_length=100, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "报送单位"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ActionPlan(models.Model):
    """An action plan (e.g. 《以更优营商环境服务市场主体行动方案》, "3.0方案")."""

    name = models.CharField("方案名称", max_length=200)
    short_name = models.CharField("简称", max_length=30)
    version = models.PositiveSmallIntegerField("版本", default=1)
    replaces = models.ForeignKey(
        "self",
        verbose_name="替代的方案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    issuer = models.CharField("印发机关", max_length=100)
    doc_number = models.CharField("文号", max_length=60, blank=True)
    issued_on = models.DateField("印发日期")
    starts_on = models.DateField("起报日期", help_text="第一期进度报告所属期间从此日开始")
    deadline = models.DateField("完成时限")
    state = models.CharField(
        "状态", max_length=12, choices=PlanState.choices, default=PlanState.DRAFT
    )
    period_kind = models.CharField(
        "报送周期", max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    report_due_days = models.PositiveSmallIntegerField(
        "报送期限（期末后天数）", default=5, help_text="每期进度报告应在期末后几天内报送"
    )
    # Warning thresholds (issue 12 defaults), editable per plan.
    yellow_behind = models.PositiveSmallIntegerField("黄色预警：落后序时进度（百分点）", default=15)
    red_behind = models.PositiveSmallIntegerField("红色预警：落后序时进度（百分点）", default=30)
    near_deadline_days = models.PositiveSmallIntegerField(
        "黄色预警：距完成时限（工作日）", default=10
    )
    closed_on = models.DateField("结束日期", null=True, blank=True)
    revision = models.PositiveIntegerField("修订号", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "行动方案"
        verbose_name_plural = verbose_name
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.short_name


class TaskArea(models.Model):
    """A group of tasks (开办企业, 获得电力 …), mapped to the national indicator it serves."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name="方案", on_delete=models.PROTECT, related_name="areas"
    )
    code = models.CharField("编码", max_length=20)
    name = models.CharField("名称", max_length=50)
    indicator = models.CharField("对应评价指标", max_length=30, choices=INDICATORS, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "任务领域"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="reforms_area_code"),
        ]

    def __str__(self) -> str:
        return self.name


class ReformTask(models.Model):
    """A 重点任务 of a plan (e.g. 3.0-017); one UnitTask per unit it applies to."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name="方案", on_delete=models.PROTECT, related_name="tasks"
    )
    area = models.ForeignKey(
        TaskArea, verbose_name="领域", on_delete=models.PROTECT, related_name="tasks"
    )
    number = models.CharField("编号", max_length=30)
    title = models.CharField("任务", max_length=300)
    content = models.TextField("具体内容", blank=True)
    target = models.TextField("目标", blank=True)
    baseline = models.DecimalField("基期值", max_digits=14, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(
        "目标值", max_digits=14, decimal_places=2, null=True, blank=True
    )
    value_unit = models.CharField("计量单位", max_length=20, blank=True)
    direction = models.CharField("方向", max_length=4, choices=Direction.choices, blank=True)
    lead_department = models.ForeignKey(
        Department,
        verbose_name="牵头部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cooperating = models.ManyToManyField(
        Department, verbose_name="配合部门", blank=True, related_name="+"
    )
    deadline = models.DateField("完成时限")
    deliverable = models.CharField("预期成果", max_length=300, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "改革任务"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="reforms_task_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Tracked(models.Model):
    """What a unit task and a local measure share: who answers for it, its dates, progress,
    state and warning. Lateness stays on record after completion (`late_days`)."""

    responsible_body = models.CharField("责任单位", max_length=100, blank=True)
    leader = models.CharField("包联领导", max_length=50, blank=True)
    contact_name = models.CharField("联系人", max_length=30, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    planned_start = models.DateField("计划开始")
    deadline = models.DateField("完成时限")
    original_deadline = models.DateField("原定完成时限")
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    state = models.CharField(
        "状态", max_length=16, choices=TaskState.choices, default=TaskState.NOT_STARTED
    )
    done_on = models.DateField("完成日期", null=True, blank=True)
    late_days = models.IntegerField(
        "超期天数", null=True, blank=True, help_text="完成日期晚于原定完成时限的天数"
    )
    na_reason = models.CharField("不适用理由", max_length=500, blank=True)
    na_on = models.DateField("认定不适用日期", null=True, blank=True)
    deferred_reason = models.CharField("延期理由", max_length=500, blank=True)
    warning = models.CharField(
        "预警", max_length=8, choices=Warning.choices, default=Warning.NONE, blank=True
    )
    warning_reasons = models.JSONField("预警原因", default=list, blank=True)
    warning_since = models.DateField("预警日期", null=True, blank=True)
    revision = models.PositiveIntegerField("修订号", default=0)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True)

    class Meta:
        abstract = True


class UnitTask(Tracked):
    """One reform task as one unit carries it (a cell of the grid)."""

    task = models.ForeignKey(
        ReformTask, verbose_name="改革任务", on_delete=models.PROTECT, related_name="unit_tasks"
    )
    unit = models.ForeignKey(
        ReportingUnit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="tasks"
    )
    plan = models.ForeignKey(
        ActionPlan, verbose_name="方案", on_delete=models.PROTECT, related_name="unit_tasks"
    )

    class Meta:
        verbose_name = "单位任务"
        verbose_name_plural = verbose_name
        ordering = ["task__sort_order", "task_id", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="reforms_unit_task"),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="reforms_unit_task_progress"
            ),
        ]
        indexes = [
            # The statistics group a plan's unit tasks by unit and by task reading only these
            # (covering) indexes: 150,000 unit tasks without a table lookup each.
            models.Index(
                fields=["plan", "unit", "na_on", "done_on", "original_deadline", "late_days"],
                name="reforms_ut_plan_unit_figures",
            ),
            models.Index(
                fields=["plan", "task", "na_on", "done_on"], name="reforms_ut_plan_task_figures"
            ),
            models.Index(fields=["unit", "state"], name="reforms_ut_unit_state"),
        ]

    def __str__(self) -> str:
        return f"{self.task.number} · {self.unit.name}"

    # What the machine's relations read (loaded with the subject: unit__region, task).
    @property
    def unit_prefix(self) -> str:
        return self.unit.region.prefix

    @property
    def unit_department_id(self) -> int | None:
        return self.unit.department_id

    @property
    def lead_department_id(self) -> int | None:
        return self.task.lead_department_id


class LocalPlan(models.Model):
    """A unit's own plan (包头 "两个100条", 鄂尔多斯 "500条", 市场监管局 "30 项 90 条")."""

    unit = models.ForeignKey(
        ReportingUnit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="local_plans"
    )
    plan = models.ForeignKey(
        ActionPlan,
        verbose_name="落实的方案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="local_plans",
    )
    name = models.CharField("名称", max_length=200)
    doc_number = models.CharField("文号", max_length=60, blank=True)
    issued_on = models.DateField("印发日期")
    deadline = models.DateField("完成时限")
    period_kind = models.CharField(
        "报送周期", max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "本地方案"
        verbose_name_plural = verbose_name
        ordering = ["unit__sort_order", "-issued_on"]

    def __str__(self) -> str:
        return self.name


class Measure(Tracked):
    """A numbered measure of a local plan; linked to the reform tasks it serves, so that one
    report counts for both (整治形式主义为基层减负: a unit never types a figure twice)."""

    local_plan = models.ForeignKey(
        LocalPlan, verbose_name="本地方案", on_delete=models.PROTECT, related_name="measures"
    )
    number = models.CharField("编号", max_length=30)
    title = models.CharField("举措", max_length=300)
    target = models.TextField("目标", blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级举措",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    tasks = models.ManyToManyField(
        ReformTask, verbose_name="对应改革任务", blank=True, related_name="measures"
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "本地举措"
        verbose_name_plural = verbose_name
        ordering = ["local_plan_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["local_plan", "number"], name="reforms_measure_number"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="reforms_measure_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # What the machine's relations read (loaded with the subject: local_plan__unit__region).
    @property
    def unit(self) -> ReportingUnit:
        return self.local_plan.unit

    @property
    def unit_prefix(self) -> str:
        return self.local_plan.unit.region.prefix

    @property
    def unit_department_id(self) -> int | None:
        return self.local_plan.unit.department_id


OPEN_REPORT = Q(state__in=[ReportState.SUBMITTED, ReportState.RETURNED])


class Report(models.Model):
    """A progress report of one unit task or measure for one period (`2022-03`, `2022-Q1`).
    Submitted → accepted, or returned with a comment and resubmitted (the same row; the
    ledger keeps every version). At most one open report per item and period."""

    unit_task = models.ForeignKey(
        UnitTask,
        verbose_name="单位任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name="本地举措",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    # A measure's report counts for the reform tasks it is linked to: the copy for each
    # linked unit task points at the report it was filed as.
    source = models.ForeignKey(
        "self",
        verbose_name="随之报送",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copies",
    )
    unit = models.ForeignKey(
        ReportingUnit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="reports"
    )
    period = models.CharField("所属期间", max_length=7)
    period_end = models.DateField("期末")
    progress = models.PositiveSmallIntegerField("进度（%）")
    done = models.BooleanField("申报完成", default=False)
    work_done = models.TextField("本期工作", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下步打算", blank=True)
    regress_reason = models.CharField("进度回退说明", max_length=500, blank=True)
    state = models.CharField(
        "状态", max_length=10, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    submitted_at = models.DateTimeField("报送时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_time = models.BooleanField("按时报送", default=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.CharField("审核意见", max_length=500, blank=True)
    returned_count = models.PositiveSmallIntegerField("退回次数", default=0)
    # The filer's Idempotency-Key (a retried POST answers with this report, core.idempotency).
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True, editable=False)
    idempotency_digest = models.CharField("幂等请求摘要", max_length=64, blank=True, editable=False)
    revision = models.PositiveIntegerField("修订号", default=0)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True)

    class Meta:
        verbose_name = "进度报告"
        verbose_name_plural = verbose_name
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_task__isnull=False, measure__isnull=True)
                | Q(unit_task__isnull=True, measure__isnull=False),
                name="reforms_report_one_subject",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="reforms_report_progress"),
            models.UniqueConstraint(
                fields=["unit_task", "period"],
                condition=OPEN_REPORT & Q(unit_task__isnull=False),
                name="reforms_report_open_task",
            ),
            models.UniqueConstraint(
                fields=["measure", "period"],
                condition=OPEN_REPORT & Q(measure__isnull=False),
                name="reforms_report_open_measure",
            ),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="reforms_report_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["unit_task", "decided_at"], name="reforms_report_task_decided"),
            # An item's last accepted report as of a day (reforms.stats, the past grid).
            models.Index(
                fields=["unit_task", "period", "decided_at"], name="reforms_report_task_period"
            ),
            models.Index(fields=["state", "submitted_at"], name="reforms_report_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.progress}%"

    # What the machine's relations read (loaded with the subject).
    @property
    def unit_prefix(self) -> str:
        return self.unit.region.prefix

    @property
    def unit_department_id(self) -> int | None:
        return self.unit.department_id

    @property
    def for_measure(self) -> bool:
        return self.measure_id is not None


class ReportFile(StoredFile):
    """Evidence brought with a report (the shared attachment checks, core.uploads)."""

    report = models.ForeignKey(
        Report, verbose_name="进度报告", on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to="reforms/%Y/%m/")

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = verbose_name


class ProgressDelta(models.Model):
    """Changes of progress by day, summed per task (kind `t`) and per unit (kind `u`) of a
    plan: the mean progress as of any date is the sum of the changes up to it over the
    applicable unit tasks (reforms.stats). Kept in the transaction that changes a unit task's
    progress."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=1)
    key = models.BigIntegerField()
    day = models.DateField()
    delta = models.IntegerField(default=0)

    class Meta:
        verbose_name = "进度变化汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "key", "day"], name="reforms_delta_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}{self.key} {self.day} {self.delta:+d}"
