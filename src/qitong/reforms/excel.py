"""Reform plans in Excel, in the directory's pattern (directory.excel.workbook): a plan's task
list with the units each task applies to, and a unit's local plan, imported all rows or none
with every problem as "第 N 行 列名：问题", each row through the services (ledgered); the grid,
the statistics and a unit's ledger exported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from qitong.accounts.models import User
from qitong.core.errors import DomainError
from qitong.directory.excel.workbook import (
    Column,
    ExcelImportFailed,
    ImportResult,
    Problems,
    build_workbook,
    read_rows,
)
from qitong.directory.models import Department
from qitong.reforms import periods
from qitong.reforms.models import (
    ActionPlan,
    LocalPlan,
    Measure,
    ReformTask,
    Report,
    ReportingUnit,
    TaskArea,
)
from qitong.reforms.services import measure_add, plan_task_add
from qitong.reforms.states import (
    INDICATOR_LABELS,
    INDICATORS,
    Direction,
    ReportState,
    TaskState,
    Warning,
)
from qitong.reforms.stats import PlanStats, plan_grid

ALL_UNITS = "全部"
SEP = "、"

TASK_COLUMNS = (
    Column("编号", "number", 12),
    Column("领域", "area", 16),
    Column("对应评价指标", "indicator", 16, optional=True),
    Column("任务", "title", 40),
    Column("具体内容", "content", 40, optional=True),
    Column("目标", "target", 30, optional=True),
    Column("牵头部门", "lead", 24, optional=True),
    Column("配合部门", "cooperating", 30, optional=True),
    Column("完成时限", "deadline", 12),
    Column("适用单位", "units", 30),
    Column("预期成果", "deliverable", 24, optional=True),
    Column("基期值", "baseline", 10, optional=True),
    Column("目标值", "target_value", 10, optional=True),
    Column("计量单位", "value_unit", 10, optional=True),
    Column("方向", "direction", 10, optional=True),
)
DIRECTIONS = {label: value for value, label in Direction.choices} | {"up": "up", "down": "down"}

MEASURE_COLUMNS = (
    Column("编号", "number", 10),
    Column("上级编号", "parent", 10, optional=True),
    Column("举措", "title", 40),
    Column("目标任务", "target", 30, optional=True),
    Column("完成时限", "deadline", 12, optional=True),
    Column("包联领导", "leader", 12, optional=True),
    Column("责任单位", "responsible_body", 20, optional=True),
    Column("对应改革任务", "tasks", 24, optional=True),
)


def _day(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number(
    problems: Problems,
    n: int,
    row: dict[str, str],
    taken: set[str],
    seen: dict[str, int],
    used: str,
) -> str:
    """A row's 编号: given, new to the plan, once in the file."""
    number = row["number"].strip()
    if not number:
        problems.add(n, "编号", "不能为空")
    elif number in taken:
        problems.add(n, "编号", used.format(number))
    elif number in seen:
        problems.add(n, "编号", f"与第 {seen[number]} 行重复")
    seen.setdefault(number, n)
    return number


def _quantity(problems: Problems, n: int, row: dict[str, str]) -> dict[str, Any]:
    """The optional quantitative target: numbers, a unit, a direction (越高越好/越低越好)."""
    out: dict[str, Any] = {}
    for key, header in (("baseline", "基期值"), ("target_value", "目标值")):
        text = row.get(key, "").strip()
        if text:
            try:
                out[key] = Decimal(text.replace(",", ""))
            except InvalidOperation:
                problems.add(n, header, f"应为数字，实为“{text}”")
    if row.get("value_unit", "").strip():
        out["value_unit"] = row["value_unit"].strip()[:20]
    direction = row.get("direction", "").strip()
    if direction:
        if direction not in DIRECTIONS:
            problems.add(n, "方向", "应为“越高越好”或“越低越好”")
        else:
            out["direction"] = DIRECTIONS[direction]
    if "baseline" in out and "target_value" not in out:
        problems.add(n, "目标值", "填写了基期值时须填写目标值")
    return out


# --- a plan's task list ---------------------------------------------------------------------


def import_tasks(data: bytes, *, plan: ActionPlan, user: User) -> ImportResult:
    """Add the file's tasks to the plan (numbers new to it), with a unit task for each unit
    it applies to. All rows or none."""
    rows = read_rows(data, TASK_COLUMNS)
    problems = Problems()
    units = {u.code: u for u in ReportingUnit.objects.filter(active=True)}
    by_name = {u.name: u for u in units.values()}
    departments = {d.name: d for d in Department.objects.filter(active=True)}
    indicators = {label: code for code, label in INDICATORS} | {c: c for c, _ in INDICATORS}
    areas = {a.name: a for a in plan.areas.all()}
    taken = set(plan.tasks.values_list("number", flat=True))
    seen: dict[str, int] = {}
    parsed = []
    for n, row in rows:
        number = _number(problems, n, row, taken, seen, "方案中已有编号 {} 的任务")
        if not row["title"].strip():
            problems.add(n, "任务", "不能为空")
        elif len(row["title"]) > 300:
            problems.add(n, "任务", "最多 300 字")
        if not row["area"].strip():
            problems.add(n, "领域", "不能为空")
        indicator = row.get("indicator", "").strip()
        if indicator and indicator not in indicators:
            problems.add(n, "对应评价指标", f"“{indicator}”不是 18 项一级指标之一")
        deadline = _day(row["deadline"])
        if deadline is None:
            problems.add(n, "完成时限", "应为日期，如 2023-12-31")
        elif not plan.starts_on <= deadline <= plan.deadline:
            problems.add(
                n,
                "完成时限",
                f"应在方案的起报日期与完成时限之间（{plan.starts_on} 至 {plan.deadline}）",
            )
        lead = row.get("lead", "").strip()
        if lead and lead not in departments:
            problems.add(n, "牵头部门", f"没有名为“{lead}”的在用部门")
        helpers = [d.strip() for d in row.get("cooperating", "").split(SEP) if d.strip()]
        for name in helpers:
            if name not in departments:
                problems.add(n, "配合部门", f"没有名为“{name}”的在用部门")
        raw_units = row["units"].strip()
        if raw_units == ALL_UNITS:
            chosen = [u for u in units.values() if u.department_id is None]
        else:
            chosen = []
            for word in (w.strip() for w in raw_units.split(SEP) if w.strip()):
                unit = units.get(word) or by_name.get(word)
                if unit is None:
                    problems.add(n, "适用单位", f"没有编码或名称为“{word}”的报送单位")
                else:
                    chosen.append(unit)
            if not raw_units:
                problems.add(n, "适用单位", f"不能为空（全部盟市填“{ALL_UNITS}”）")
        quantity = _quantity(problems, n, row)
        parsed.append((n, row, number, deadline, lead, helpers, chosen, indicator, quantity))
    problems.raise_if_any()
    created = 0
    with transaction.atomic():
        for position, (
            _n,
            row,
            number,
            deadline,
            lead,
            helpers,
            chosen,
            indicator,
            qty,
        ) in enumerate(parsed, start=plan.tasks.count()):
            area = areas.get(row["area"].strip())
            if area is None:
                area = areas[row["area"].strip()] = TaskArea.objects.create(
                    plan=plan,
                    code=f"{len(areas) + 1:02d}",
                    name=row["area"].strip()[:50],
                    indicator=indicators.get(indicator, ""),
                    sort_order=len(areas),
                )
            plan_task_add(
                plan=plan,
                user=user,
                area=area,
                units=sorted(chosen, key=lambda u: (u.sort_order, u.code)),
                cooperating=[departments[h] for h in helpers],
                number=number,
                title=row["title"].strip(),
                content=row.get("content", "").strip(),
                target=row.get("target", "").strip(),
                lead_department=departments.get(lead),
                deadline=deadline,
                deliverable=row.get("deliverable", "").strip()[:300],
                sort_order=position,
                **qty,
            )
            created += 1
    return ImportResult(created=created)


def export_tasks(plan: ActionPlan) -> bytes:
    """The plan's task list in the import's columns (a template for the next one)."""
    tasks = plan.tasks.select_related("area", "lead_department").prefetch_related(
        "cooperating", "unit_tasks__unit"
    )
    return build_workbook(
        "任务清单",
        TASK_COLUMNS,
        (
            [
                t.number,
                t.area.name,
                INDICATOR_LABELS.get(t.area.indicator, ""),
                t.title,
                t.content,
                t.target,
                t.lead_department.name if t.lead_department else "",
                SEP.join(d.name for d in t.cooperating.all()),
                t.deadline.isoformat(),
                SEP.join(i.unit.code for i in t.unit_tasks.all()),
                t.deliverable,
                "" if t.baseline is None else str(t.baseline),
                "" if t.target_value is None else str(t.target_value),
                t.value_unit,
                t.get_direction_display() if t.direction else "",
            ]
            for t in tasks.order_by("sort_order", "id")
        ),
    )


# --- a unit's local plan --------------------------------------------------------------------


def import_measures(data: bytes, *, local: LocalPlan, user: User) -> ImportResult:
    """Add the file's measures (and sub-items, by 上级编号) to a local plan. All or none."""
    rows = read_rows(data, MEASURE_COLUMNS)
    problems = Problems()
    taken = set(local.measures.values_list("number", flat=True))
    tasks = {t.number: t for t in ReformTask.objects.filter(plan=local.plan)} if local.plan else {}
    seen: dict[str, int] = {}
    parsed = []
    for n, row in rows:
        number = _number(problems, n, row, taken, seen, "本地方案中已有编号 {} 的举措")
        if not row["title"].strip():
            problems.add(n, "举措", "不能为空")
        parent = row.get("parent", "").strip()
        if parent and parent not in seen and parent not in taken:
            problems.add(n, "上级编号", f"上级举措 {parent} 应在本行之前或已在方案中")
        deadline = local.deadline
        if row.get("deadline", "").strip():
            day = _day(row["deadline"])
            if day is None:
                problems.add(n, "完成时限", "应为日期，如 2023-12-31")
            elif day > local.deadline:
                problems.add(n, "完成时限", f"不能晚于本地方案的完成时限（{local.deadline}）")
            else:
                deadline = day
        linked = []
        for word in (w.strip() for w in row.get("tasks", "").split(SEP) if w.strip()):
            if word not in tasks:
                problems.add(n, "对应改革任务", f"方案中没有编号为 {word} 的任务")
            else:
                linked.append(tasks[word])
        parsed.append((row, number, parent, deadline, linked))
    problems.raise_if_any()
    made: dict[str, Measure] = {m.number: m for m in local.measures.filter(number__in=taken)}
    with transaction.atomic():
        start = local.measures.count()
        for position, (row, number, parent, deadline, linked) in enumerate(parsed, start=start):
            try:
                made[number] = measure_add(
                    local_plan=local,
                    user=user,
                    parent=made.get(parent) if parent else None,
                    tasks=linked,
                    number=number,
                    title=row["title"].strip()[:300],
                    target=row.get("target", "").strip(),
                    deadline=deadline,
                    leader=row.get("leader", "").strip()[:50],
                    responsible_body=(
                        row.get("responsible_body", "").strip() or local.unit.responsible_body
                    )[:100],
                    sort_order=position,
                )
            except DomainError as exc:  # checked above; a rule added later still names a row
                raise ExcelImportFailed([f"编号 {number}：{exc.message}"]) from exc
    return ImportResult(created=len(parsed))


# --- exports --------------------------------------------------------------------------------


def export_grid(plan: ActionPlan, unit_tasks: Any, *, as_of: dt.date, today: dt.date) -> bytes:
    """The 挂图作战 grid as of a day: one row per task, a column per unit (progress and
    state), the same figures as the page."""
    grid = plan_grid(plan, unit_tasks, as_of=as_of, today=today, limit=100_000)
    columns = [
        Column("编号", "number", 12),
        Column("领域", "area", 14),
        Column("任务", "title", 40),
        Column("牵头部门", "lead", 20),
        *(Column(u.name, u.code, 12) for u in grid.units),
    ]

    def rows() -> Iterator[list[Any]]:
        for row in grid.rows:
            cells = []
            for u in grid.units:
                c = row.cells.get(u.pk)
                if c is None:
                    cells.append("—")
                    continue
                label = TaskState(c.state).label
                warning = f"·{Warning(c.warning).label}" if c.warning else ""
                cells.append(f"{c.progress}% {label}{warning}")
            lead = row.task.lead_department
            yield [
                row.task.number,
                row.task.area.name,
                row.task.title,
                lead.name if lead else "",
                *cells,
            ]

    return build_workbook(f"挂图作战 {as_of:%Y-%m-%d}", columns, rows())


STATS_COLUMNS = (
    Column("名次", "rank", 8),
    Column("单位", "unit", 16),
    Column("适用任务", "applicable", 10),
    Column("已完成", "done", 10),
    Column("完成率", "completion_rate", 10),
    Column("到期或已完成", "due", 12),
    Column("按时完成", "done_on_time", 10),
    Column("按时完成率", "on_time_rate", 12),
    Column("平均进度", "mean_progress", 10),
)


def export_stats(stats: PlanStats) -> bytes:
    """The ranking, then the plan's figures (the same query as the page and the API)."""

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    def rows() -> Iterator[list[Any]]:
        for u in stats.ranking:
            yield [
                u.rank,
                u.unit.name,
                u.applicable,
                u.done,
                pct(u.completion_rate),
                u.due,
                u.done_on_time,
                pct(u.on_time_rate),
                f"{u.mean_progress}%",
            ]
        yield []
        yield ["截至", stats.as_of.isoformat()]
        yield ["任务", stats.tasks]
        yield ["各单位均完成", stats.done_everywhere]
        yield ["完成 50% 以上（按单位）", stats.over_half_by_units]
        yield ["完成 50% 以上（按平均进度）", stats.over_half_by_progress]

    return build_workbook(f"统计 {stats.as_of:%Y-%m-%d}", STATS_COLUMNS, rows())


LEDGER_COLUMNS = (
    Column("编号", "number", 12),
    Column("任务", "title", 36),
    Column("状态", "state", 10),
    Column("进度", "progress", 8),
    Column("完成时限", "deadline", 12),
    Column("完成日期", "done_on", 12),
    Column("逾期天数", "late_days", 10),
    Column("预警", "warning", 10),
    Column("包联领导", "leader", 12),
    Column("所属期间", "period", 12),
    Column("报告进度", "report_progress", 10),
    Column("报告状态", "report_state", 10),
    Column("报送时间", "submitted_at", 18),
    Column("本期工作", "work_done", 40),
    Column("审核意见", "comment", 24),
)


def export_unit_ledger(plan: ActionPlan, unit: ReportingUnit, unit_tasks: Any) -> bytes:
    """A unit's ledger: each of its tasks with every report (one row per report)."""
    items = (
        unit_tasks.filter(plan=plan, unit=unit)
        .select_related("task")
        .order_by("task__sort_order", "pk")
    )
    reports: dict[int, list[Report]] = {}
    for r in Report.objects.filter(unit_task__in=items).order_by("period", "submitted_at"):
        reports.setdefault(r.unit_task_id or 0, []).append(r)

    def rows() -> Iterator[list[Any]]:
        for i in items:
            head = [
                i.task.number,
                i.task.title,
                TaskState(i.state).label,
                f"{i.progress}%",
                i.deadline.isoformat(),
                i.done_on.isoformat() if i.done_on else "",
                i.late_days if i.late_days is not None else "",
                Warning(i.warning).label,
                i.leader,
            ]
            filed = reports.get(i.pk, [])
            if not filed:
                yield [*head, "", "", "", "", "", ""]
            for r in filed:
                yield [
                    *head,
                    periods.label(r.period),
                    f"{r.progress}%",
                    ReportState(r.state).label,
                    r.submitted_at.strftime("%Y-%m-%d %H:%M"),
                    r.work_done,
                    r.comment,
                ]

    return build_workbook(f"{unit.name}台账"[:31], LEDGER_COLUMNS, rows())
