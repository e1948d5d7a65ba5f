"""Reforms API (issue 12; the ticket API's conventions): plans with their statistics and grid
as of a date, unit tasks and local measures with their reports, the report decisions.

Every read is scoped (reforms.selectors; out of scope is a 404); every write is a service
call through the workflow core; bad input is a 422 naming the field and changes nothing.
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.core.api import Id, LazyList, Paged, json_body
from qitong.core.bounds import MAX_ID
from qitong.core.errors import NotFound, ValidationFailed
from qitong.core.uploads import decode_base64_uploads
from qitong.reforms import presenters
from qitong.reforms.models import (
    ActionPlan,
    LocalPlan,
    Measure,
    ReformTask,
    Report,
    ReportingUnit,
    UnitTask,
)
from qitong.reforms.selectors import (
    local_plans_visible_to,
    measures_visible_to,
    plans_visible_to,
    reports_visible_to,
    unit_tasks_visible_to,
    units_visible_to,
)
from qitong.reforms.services import (
    measure_act,
    plan_act,
    report_act,
    report_submit,
    today,
    unit_task_act,
)
from qitong.reforms.states import PlanState, ReportState, TaskState
from qitong.reforms.stats import PlanStats, plan_grid, plan_stats, plan_trend
from qitong.reforms.transitions import MEASURE, PLAN, REPORT, UNIT_TASK
from qitong.workflow.api import add_action_operations

router = Router(tags=["改革任务"])

# The filters' closed sets, declared in the document (an unknown value is a 422 naming it).
WarningFilter = Literal["yellow", "red", "none"]
FigureName = Literal["done_everywhere", "over_half_by_units", "over_half_by_progress"]
TaskStateName = Literal[
    "not_started", "in_progress", "claimed_done", "done", "returned", "not_applicable", "deferred"
]
ReportStateName = Literal["submitted", "accepted", "returned"]

EARLIEST = dt.date(2000, 1, 1)


# --- plans, statistics, grid --------------------------------------------------------------------


class ReformPlanOut(BaseModel):
    id: int
    short_name: str
    name: str
    version: int
    replaces: int | None
    issuer: str
    doc_number: str
    issued_on: dt.date
    starts_on: dt.date
    deadline: dt.date
    period_kind: str
    state: str
    state_label: str
    closed_on: dt.date | None
    task_count: int
    unit_count: int


def _plan_out(plan: Any) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "short_name": plan.short_name,
        "name": plan.name,
        "version": plan.version,
        "replaces": plan.replaces_id,
        "issuer": plan.issuer,
        "doc_number": plan.doc_number,
        "issued_on": plan.issued_on,
        "starts_on": plan.starts_on,
        "deadline": plan.deadline,
        "period_kind": plan.period_kind,
        "state": plan.state,
        "state_label": PlanState(plan.state).label,
        "closed_on": plan.closed_on,
        "task_count": plan.task_count,
        "unit_count": plan.unit_count,
    }


def plans_counted(actor: Any) -> QuerySet[ActionPlan]:
    """Plans with their task and unit counts (two correlated counts, no join fan-out)."""
    tasks = ReformTask.objects.filter(plan=OuterRef("pk")).values("plan")
    units = UnitTask.objects.filter(plan=OuterRef("pk")).values("plan")
    return plans_visible_to(actor).annotate(
        task_count=Coalesce(Subquery(tasks.annotate(n=Count("id")).values("n")), 0),
        unit_count=Coalesce(
            Subquery(units.annotate(n=Count("unit_id", distinct=True)).values("n")), 0
        ),
    )


@router.get("/reforms/plans", response=list[ReformPlanOut], summary="行动方案列表")
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(user_of(request))
    return [_plan_out(p) for p in plans_counted(actor).order_by("-issued_on", "-id")]


def plan_get(actor: Any, pk: int, *, counted: bool = False) -> Any:
    """The plan in the actor's scope (with its task and unit counts when asked), or 404."""
    plan = (plans_counted(actor) if counted else plans_visible_to(actor)).filter(pk=pk).first()
    if plan is None:
        raise NotFound()
    return plan


@router.get("/reforms/plans/{plan_id}", response=ReformPlanOut, summary="行动方案")
def get_plan(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    return _plan_out(plan_get(actor_of(user_of(request)), plan_id, counted=True))


class ReformAsOf(Schema):
    as_of: dt.date | None = Field(
        default=None, description="统计截至日期（含当日），YYYY-MM-DD；默认今天"
    )


def as_of_day(raw: dt.date | None, plan: Any) -> dt.date:
    day = raw or today()
    if not EARLIEST <= day <= today():
        raise ValidationFailed(fields={"as_of": f"截至日期应在 2000-01-01 至今天（{today()}）之间"})
    return day


class ReformUnitRef(BaseModel):
    code: str
    name: str


class ReformRankOut(BaseModel):
    unit: ReformUnitRef
    applicable: int
    done: int
    completion_rate: float | None
    due: int
    done_on_time: int
    on_time_rate: float | None
    mean_progress: float
    rank: int
    unit_tasks_url: str


class ReformBreakdownOut(BaseModel):
    key: str
    label: str
    tasks: int
    done_everywhere: int
    completion_rate: float | None
    mean_progress: float


class ReformStatsOut(BaseModel):
    plan: int
    as_of: dt.date
    tasks: int
    units: int
    done_everywhere: int
    over_half_by_units: int
    over_half_by_progress: int
    ranking: list[ReformRankOut]
    by_area: list[ReformBreakdownOut]
    by_lead_department: list[ReformBreakdownOut]
    definitions: dict[str, str]
    drill_down: dict[str, str]


DEFINITIONS = {
    "done_everywhere": "在所有适用单位均已完成（经审核）的任务数",
    "over_half_by_units": "完成 50% 以上（按单位）：已完成的适用单位超过一半的任务数",
    "over_half_by_progress": "完成 50% 以上（按进度）：适用单位平均进度超过 50% 的任务数",
    "completion_rate": "单位完成率 = 已完成任务 / 适用任务",
    "on_time_rate": "按时完成率 = 按原定时限完成的任务 / 截至当日到期或已完成的任务",
    "rank": "按完成率、平均进度、按时完成率依次排名，数值相同名次相同",
}


def stats_out(stats: PlanStats) -> dict[str, Any]:
    plan = stats.plan
    day = stats.as_of.isoformat()
    grid = f"/reforms/plans/{plan.pk}/grid/?as_of={day}"
    return {
        "plan": plan.pk,
        "as_of": stats.as_of,
        "tasks": stats.tasks,
        "units": stats.units,
        "done_everywhere": stats.done_everywhere,
        "over_half_by_units": stats.over_half_by_units,
        "over_half_by_progress": stats.over_half_by_progress,
        "ranking": [
            {
                "unit": {"code": u.unit.code, "name": u.unit.name},
                "applicable": u.applicable,
                "done": u.done,
                "completion_rate": u.completion_rate,
                "due": u.due,
                "done_on_time": u.done_on_time,
                "on_time_rate": u.on_time_rate,
                "mean_progress": u.mean_progress,
                "rank": u.rank,
                "unit_tasks_url": f"/reforms/unit-tasks/?plan={plan.pk}&unit={u.unit.code}",
            }
            for u in stats.ranking
        ],
        "by_area": [_breakdown(b) for b in stats.by_area],
        "by_lead_department": [_breakdown(b) for b in stats.by_lead],
        "definitions": DEFINITIONS,
        "drill_down": {
            "tasks": grid,
            "done_everywhere": f"{grid}&figure=done_everywhere",
            "over_half_by_units": f"{grid}&figure=over_half_by_units",
            "over_half_by_progress": f"{grid}&figure=over_half_by_progress",
        },
    }


def _breakdown(b: Any) -> dict[str, Any]:
    return {
        "key": str(b.key) if b.key is not None else "",
        "label": b.label,
        "tasks": b.tasks,
        "done_everywhere": b.done_everywhere,
        "completion_rate": b.completion_rate,
        "mean_progress": b.mean_progress,
    }


@router.get(
    "/reforms/plans/{plan_id}/stats",
    response=ReformStatsOut,
    summary="方案统计（截至任一日期，由报告历史计算）：均完成、完成过半（两种口径）、单位排名",
)
def get_stats(request: HttpRequest, plan_id: Id, q: Query[ReformAsOf]) -> dict[str, Any]:
    plan = plan_get(actor_of(user_of(request)), plan_id)
    return stats_out(plan_stats(plan, as_of_day(q.as_of, plan)))


class ReformTrendOut(BaseModel):
    day: dt.date
    done_everywhere: int
    completion_rate: float | None
    mean_progress: float


@router.get(
    "/reforms/plans/{plan_id}/trend",
    response=list[ReformTrendOut],
    summary="方案进展趋势（每月末的均完成任务数、总体完成率和平均进度）",
)
def get_trend(request: HttpRequest, plan_id: Id, q: Query[ReformAsOf]) -> list[dict[str, Any]]:
    plan = plan_get(actor_of(user_of(request)), plan_id)
    return [vars(p) for p in plan_trend(plan, as_of_day(q.as_of, plan))]


class ReformGridQuery(ReformAsOf):
    area: Id | None = Field(default=None, description="任务领域 id")
    lead: Id | None = Field(default=None, description="牵头部门 id")
    warning: WarningFilter | None = Field(default=None, description="预警：yellow、red 或 none")
    figure: FigureName | None = Field(
        default=None,
        description="只看统计口径中的任务：done_everywhere、over_half_by_units、over_half_by_progress",
    )
    offset: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=200, ge=1, le=500)


class ReformCellOut(BaseModel):
    unit: str
    unit_task: int
    state: str
    progress: int
    warning: str
    expected_progress: int


class ReformTaskRef(BaseModel):
    id: int
    number: str
    title: str
    area: str
    lead_department: str


class ReformRowOut(BaseModel):
    task: ReformTaskRef
    cells: list[ReformCellOut]


class ReformGridOut(BaseModel):
    plan: int
    as_of: dt.date
    units: list[ReformUnitRef]
    rows: list[ReformRowOut]
    total: int


FIGURES = ("done_everywhere", "over_half_by_units", "over_half_by_progress")


def grid_filters(q: ReformGridQuery, plan: Any, as_of: dt.date) -> dict[str, Any]:
    """The grid's filters, checked (shared by the page and the API)."""
    warning = q.warning
    if warning is not None and warning not in ("yellow", "red", "none", ""):
        raise ValidationFailed(fields={"warning": "预警应为 yellow、red 或 none"})
    tasks = None
    if q.figure:
        if q.figure not in FIGURES:
            raise ValidationFailed(fields={"figure": f"统计口径应为 {'、'.join(FIGURES)} 之一"})
        by_task = plan_stats(plan, as_of).by_task
        tasks = {pk for pk, f in by_task.items() if getattr(f, q.figure)}
    return {
        "area": q.area,
        "lead": q.lead,
        "warning": None if warning in (None, "") else ("" if warning == "none" else warning),
        "task_ids": tasks,
        "offset": q.offset,
        "limit": q.limit,
    }


def grid_out(grid: Any) -> dict[str, Any]:
    return {
        "plan": grid.plan.pk,
        "as_of": grid.as_of,
        "units": [{"code": u.code, "name": u.name} for u in grid.units],
        "rows": [
            {
                "task": {
                    "id": row.task.pk,
                    "number": row.task.number,
                    "title": row.task.title,
                    "area": row.task.area.name,
                    "lead_department": row.task.lead_department.name
                    if row.task.lead_department_id
                    else "",
                },
                "cells": [
                    {
                        "unit": u.code,
                        "unit_task": c.unit_task_id,
                        "state": c.state,
                        "progress": c.progress,
                        "warning": c.warning or "none",
                        "expected_progress": c.expected,
                    }
                    for u in grid.units
                    if (c := row.cells.get(u.pk)) is not None
                ],
            }
            for row in grid.rows
        ],
        "total": grid.total,
    }


@router.get(
    "/reforms/plans/{plan_id}/grid",
    response=ReformGridOut,
    summary="挂图作战：任务 × 单位（状态、进度、预警），截至任一日期",
)
def get_grid(request: HttpRequest, plan_id: Id, q: Query[ReformGridQuery]) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    plan = plan_get(actor, plan_id)
    as_of = as_of_day(q.as_of, plan)
    grid = plan_grid(
        plan,
        unit_tasks_visible_to(actor),
        as_of=as_of,
        today=today(),
        **grid_filters(q, plan, as_of),
    )
    return grid_out(grid)


class ReportingUnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    region: str
    responsible_body: str


@router.get("/reforms/units", response=list[ReportingUnitOut], summary="报送单位")
def list_units(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(user_of(request))
    return [
        {
            "id": u.pk,
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "region": u.region.code,
            "responsible_body": u.responsible_body,
        }
        for u in units_visible_to(actor).filter(active=True).order_by("sort_order", "code")
    ]


# --- unit tasks and measures --------------------------------------------------------------------


class ReformItemFilter(Schema):
    plan: Id | None = Field(default=None, description="方案 id")
    unit: str | None = Field(
        default=None, max_length=20, description="报送单位编码（如 150200）或 id"
    )
    state: TaskStateName | None = Field(default=None, description="单位任务的状态")
    warning: WarningFilter | None = Field(default=None, description="预警：yellow、red 或 none")
    area: Id | None = Field(default=None, description="任务领域 id")


def unit_of(raw: str | None) -> ReportingUnit | None:
    if not raw:
        return None
    unit = ReportingUnit.objects.filter(code=raw).first()
    if unit is None and raw.isdigit() and int(raw) <= MAX_ID:  # the unit's id, as lists show it
        unit = ReportingUnit.objects.filter(pk=int(raw)).first()
    if unit is None:
        raise ValidationFailed(fields={"unit": f"没有编码为 {raw} 的报送单位"})
    return unit


def items_filtered(
    qs: QuerySet[Any], f: ReformItemFilter, *, task_field: str = "task"
) -> QuerySet[Any]:
    if f.state:
        if f.state not in TaskState.values:
            raise ValidationFailed(fields={"state": f"未知的状态：{f.state}"})
        qs = qs.filter(state=f.state)
    if f.warning:
        if f.warning not in ("yellow", "red", "none"):
            raise ValidationFailed(fields={"warning": "预警应为 yellow、red 或 none"})
        qs = qs.filter(warning="" if f.warning == "none" else f.warning)
    return qs


class ReformItemOut(BaseModel):
    id: int
    url: str
    state: str
    state_label: str
    progress: int
    expected_progress: int
    warning: str
    warning_label: str
    warning_reasons: list[str]
    deadline: dt.date
    original_deadline: dt.date
    done_on: dt.date | None
    late_days: int | None
    current_period: str
    current_period_label: str
    responsible_body: str
    leader: str
    contact_name: str
    contact_phone: str
    unit: dict[str, Any]
    version: int
    allowed_actions: list[str]


class UnitTaskOut(ReformItemOut):
    plan: dict[str, Any]
    task: dict[str, Any]


class ReportFileOut(BaseModel):
    id: int
    name: str
    size: int
    sha256: str
    url: str


class ReformReportOut(BaseModel):
    id: int
    unit_task: int | None
    measure: int | None
    unit: dict[str, Any]
    period: str
    period_label: str
    progress: int
    done: bool
    work_done: str
    problems: str
    next_steps: str
    regress_reason: str
    state: str
    state_label: str
    submitted_at: dt.datetime
    submitted_by: str
    on_time: bool
    decided_at: dt.datetime | None
    decided_by: str
    comment: str
    returned_count: int
    source: dict[str, Any] | None
    files: list[ReportFileOut]
    version: int
    allowed_actions: list[str]


class UnitTaskDetailOut(UnitTaskOut):
    planned_start: dt.date
    na_reason: str
    deferred_reason: str
    period_kind: str
    reports: list[ReformReportOut]
    measures: list[dict[str, Any]]


UNIT_TASK_RELATED = ("task__area", "task__lead_department", "unit__region", "plan")


@router.get(
    "/reforms/unit-tasks",
    response=list[UnitTaskOut],
    summary="单位任务列表（按范围，可按方案、单位、状态、预警筛选）",
)
@paginate(Paged, page_size=50)
def list_unit_tasks(request: HttpRequest, filters: Query[ReformItemFilter]) -> list[dict[str, Any]]:
    actor = actor_of(user_of(request))
    qs = unit_tasks_visible_to(actor).select_related(*UNIT_TASK_RELATED)
    if filters.plan:
        qs = qs.filter(plan_id=filters.plan)
    if unit := unit_of(filters.unit):
        qs = qs.filter(unit=unit)
    if filters.area:
        qs = qs.filter(task__area_id=filters.area)
    qs = items_filtered(qs, filters).order_by("plan_id", "task__sort_order", "unit__sort_order")
    return LazyList(qs, lambda i: presenters.present_unit_task(i, actor))  # type: ignore[return-value]


def unit_task_get(actor: Any, pk: int) -> UnitTask:
    item = unit_tasks_visible_to(actor).select_related(*UNIT_TASK_RELATED).filter(pk=pk).first()
    if item is None:
        raise NotFound()
    return item


@router.get(
    "/reforms/unit-tasks/{item_id}",
    response=UnitTaskDetailOut,
    summary="单位任务（含报告历史、预警、序时进度和当期 current_period）",
)
def get_unit_task(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    return presenters.present_unit_task(unit_task_get(actor, item_id), actor, reports=True)


def _report_body(request: HttpRequest) -> tuple[dict[str, Any], list[Any]]:
    """JSON (evidence as base64 `attachments`) or multipart/form-data (evidence as `files`)."""
    if request.content_type == "multipart/form-data":
        data: dict[str, Any] = {k: request.POST.get(k) for k in request.POST}
        for flag in ("done", "for_tasks"):
            if flag in data:
                data[flag] = str(data[flag]).lower() in ("1", "true", "on", "yes")
        if data.get("progress") not in (None, ""):
            try:
                data["progress"] = int(str(data["progress"]))
            except ValueError:
                raise ValidationFailed(
                    fields={"progress": "进度应为 0 到 100 之间的整数"}
                ) from None
        return data, request.FILES.getlist("files")
    body = json_body(request)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    return body, files


REPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "period": {
                            "type": "string",
                            "description": "所属期间，如 2022-03；默认当期",
                        },
                        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                        "done": {"type": "boolean", "description": "申报完成（进度须为 100）"},
                        "work_done": {"type": "string", "maxLength": 2000},
                        "problems": {"type": "string", "maxLength": 2000},
                        "next_steps": {"type": "string", "maxLength": 2000},
                        "regress_reason": {"type": "string", "maxLength": 500},
                        "for_tasks": {
                            "type": "boolean",
                            "description": "（本地举措）同时作为所关联改革任务的本期报告",
                        },
                        "attachments": {
                            "type": "array",
                            "maxItems": 10,
                            "items": {"$ref": "#/components/schemas/UploadIn"},
                        },
                    },
                    "required": ["progress"],
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "period": {"type": "string"},
                        "progress": {"type": "integer"},
                        "done": {"type": "boolean"},
                        "work_done": {"type": "string"},
                        "problems": {"type": "string"},
                        "next_steps": {"type": "string"},
                        "regress_reason": {"type": "string"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                    "required": ["progress"],
                }
            },
        },
    }
}


def _submit(request: HttpRequest, **item: int) -> Status:
    user = user_of(request)
    data, files = _report_body(request)
    report, created = report_submit(
        user=user,
        data=data,
        files=files,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        **item,
    )
    actor = actor_of(user)
    return Status(
        201 if created else 200, presenters.present_report(report_get(actor, report.pk), actor)
    )


@router.post(
    "/reforms/unit-tasks/{item_id}/reports",
    response={200: ReformReportOut, 201: ReformReportOut},
    summary="报送进度报告（JSON，或附佐证材料时用 multipart/form-data）；Idempotency-Key 可重试",
    openapi_extra=REPORT_BODY,
)
def submit_unit_task_report(request: HttpRequest, item_id: Id) -> Status:
    return _submit(request, unit_task=item_id)


def _add_actions(path: str, machine: Any, out: Any, run: Any, skip: tuple[str, ...]) -> None:
    add_action_operations(router, path=path, machine=machine, out=out, run=run, skip=skip)


def _unit_task_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    unit_task_act(pk=pk, action=action, user=user, data=body, files=files, expected_version=version)
    actor = actor_of(user)
    return presenters.present_unit_task(unit_task_get(actor, pk), actor, reports=True)


_add_actions(
    "/reforms/unit-tasks",
    UNIT_TASK,
    UnitTaskDetailOut,
    _unit_task_action,
    ("report", "apply", "warn"),
)


# --- reports ---------------------------------------------------------------------------------


class ReformReportFilter(Schema):
    state: ReportStateName | None = Field(
        default=None, description="submitted（待审核）、accepted 或 returned"
    )
    plan: Id | None = None
    unit: str | None = Field(default=None, max_length=20)
    period: str | None = Field(default=None, max_length=7)
    kind: Literal["task", "measure"] | None = Field(
        default=None, description="task（改革任务）或 measure（本地举措）"
    )


def report_get(actor: Any, pk: int) -> Report:
    report = reports_visible_to(actor).select_related("unit__region").filter(pk=pk).first()
    if report is None:
        raise NotFound()
    return report


@router.get(
    "/reforms/reports",
    response=list[ReformReportOut],
    summary="进度报告（审核队列：state=submitted）",
)
@paginate(Paged, page_size=50)
def list_reports(request: HttpRequest, filters: Query[ReformReportFilter]) -> Any:
    actor = actor_of(user_of(request))
    qs = (
        reports_visible_to(actor)
        .select_related("unit__region", "submitted_by", "decided_by", "source")
        .prefetch_related("files")
    )
    if filters.state:
        if filters.state not in ReportState.values:
            raise ValidationFailed(fields={"state": f"未知的报告状态：{filters.state}"})
        qs = qs.filter(state=filters.state)
    if filters.plan:
        qs = qs.filter(unit_task__plan_id=filters.plan)
    if unit := unit_of(filters.unit):
        qs = qs.filter(unit=unit)
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.kind:
        if filters.kind not in ("task", "measure"):
            raise ValidationFailed(fields={"kind": "kind 应为 task 或 measure"})
        qs = qs.filter(measure__isnull=filters.kind == "task")
    qs = (
        qs.order_by("submitted_at", "id")
        if filters.state == "submitted"
        else qs.order_by("-submitted_at", "-id")
    )
    return LazyList(qs, lambda r: presenters.present_report(r, actor))


@router.get("/reforms/reports/{item_id}", response=ReformReportOut, summary="进度报告")
def get_report(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    return presenters.present_report(report_get(actor, item_id), actor)


def _report_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    report_act(pk=pk, action=action, user=user, data=body, files=files, expected_version=version)
    actor = actor_of(user)
    return presenters.present_report(report_get(actor, pk), actor)


_add_actions("/reforms/reports", REPORT, ReformReportOut, _report_action, ())


# --- local plans and measures -------------------------------------------------------------------


class ReformLocalPlanOut(BaseModel):
    id: int
    unit: ReformUnitRef
    plan: int | None
    name: str
    doc_number: str
    issued_on: dt.date
    deadline: dt.date
    period_kind: str
    measure_count: int
    done_count: int
    linked_count: int


@router.get(
    "/reforms/local-plans",
    response=list[ReformLocalPlanOut],
    summary="本地方案（含举措数、已完成数、关联改革任务的举措数）",
)
def list_local_plans(request: HttpRequest, unit: str | None = None) -> list[dict[str, Any]]:
    actor = actor_of(user_of(request))
    qs = local_plans_visible_to(actor).annotate(
        measure_count=Count("measures", distinct=True),
        done_count=Count("measures", filter=Q(measures__state=TaskState.DONE), distinct=True),
        linked_count=Count("measures", filter=Q(measures__tasks__isnull=False), distinct=True),
    )
    if found := unit_of(unit):
        qs = qs.filter(unit=found)
    return [
        {
            "id": lp.pk,
            "unit": {"code": lp.unit.code, "name": lp.unit.name},
            "plan": lp.plan_id,
            "name": lp.name,
            "doc_number": lp.doc_number,
            "issued_on": lp.issued_on,
            "deadline": lp.deadline,
            "period_kind": lp.period_kind,
            "measure_count": lp.measure_count,
            "done_count": lp.done_count,
            "linked_count": lp.linked_count,
        }
        for lp in qs.order_by("unit__sort_order", "-issued_on", "id")
    ]


class ReformMeasureOut(ReformItemOut):
    local_plan: dict[str, Any]
    number: str
    title: str
    target: str
    parent: int | None
    tasks: list[dict[str, Any]]


class MeasureDetailOut(ReformMeasureOut):
    planned_start: dt.date
    na_reason: str
    deferred_reason: str
    period_kind: str
    reports: list[ReformReportOut]


MEASURE_RELATED = ("local_plan__unit__region",)


def local_plan_get(actor: Any, pk: int) -> LocalPlan:
    local = local_plans_visible_to(actor).filter(pk=pk).first()
    if local is None:
        raise NotFound()
    return local


@router.get(
    "/reforms/local-plans/{item_id}/measures",
    response=list[ReformMeasureOut],
    summary="本地方案的举措",
)
@paginate(Paged, page_size=100)
def list_measures(request: HttpRequest, item_id: Id, filters: Query[ReformItemFilter]) -> Any:
    actor = actor_of(user_of(request))
    local = local_plan_get(actor, item_id)
    qs = (
        measures_visible_to(actor)
        .filter(local_plan=local)
        .select_related(*MEASURE_RELATED)
        .prefetch_related("tasks")
    )
    qs = items_filtered(qs, filters).order_by("sort_order", "id")
    return LazyList(qs, lambda m: presenters.present_measure(m, actor))


def measure_get(actor: Any, pk: int) -> Measure:
    item = measures_visible_to(actor).select_related(*MEASURE_RELATED).filter(pk=pk).first()
    if item is None:
        raise NotFound()
    return item


@router.get("/reforms/measures/{item_id}", response=MeasureDetailOut, summary="本地举措")
def get_measure(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    return presenters.present_measure(measure_get(actor, item_id), actor, reports=True)


@router.post(
    "/reforms/measures/{item_id}/reports",
    response={200: ReformReportOut, 201: ReformReportOut},
    summary="报送举措进度报告（for_tasks=true 时一并作为关联改革任务的本期报告）",
    openapi_extra=REPORT_BODY,
)
def submit_measure_report(request: HttpRequest, item_id: Id) -> Status:
    return _submit(request, measure=item_id)


def _measure_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    measure_act(pk=pk, action=action, user=user, data=body, files=files, expected_version=version)
    actor = actor_of(user)
    return presenters.present_measure(measure_get(actor, pk), actor, reports=True)


_add_actions(
    "/reforms/measures", MEASURE, MeasureDetailOut, _measure_action, ("report", "apply", "warn")
)


# --- plan actions ---------------------------------------------------------------------------


def _plan_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    plan_act(pk=pk, action=action, user=user, data=body)
    return _plan_out(plan_get(actor_of(user), pk, counted=True))


_add_actions("/reforms/plans", PLAN, ReformPlanOut, _plan_action, ())
