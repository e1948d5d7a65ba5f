"""The area-assessment pages (issue 16): the public lookup ("which results can my project
use?"), the results list with filters (a department's own, expiring soon), a result with its
actions and uses, entering a result, a project and a use, and the data bureau's figures with
the coverage matrix and the Excel export. Thin views over the services and selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.area_assessments import presenters
from qitong.area_assessments.geo import check_point, zones_at
from qitong.area_assessments.models import AssessmentType, Project, Result, ResultFile, Zone
from qitong.area_assessments.selectors import (
    Acting,
    acting,
    projects_visible_to,
    reads_figures,
    results_visible_to,
    uses_visible_to,
)
from qitong.area_assessments.services import (
    ProjectIn,
    ResultIn,
    UseIn,
    project_create,
    result_act,
    result_create,
    use_create,
    valid_results,
)
from qitong.area_assessments.states import PUBLIC_STATES, ResultState
from qitong.area_assessments.stats import area_stats, coverage
from qitong.area_assessments.transitions import RESULT, SYSTEM_ACTIONS
from qitong.core.access import role_required
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.paging import page_number, pager
from qitong.core.workdays import local_today
from qitong.workflow.forms import SchemaForm
from qitong.workflow.inputs import Widget

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.ENTERPRISE, *DEPARTMENT_ROLES)
STAFF = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, *DEPARTMENT_ROLES)


def _acting(request: HttpRequest) -> Acting:
    return acting(actor_of(user_of(request)))


DATE_LABELS = {
    "published_from": "公示日期从",
    "published_to": "公示日期至",
    "collected_from": "汇聚日期从",
    "collected_to": "汇聚日期至",
    "from": "开始日期",
    "to": "结束日期",
}


def _day(raw: str, errors: dict[str, str], name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{DATE_LABELS.get(name, '日期')}的格式应为 YYYY-MM-DD"
        return None


def _query(request: HttpRequest) -> str:
    """The filters as a query string without the page (the pager adds its own)."""
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


# --- the public lookup --------------------------------------------------------------------------


def lookup(request: HttpRequest) -> HttpResponse:
    """No login: choose a zone (or give a location) and see the results a project there may
    use today, with their conditions and files."""
    g = request.GET
    zones = list(
        Zone.objects.filter(active=True).select_related("region").order_by("region__code", "name")
    )
    zone = None
    errors: dict[str, str] = {}
    matched = False
    if g.get("zone", "").isdigit():
        zone = next((z for z in zones if z.pk == int(g["zone"])), None)
        if zone is None:
            errors["zone"] = "未知的开发区（园区）"
    elif g.get("lng") or g.get("lat"):
        point, errors = check_point(g.get("lng", ""), g.get("lat", ""))
        if point is not None:
            found = zones_at(point, [z for z in zones if z.boundary])
            if found:
                zone, matched = found[0], True
            else:
                errors["lng"] = "该位置不在任何已登记边界的开发区（园区）内，请直接选择园区"
    results = list(valid_results(zone)) if zone is not None else []
    return render(
        request,
        "area_assessments/lookup.html",
        {
            "zones": zones,
            "zone": zone,
            "results": results,
            "errors": errors,
            "q": g,
            "matched": matched,
            "today": local_today(),
        },
        status=400 if errors else 200,
    )


def public_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    stored = ResultFile.objects.filter(
        pk=file_id, result_id=pk, result__state__in=sorted(PUBLIC_STATES)
    ).first()
    if stored is None:
        raise Http404("no such file")
    return stored.download()


# --- results ------------------------------------------------------------------------------------


class ResultActionForm(SchemaForm):
    def __init__(self, *args: Any, result: Result, action: str, **kwargs: Any) -> None:
        self.result = result
        super().__init__(*args, transition=RESULT[action], version=result.version, **kwargs)


def _filtered(request: HttpRequest, a: Acting) -> tuple[Any, dict[str, str]]:
    g = request.GET
    errors: dict[str, str] = {}
    qs = results_visible_to(a).select_related("zone__region", "type", "department")
    for name, field in (("zone", "zone_id"), ("type", "type_id")):
        if g.get(name, "").isdigit():
            qs = qs.filter(**{field: int(g[name])})
    if (state := g.get("state", "")) in ResultState.values:
        qs = qs.filter(state=state)
    if g.get("mine") == "yes" and a.department_id:
        qs = qs.filter(department_id=a.department_id)
    for name, lookup_ in (
        ("published_from", "published_on__gte"),
        ("published_to", "published_on__lte"),
        ("collected_from", "collected_on__gte"),
        ("collected_to", "collected_on__lte"),
    ):
        if (day := _day(g.get(name, ""), errors, name)) is not None:
            qs = qs.filter(**{lookup_: day})
    if g.get("expiring") == "yes":  # in force and ending within 90 days
        today = local_today()
        qs = qs.filter(
            state__in=["published", "collected"],
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=90),
        )
    return qs, errors


@role_required(*STAFF)
def results(request: HttpRequest) -> HttpResponse:
    a = _acting(request)
    qs, errors = _filtered(request, a)
    qs = qs.order_by(
        "valid_until" if request.GET.get("expiring") == "yes" else "-approved_on", "-id"
    )
    total = qs.count()
    p = pager(page_number(request), total, 50)
    return render(
        request,
        "area_assessments/results.html",
        {
            "rows": list(qs[p.offset : p.offset + p.size]),
            "pager": p,
            "q": request.GET,
            "errors": errors,
            "zones": Zone.objects.order_by("name"),
            "types": AssessmentType.objects.all(),
            "states": ResultState.choices,
            "query": _query(request),
            "department": a.role in DEPARTMENT_ROLES,
            "figures": reads_figures(a),
            "today": local_today(),
        },
    )


def _result_page(
    request: HttpRequest,
    r: Result,
    a: Acting,
    *,
    bound: ResultActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    allowed = [x for x in RESULT.allowed(r, a) if x not in SYSTEM_ACTIONS]
    forms = [
        bound if bound is not None and bound.action == x else ResultActionForm(result=r, action=x)
        for x in allowed
    ]
    return render(
        request,
        "area_assessments/result.html",
        {
            "r": r,
            "v": presenters.present_result(r, a),
            "forms": forms,
            "uses": list(uses_visible_to(a).filter(result=r).select_related("project")),
            "can_use": a.role in DEPARTMENT_ROLES or a.role == Role.ENTERPRISE,
        },
        status=status,
    )


def _result(a: Acting, pk: int) -> Result:
    found = (
        results_visible_to(a)
        .select_related("zone__region", "type", "department", "supersedes")
        .prefetch_related("files")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("out of scope")
    return found


@role_required(*READERS)
def result(request: HttpRequest, pk: int) -> HttpResponse:
    a = _acting(request)
    return _result_page(request, _result(a, pk), a)


@role_required(*READERS)
@require_POST
def result_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = user_of(request)
    a = acting(actor_of(user))
    if action not in RESULT or action in SYSTEM_ACTIONS:
        raise Http404("unknown action")
    r = _result(a, pk)
    form = ResultActionForm(request.POST, result=r, action=action)
    status = 400
    if form.is_valid():
        try:
            result_act(
                pk=pk,
                action=action,
                user=user,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (Conflict, Forbidden) as exc:
            messages.error(request, f"未能{RESULT[action].label}：{exc.message}")
            return redirect("area_assessments:result", pk=pk)
        except NotFound:
            raise Http404("out of scope") from None
        else:
            messages.success(request, f"已{RESULT[action].label}。")
            return redirect("area_assessments:result", pk=pk)
    return _result_page(request, _result(a, pk), a, bound=form, status=status)


@role_required(*READERS)
def result_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    r = _result(_acting(request), pk)
    stored = ResultFile.objects.filter(pk=file_id, result=r).first()
    if stored is None:
        raise Http404("no such file")
    return stored.download()


class InputForm(SchemaForm):
    """A create form from an input schema (the same fields the API takes), its references as
    selects from the database."""

    def __init__(
        self, *args: Any, model: Any, choices: dict[str, list[tuple[Any, str]]], **kwargs: Any
    ) -> None:
        from qitong.workflow.machine import transition

        self._choices = choices
        fake = transition("create", "登记", {"-"}, "=", {}, input=model)
        super().__init__(*args, transition=fake, version=0, **kwargs)

    def field_for(self, name: str, widget: Widget) -> Any:
        from django import forms

        if name in self._choices:
            return forms.TypedChoiceField(
                label=widget.label,
                choices=[("", "请选择"), *self._choices[name]],
                coerce=int,
                empty_value=None,
                help_text=widget.hint,
            )
        return super().field_for(name, widget)


def _create_page(
    request: HttpRequest,
    *,
    model: Any,
    choices: dict[str, list[tuple[Any, str]]],
    title: str,
    create: Any,
    done: Any,
    template: str = "area_assessments/new.html",
    files: bool = False,
) -> HttpResponse:
    form = InputForm(
        request.POST or None, request.FILES or None, model=model, choices=choices, prefix="f"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                made = create(
                    form.service_data(), request.FILES.getlist("f-attachments") if files else []
                )
            except ValidationFailed as exc:
                form.apply_errors(exc)
            except (Conflict, Forbidden) as exc:
                form.add_error(None, exc.message)
            else:
                return done(made)
    return render(request, template, {"form": form, "title": title, "files": files}, status=status)


@role_required(*DEPARTMENT_ROLES)
def result_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)

    def create(data: dict[str, Any], files: list[Any]) -> Result:
        return result_create(user=user, data=data, files=files)[0]

    def done(r: Result) -> HttpResponse:
        messages.success(request, f"已登记成果 {r.number}（草稿）。核对后点“公示”。")
        return redirect("area_assessments:result", pk=r.pk)

    mine = acting(actor_of(user))
    live = (
        results_visible_to(mine)
        .filter(state__in=["published", "collected"], department_id=mine.department_id or 0)
        .select_related("zone", "type")
    )
    return _create_page(
        request,
        model=ResultIn,
        choices={
            "zone": [(z.pk, z.name) for z in Zone.objects.filter(active=True).order_by("name")],
            "type": [(t.pk, t.name) for t in AssessmentType.objects.filter(active=True)],
            "supersedes": [
                (r.pk, f"{r.number} {r.zone.name} · {r.type.name}（至 {r.valid_until:%Y-%m-%d}）")
                for r in live.order_by("zone__name")[:500]
            ],
        },
        title="登记区域评估成果",
        create=create,
        done=done,
        files=True,
    )


@role_required(Role.HANDLER, Role.DEPT_LEADER, Role.SUPERVISOR, Role.ENTERPRISE)
def project_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)

    def create(data: dict[str, Any], files: list[Any]) -> Project:
        return project_create(user=user, data=data)

    def done(p: Project) -> HttpResponse:
        messages.success(request, f"已登记项目 {p.code}（{p.zone.name}）。")
        return redirect(f"/area-assessments/uses/new/?project={p.pk}")

    return _create_page(
        request,
        model=ProjectIn,
        choices={
            "zone": [(z.pk, z.name) for z in Zone.objects.filter(active=True).order_by("name")]
        },
        title="登记投资项目",
        create=create,
        done=done,
    )


@role_required(Role.HANDLER, Role.DEPT_LEADER, Role.ENTERPRISE)
def use_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    a = acting(actor_of(user))

    def create(data: dict[str, Any], files: list[Any]) -> Any:
        return use_create(user=user, data=data)[0]

    def done(u: Any) -> HttpResponse:
        messages.success(request, f"已登记：{u.project.code} 使用 {u.result.number}。")
        return redirect("area_assessments:result", pk=u.result_id)

    projects = projects_visible_to(a).select_related("zone").order_by("-created_at")[:500]
    live = (
        Result.objects.filter(state__in=["published", "collected"], valid_until__gte=local_today())
        .select_related("zone", "type")
        .order_by("zone__name", "type__sort_order")[:2000]
    )
    response = _create_page(
        request,
        model=UseIn,
        choices={
            "project": [(p.pk, f"{p.code} {p.name}（{p.zone.name}）") for p in projects],
            "result": [(r.pk, f"{r.number} {r.zone.name} · {r.type.name}") for r in live],
        },
        title="登记成果应用",
        create=create,
        done=done,
    )
    return response


@role_required(*READERS)
def uses(request: HttpRequest) -> HttpResponse:
    a = _acting(request)
    g = request.GET
    errors: dict[str, str] = {}
    qs = uses_visible_to(a).select_related("project__zone", "result__type", "result__zone")
    if (start := _day(g.get("from", ""), errors, "from")) is not None:
        qs = qs.filter(used_on__gte=start)
    if (end := _day(g.get("to", ""), errors, "to")) is not None:
        qs = qs.filter(used_on__lte=end)
    if g.get("zone", "").isdigit():
        qs = qs.filter(result__zone_id=int(g["zone"]))
    if g.get("type", "").isdigit():
        qs = qs.filter(result__type_id=int(g["type"]))
    qs = qs.order_by("-used_on", "-id")
    total = qs.count()
    p = pager(page_number(request), total, 50)
    return render(
        request,
        "area_assessments/uses.html",
        {
            "rows": list(qs[p.offset : p.offset + p.size]),
            "pager": p,
            "q": g,
            "errors": errors,
            "query": _query(request),
            "zones": Zone.objects.order_by("name"),
            "types": AssessmentType.objects.all(),
        },
    )


# --- the figures --------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[dt.date | None, dt.date | None, dict[str, str]]:
    errors: dict[str, str] = {}
    return (
        _day(request.GET.get("from", ""), errors, "from"),
        _day(request.GET.get("to", ""), errors, "to"),
        errors,
    )


@role_required(*STAFF)
def stats(request: HttpRequest) -> HttpResponse:
    a = _acting(request)
    if not reads_figures(a):
        raise Http404("the data bureau's page")
    start, end, errors = _period(request)
    try:
        s = area_stats(start, end)
    except ValidationFailed as exc:
        errors |= exc.fields
        s = area_stats()
    chart = {
        "kind": "bar",
        "categories": [m["month"] for m in s.by_month],
        "series": [
            {"name": "成果应用（次）", "data": [m["uses"] for m in s.by_month]},
            {"name": "发布成果（项）", "data": [m["published"] for m in s.by_month]},
        ],
    }
    return render(
        request,
        "area_assessments/stats.html",
        {
            "s": s,
            "t": s.total,
            "chart": chart,
            "coverage": coverage(),
            "errors": errors,
            # what the reader typed stays in the inputs when it was refused
            "form_from": request.GET.get("from") or f"{s.start:%Y-%m-%d}",
            "form_to": request.GET.get("to") or f"{s.end:%Y-%m-%d}",
            "q": request.GET,
        },
        status=400 if errors else 200,
    )


@role_required(*STAFF)
def stats_export(request: HttpRequest) -> HttpResponse:
    from django.utils.http import content_disposition_header

    from qitong.area_assessments.excel import stats_workbook
    from qitong.directory.excel.workbook import XLSX_CONTENT_TYPE

    a = _acting(request)
    if not reads_figures(a):
        raise Http404("the data bureau's page")
    start, end, errors = _period(request)
    try:
        if errors:
            raise ValidationFailed(fields=errors)
        s = area_stats(start, end)
    except ValidationFailed as exc:
        messages.error(request, "未能导出：" + "；".join(exc.fields.values()))
        return redirect(f"{reverse('area_assessments:stats')}?{_query(request)}")
    response = HttpResponse(stats_workbook(s, coverage()), content_type=XLSX_CONTENT_TYPE)
    name = f"区域评估成果统计-{s.start:%Y%m%d}-{s.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
