"""Reforms pages: plans, the 挂图作战 grid, the statistics as of a date, a coordinator's home,
the unit task and measure pages with their report forms, the verifier's review queue.

Thin views (STYLE habit 7): they read through the scoped selectors and the same functions as
the API (reforms.stats, reforms.presenters), and write through the services; a refused or
invalid action is shown on the page with what was typed kept, never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from pydantic import ValidationError as PydanticError

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core.access import role_required
from qitong.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from qitong.core.paging import page_number, pager
from qitong.reforms import periods, presenters
from qitong.reforms.api import (
    ReformGridQuery,
    as_of_day,
    grid_filters,
    plan_get,
    plans_counted,
    stats_out,
)
from qitong.reforms.forms import AsOfForm, ReformActionForm
from qitong.reforms.models import ActionPlan, Measure, Report, ReportFile, TaskArea, UnitTask
from qitong.reforms.selectors import (
    coordinated_units,
    local_plans_visible_to,
    measures_visible_to,
    reports_visible_to,
    sees_all,
    unit_tasks_visible_to,
)
from qitong.reforms.services import (
    current_period,
    measure_act,
    plan_act,
    report_act,
    report_submit,
    today,
    unit_task_act,
)
from qitong.reforms.states import OPEN_STATES, ReportState, TaskState, Warning
from qitong.reforms.stats import plan_grid, plan_stats, plan_trend
from qitong.reforms.transitions import MEASURE, PLAN, REPORT, UNIT_TASK
from qitong.workflow.machine import Machine

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, *DEPARTMENT_ROLES)
STATE_CLASS = {
    TaskState.NOT_STARTED: "not-started",
    TaskState.IN_PROGRESS: "in-progress",
    TaskState.CLAIMED_DONE: "claimed",
    TaskState.DONE: "done",
    TaskState.RETURNED: "returned",
    TaskState.NOT_APPLICABLE: "na",
    TaskState.DEFERRED: "deferred",
}


def _actor(request: HttpRequest) -> Actor:
    return actor_of(user_of(request))


def _or_404(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except NotFound:
        raise Http404("out of scope") from None


# --- home and plans -----------------------------------------------------------------------------


@role_required(*READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The office and readers: the plans. A unit's coordinator: its own tasks first."""
    actor = _actor(request)
    units = list(coordinated_units(actor))
    if units and not sees_all(actor):
        return coordinator_home(request, actor, units)
    plans = list(plans_counted(actor).order_by("-issued_on", "-id"))
    queue = reports_visible_to(actor).filter(state=ReportState.SUBMITTED, measure__isnull=True)
    return render(
        request,
        "reforms/home.html",
        {"plans": plans, "queue_count": queue.count(), "reviews": actor.role == Role.SUPERVISOR},
    )


def coordinator_home(request: HttpRequest, actor: Actor, units: list[Any]) -> HttpResponse:
    """My unit's tasks and measures by warning, the reports due this period, the returned
    reports to correct."""
    items = (
        unit_tasks_visible_to(actor)
        .filter(unit__in=units, plan__state="in_force", state__in=OPEN_STATES)
        .select_related("task__area", "unit__region", "plan")
    )
    counts = dict(items.values_list("warning").annotate(n=Count("id")).values_list("warning", "n"))
    warned = list(items.exclude(warning="").order_by("warning", "deadline")[:10])  # red first
    due = []
    for i in items.order_by("deadline", "task__sort_order").prefetch_related("reports"):
        code = current_period(i)
        if not any(r.period == code for r in i.reports.all()):
            i.period_label = periods.label(code)  # type: ignore[attr-defined]
            due.append(i)
    measures = measures_visible_to(actor).filter(  # of the plans in force (or standing alone)
        Q(local_plan__plan__isnull=True) | Q(local_plan__plan__state="in_force"),
        local_plan__unit__in=units,
        state__in=OPEN_STATES,
    )
    returned = list(
        reports_visible_to(actor)
        .filter(unit__in=units, state=ReportState.RETURNED)
        .select_related("unit_task__task", "measure")
        .order_by("-decided_at")[:50]
    )
    to_review = (
        reports_visible_to(actor)
        .filter(unit__in=units, state=ReportState.SUBMITTED, measure__isnull=False)
        .count()
    )
    return render(
        request,
        "reforms/coordinator.html",
        {
            "units": units,
            "open_count": items.count(),
            "red": counts.get(Warning.RED, 0),
            "yellow": counts.get(Warning.YELLOW, 0),
            "warned": warned,
            "due": due[:100],
            "due_count": len(due),
            "measure_count": measures.count(),
            "measure_warned": measures.exclude(warning="").count(),
            "returned": returned,
            "to_review": to_review,
            "local_plans": local_plans_visible_to(actor).filter(unit__in=units),
            "state_class": STATE_CLASS,
        },
    )


def _as_of(request: HttpRequest, plan: ActionPlan) -> tuple[AsOfForm, dt.date]:
    form = AsOfForm(request.GET)
    day = today()
    if form.is_valid() and form.cleaned_data.get("as_of"):
        try:
            day = as_of_day(form.cleaned_data["as_of"], plan)
        except ValidationFailed as exc:
            form.add_error("as_of", exc.fields["as_of"])
    return form, day


@role_required(*READERS)
def stats(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan = _or_404(plan_get, actor, pk)
    form, day = _as_of(request, plan)
    figures = plan_stats(plan, day)
    out = stats_out(figures)
    trend = plan_trend(plan, day)
    chart = {
        "kind": "line",
        "categories": [p.day.isoformat() for p in trend],
        "percent": True,
        "series": [
            {
                "name": "总体完成率",
                "data": [
                    round(p.completion_rate * 100, 1) if p.completion_rate is not None else None
                    for p in trend
                ],
            },
            {"name": "平均进度", "data": [p.mean_progress for p in trend]},
        ],
    }
    return render(
        request,
        "reforms/stats.html",
        {
            "plan": plan,
            "form": form,
            "as_of": day,
            "s": out,
            "trend": trend,
            "chart": chart,
            "api_url": f"/api/v1/reforms/plans/{plan.pk}/stats?as_of={day.isoformat()}",
        },
    )


def _grid_query(request: HttpRequest) -> tuple[ReformGridQuery | None, dict[str, str]]:
    raw: dict[str, Any] = {k: v for k, v in request.GET.items() if v != "" and k != "page"}
    try:
        return ReformGridQuery(**raw), {}
    except PydanticError as exc:  # the fields named, in Chinese
        return None, {str(e["loc"][0]): "取值无效" for e in exc.errors() if e.get("loc")}


GRID_CELLS = 6000  # cells on one page: all 181 tasks × 14 units; 20 tasks × 300 units


def _grid_page(units: int) -> int:
    return max(20, min(200, GRID_CELLS // max(units, 1)))


@role_required(*READERS)
def grid(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan = _or_404(plan_get, actor, pk)
    form, day = _as_of(request, plan)
    query, errors = _grid_query(request)
    page = page_number(request)
    size = _grid_page(
        unit_tasks_visible_to(actor).filter(plan=plan).values("unit").distinct().count()
    )
    filters: dict[str, Any] = {}
    if query is not None:
        try:
            filters = grid_filters(query, plan, day)
        except ValidationFailed as exc:
            errors = exc.fields
    filters.pop("offset", None)
    filters.pop("limit", None)
    if errors:
        filters = {}
    first = plan_grid(
        plan,
        unit_tasks_visible_to(actor),
        as_of=day,
        today=today(),
        offset=(page - 1) * size,
        limit=size,
        **filters,
    )
    rows = [{"task": row.task, "cells": _cells(row, first.units)} for row in first.rows]
    areas = TaskArea.objects.filter(plan=plan).order_by("sort_order", "code")
    leads = (
        plan.tasks.exclude(lead_department=None)
        .values_list("lead_department_id", "lead_department__name")
        .distinct()
        .order_by("lead_department__name")
    )
    return render(
        request,
        "reforms/grid.html",
        {
            "plan": plan,
            "form": form,
            "as_of": day,
            "past": day < today(),
            "units": first.units,
            "rows": rows,
            "total": first.total,
            "pager": pager(page, first.total, size),
            "areas": areas,
            "leads": leads,
            "q": request.GET,
            "errors": errors,
            "state_class": STATE_CLASS,
            "states": TaskState.choices,
            "figure_labels": {
                "done_everywhere": "各单位均完成的任务",
                "over_half_by_units": "完成 50% 以上的任务（按单位）",
                "over_half_by_progress": "完成 50% 以上的任务（按平均进度）",
            },
        },
    )


def _cells(row: Any, units: list[Any]) -> list[dict[str, Any] | None]:
    """Each cell's class, link and title, made here once: the page holds thousands (a
    template tag per cell made the grid page cost three times its query)."""
    base = reverse("reforms:unit_task", args=[0])[: -len("0/")]
    number = row.task.number
    out: list[dict[str, Any] | None] = []
    for u in units:
        c = row.cells.get(u.pk)
        if c is None:
            out.append(None)
            continue
        cls = f"rf-cell rf-cell--{STATE_CLASS[c.state]}"
        out.append(
            {
                "cls": f"{cls} rf-cell--{c.warning}" if c.warning else cls,
                "href": f"{base}{c.unit_task_id}/",
                "title": f"{u.name} · {number}：{c.progress}%（序时 {c.expected}%）",
                "progress": c.progress,
            }
        )
    return out


# --- unit tasks and measures --------------------------------------------------------------------

UNIT_TASK_RELATED = ("task__area", "task__lead_department", "unit__region", "plan")


def _day(g: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    raw = g.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = "日期格式应为 YYYY-MM-DD"
        return None


def _dated(qs: Any, g: Any, errors: dict[str, str], lookups: dict[str, str]) -> Any:
    """Narrow by the date filters named in `lookups` (query name → ORM lookup)."""
    for name, lookup in lookups.items():
        if (day := _day(g, name, errors)) is not None:
            qs = qs.filter(**{lookup: day})
    return qs


@role_required(*READERS)
def unit_tasks(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    qs = unit_tasks_visible_to(actor).select_related(*UNIT_TASK_RELATED)
    g = request.GET
    errors: dict[str, str] = {}
    if plan := g.get("plan", "").strip():
        qs = qs.filter(plan_id=int(plan)) if plan.isdigit() else qs.none()
    if unit := g.get("unit", "").strip():
        qs = qs.filter(unit__code=unit)
    if state := g.get("state", "").strip():
        if state in TaskState.values:
            qs = qs.filter(state=state)
        else:
            errors["state"] = "未知的状态"
    if warning := g.get("warning", "").strip():
        if warning in ("yellow", "red", "none"):
            qs = qs.filter(warning="" if warning == "none" else warning)
        else:
            errors["warning"] = "预警应为黄色、红色或正常"
    if text := g.get("q", "").strip()[:50]:
        qs = qs.filter(Q(task__number__icontains=text) | Q(task__title__icontains=text))
    qs = _dated(qs, g, errors, {"due_from": "deadline__gte", "due_to": "deadline__lte"})
    if done_to := _day(g, "done_to", errors):
        qs = qs.filter(state=TaskState.DONE, done_on__lte=done_to)
    if g.get("on_time") == "yes":  # done by its deadline (the assessment's 按期完成)
        qs = qs.filter(state=TaskState.DONE, done_on__lte=F("deadline"))
    qs = qs.order_by("plan_id", "task__sort_order", "unit__sort_order")
    total = qs.count()
    p = pager(page_number(request), total, 50)
    rows = list(qs[p.offset : p.offset + p.size])
    return render(
        request,
        "reforms/unit_tasks.html",
        {
            "rows": rows,
            "pager": p,
            "q": g,
            "errors": errors,
            "states": TaskState.choices,
            "state_class": STATE_CLASS,
            "plans": plans_counted(actor).order_by("-issued_on"),
            "query": g.urlencode(),
        },
    )


def _forms(
    machine: Machine[Any], subject: Any, actor: Actor, bound: ReformActionForm | None
) -> list[ReformActionForm]:
    allowed = sorted(machine.allowed(subject, actor), key=lambda n: not machine[n].primary)
    return [
        bound
        if bound is not None and bound.action == name
        else ReformActionForm(machine=machine, action=name, subject=subject)
        for name in allowed
    ]


def _item_page(
    request: HttpRequest,
    *,
    item: UnitTask | Measure,
    actor: Actor,
    bound: ReformActionForm | None = None,
    report_forms: dict[int, ReformActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    is_task = isinstance(item, UnitTask)
    view = (
        presenters.present_unit_task(item, actor, reports=True)  # type: ignore[arg-type]
        if is_task
        else presenters.present_measure(item, actor, reports=True)  # type: ignore[arg-type]
    )
    machine = UNIT_TASK if is_task else MEASURE
    forms = _forms(machine, item, actor, bound)
    report_rows = []
    reports = {r.pk: r for r in item.reports.select_related("unit__region")}
    for shown in view["reports"]:
        report = reports[shown["id"]]
        bound_report = (report_forms or {}).get(report.pk)
        report_rows.append(
            {
                "r": shown,
                "forms": _forms(REPORT, report, actor, None)
                if bound_report is None
                else _forms(REPORT, report, actor, bound_report),
            }
        )
    for f in forms:
        if f.is_bound:
            continue
        if f.action == "report":
            f.initial.setdefault("period", view["current_period"])
            f.initial.setdefault("progress", item.progress)
        elif f.action == "assign":  # what is recorded now, to be corrected
            for name in ("responsible_body", "leader", "contact_name", "contact_phone"):
                f.initial.setdefault(name, getattr(item, name))
            f.initial.setdefault("planned_start", item.planned_start.isoformat())
    return render(
        request,
        "reforms/item.html",
        {
            "item": item,
            "v": view,
            "is_task": is_task,
            "forms": forms,
            "reports": report_rows,
            "post_name": "reforms:unit_task_act" if is_task else "reforms:measure_act",
            "state_class": STATE_CLASS,
            "periods": list(
                periods.periods(
                    item.plan.starts_on if is_task else item.local_plan.issued_on,  # type: ignore[union-attr]
                    min(today(), item.plan.deadline if is_task else item.local_plan.deadline),  # type: ignore[union-attr]
                    view["period_kind"],
                )
            )[-6:],
        },
        status=status,
    )


def _unit_task(actor: Actor, pk: int) -> UnitTask:
    item = unit_tasks_visible_to(actor).select_related(*UNIT_TASK_RELATED).filter(pk=pk).first()
    if item is None:
        raise Http404("out of scope")
    return item


def _measure(actor: Actor, pk: int) -> Measure:
    item = (
        measures_visible_to(actor)
        .select_related("local_plan__unit__region", "local_plan__plan")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("out of scope")
    return item


@role_required(*READERS)
def unit_task(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    return _item_page(request, item=_unit_task(actor, pk), actor=actor)


@role_required(*READERS)
def measure(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    return _item_page(request, item=_measure(actor, pk), actor=actor)


def _run(request: HttpRequest, form: ReformActionForm, call: Any) -> str | None:
    """Call the service with the form's data; None on success, else the refusal put on the
    form (field errors beside the fields, a conflict above the form)."""
    if not form.is_valid():
        return "invalid"
    try:
        call(form)
    except ValidationFailed as exc:
        form.apply_errors(exc)
        return "invalid"
    except (Conflict, Forbidden) as exc:
        form.add_error(None, f"{exc.message}（页面已刷新为最新状态，请核对后再操作）")
        return "conflict"
    except NotFound:
        raise Http404("out of scope") from None
    return None


def _item_act(request: HttpRequest, pk: int, action: str, *, is_task: bool) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    machine = UNIT_TASK if is_task else MEASURE
    if action not in machine or action in ("apply", "warn"):
        raise Http404("unknown action")
    item = _unit_task(actor, pk) if is_task else _measure(actor, pk)
    form = ReformActionForm(
        request.POST, request.FILES, machine=machine, action=action, subject=item
    )
    url = reverse("reforms:unit_task" if is_task else "reforms:measure", args=[pk])

    def call(f: ReformActionForm) -> None:
        if action == "report":
            report_submit(
                user=user,
                data=f.service_data(),
                files=f.uploads(),
                idempotency_key=request.POST.get("idempotency_key", ""),
                **({"unit_task": pk} if is_task else {"measure": pk}),
            )
            return
        fn = unit_task_act if is_task else measure_act
        fn(
            pk=pk,
            action=action,
            user=user,
            data=f.service_data(),
            files=f.uploads(),
            expected_version=f.cleaned_data.get("version"),
        )

    problem = _run(request, form, call)
    if problem is None:
        messages.success(request, f"已{machine[action].label}。")
        return redirect(url)
    fresh = _unit_task(actor, pk) if is_task else _measure(actor, pk)
    return _item_page(
        request, item=fresh, actor=actor, bound=form, status=409 if problem == "conflict" else 400
    )


@role_required(*READERS)
@require_POST
def unit_task_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return _item_act(request, pk, action, is_task=True)


@role_required(*READERS)
@require_POST
def measure_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return _item_act(request, pk, action, is_task=False)


# --- reports: the review queue and the decisions ------------------------------------------------


@role_required(*READERS)
def reviews(request: HttpRequest) -> HttpResponse:
    """The reports this reader may decide now, oldest first."""
    actor = _actor(request)
    qs = (
        reports_visible_to(actor)
        .filter(state=ReportState.SUBMITTED)
        .select_related(
            "unit__region",
            "unit_task__task",
            "unit_task__plan",
            "measure__local_plan",
            "submitted_by",
            "source",
        )
        .prefetch_related("files")
        .order_by("submitted_at", "id")
    )
    if unit := request.GET.get("unit", "").strip():
        qs = qs.filter(unit__code=unit)
    mine = [r for r in qs.iterator(chunk_size=500) if REPORT.allowed(r, actor)]  # the whole queue
    total = len(mine)
    p = pager(page_number(request), total, 20)
    rows = [
        {
            "report": r,
            "v": presenters.present_report(r, actor),
            "forms": _forms(REPORT, r, actor, None),
        }
        for r in mine[p.offset : p.offset + p.size]
    ]
    return render(request, "reforms/reviews.html", {"rows": rows, "pager": p, "q": request.GET})


@role_required(*READERS)
def reports(request: HttpRequest) -> HttpResponse:
    """Every progress report the reader may see, filtered (what an assessment's report
    figures drill down to: a unit's reports for periods ending in a quarter)."""
    actor = _actor(request)
    g = request.GET
    errors: dict[str, str] = {}
    qs = reports_visible_to(actor).filter(source__isnull=True)
    if unit := g.get("unit", "").strip():
        qs = qs.filter(unit__code=unit)
    qs = _dated(qs, g, errors, {"period_from": "period_end__gte", "period_to": "period_end__lte"})
    if state := g.get("state", "").strip():
        if state in ReportState.values:
            qs = qs.filter(state=state)
        else:
            errors["state"] = "未知的状态"
    if (on_time := g.get("on_time", "")) in ("yes", "no"):
        qs = qs.filter(on_time=on_time == "yes")
    if (returned := g.get("returned", "")) in ("yes", "no"):
        qs = qs.filter(returned_count__gt=0) if returned == "yes" else qs.filter(returned_count=0)
    qs = qs.select_related("unit", "unit_task__task", "measure").order_by("-period_end", "-id")
    total = qs.count()
    p = pager(page_number(request), total, 50)
    return render(
        request,
        "reforms/reports.html",
        {
            "rows": list(qs[p.offset : p.offset + p.size]),
            "pager": p,
            "q": g,
            "errors": errors,
            "states": ReportState.choices,
            "query": g.urlencode(),
        },
    )


@role_required(*READERS)
@require_POST
def report_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    if action not in REPORT:
        raise Http404("unknown action")
    report = reports_visible_to(actor).select_related("unit__region").filter(pk=pk).first()
    if report is None:
        raise Http404("out of scope")
    form = ReformActionForm(
        request.POST, request.FILES, machine=REPORT, action=action, subject=report
    )

    def call(f: ReformActionForm) -> None:
        report_act(
            pk=pk,
            action=action,
            user=user,
            data=f.service_data(),
            files=f.uploads(),
            expected_version=f.cleaned_data.get("version"),
        )

    problem = _run(request, form, call)
    back = request.POST.get("back", "")
    if problem is None:
        messages.success(request, f"报告已{REPORT[action].label}。")
        if back == "reviews":
            return redirect("reforms:reviews")
        return redirect(_item_url(report))
    status = 409 if problem == "conflict" else 400
    if back == "reviews":
        messages.error(request, "；".join(_form_errors(form)))
        return redirect("reforms:reviews")
    if report.unit_task_id:
        item: UnitTask | Measure = _unit_task(actor, report.unit_task_id)
    else:
        assert report.measure_id is not None
        item = _measure(actor, report.measure_id)
    return _item_page(request, item=item, actor=actor, report_forms={pk: form}, status=status)


def _form_errors(form: ReformActionForm) -> list[str]:
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out += [f"{label}：{e}" if label else str(e) for e in errors]
    return out or ["操作未能完成"]


def _item_url(report: Report) -> str:
    if report.unit_task_id:
        return reverse("reforms:unit_task", args=[report.unit_task_id])
    return reverse("reforms:measure", args=[report.measure_id])


@role_required(*READERS)
def report_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    """Evidence, scoped like its report (a copy shows its source's files too)."""
    actor = _actor(request)
    report = reports_visible_to(actor).filter(pk=pk).first()
    if report is None:
        raise Http404("out of scope")
    ids = [report.pk] + ([report.source_id] if report.source_id else [])
    found = ReportFile.objects.filter(pk=file_id, report_id__in=ids).first()
    if found is None:
        raise Http404("no such file")
    return found.download()


# --- local plans ------------------------------------------------------------------------------


@role_required(*READERS)
def local_plans(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = local_plans_visible_to(actor).annotate(
        measure_count=Count("measures", distinct=True),
        done_count=Count("measures", filter=Q(measures__state=TaskState.DONE), distinct=True),
        warned=Count("measures", filter=~Q(measures__warning=""), distinct=True),
    )
    return render(request, "reforms/local_plans.html", {"rows": rows})


@role_required(*READERS)
def local_plan(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    local = local_plans_visible_to(actor).filter(pk=pk).first()
    if local is None:
        raise Http404("out of scope")
    qs = measures_visible_to(actor).filter(local_plan=local).prefetch_related("tasks")
    if state := request.GET.get("state", "").strip():
        qs = qs.filter(state=state) if state in TaskState.values else qs.none()
    total = qs.count()
    p = pager(page_number(request), total, 100)
    rows = list(qs.order_by("sort_order", "id")[p.offset : p.offset + p.size])
    return render(
        request,
        "reforms/local_plan.html",
        {
            "local": local,
            "rows": rows,
            "pager": p,
            "q": request.GET,
            "states": TaskState.choices,
            "state_class": STATE_CLASS,
        },
    )


@role_required(Role.SUPERVISOR, Role.ADMIN)
@require_POST
def plan_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = user_of(request)
    if action not in PLAN:
        raise Http404("unknown action")
    _or_404(plan_get, actor_of(user), pk)
    try:
        plan_act(pk=pk, action=action, user=user, data=dict(request.POST.items()))
        messages.success(request, f"方案已{PLAN[action].label}。")
    except NotFound:
        raise Http404("out of scope") from None
    except DomainError as exc:
        messages.error(request, "；".join(exc.fields.values()) or exc.message)
    return redirect("reforms:home")
