"""The reforms pages that make and move files: a new plan, its task list imported from Excel
(and exported as a template), a unit's local plan and its measures imported, and the grid,
statistics and a unit's ledger exported (the same queries as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core.access import role_required
from qitong.core.errors import DomainError, NotFound, ValidationFailed
from qitong.core.forms import ServiceForm
from qitong.directory.excel.workbook import XLSX_CONTENT_TYPE, ExcelImportFailed, check_upload
from qitong.reforms import excel
from qitong.reforms.api import as_of_day, plan_get
from qitong.reforms.models import ActionPlan, LocalPlan, ReportingUnit
from qitong.reforms.selectors import (
    coordinated_units,
    local_plans_visible_to,
    sees_all,
    unit_tasks_visible_to,
    units_visible_to,
)
from qitong.reforms.services import local_plan_create, plan_create, today
from qitong.reforms.states import PeriodKind, PlanState
from qitong.reforms.stats import plan_stats
from qitong.reforms.transitions import is_office

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, *DEPARTMENT_ROLES)


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _plan(actor: Actor, pk: int) -> ActionPlan:
    try:
        plan: ActionPlan = plan_get(actor, pk)
    except NotFound:
        raise Http404("out of scope") from None
    return plan


def _day(request: HttpRequest, plan: ActionPlan) -> Any:
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return today()
    try:
        return as_of_day(dt.date.fromisoformat(raw), plan)
    except (ValueError, ValidationFailed):
        raise Http404("bad date") from None


def _office(actor: Actor) -> bool:
    return actor.role == Role.SUPERVISOR and is_office(None, actor)


# --- exports --------------------------------------------------------------------------------


@role_required(*READERS)
def grid_export(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(user_of(request))
    plan = _plan(actor, pk)
    day = _day(request, plan)
    data = excel.export_grid(plan, unit_tasks_visible_to(actor), as_of=day, today=today())
    return _xlsx(data, f"挂图作战_{plan.short_name}_{day:%Y%m%d}.xlsx")


@role_required(*READERS)
def stats_export(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(user_of(request))
    plan = _plan(actor, pk)
    day = _day(request, plan)
    return _xlsx(
        excel.export_stats(plan_stats(plan, day)), f"统计_{plan.short_name}_{day:%Y%m%d}.xlsx"
    )


@role_required(*READERS)
def tasks_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(actor_of(user_of(request)), pk)
    return _xlsx(excel.export_tasks(plan), f"任务清单_{plan.short_name}.xlsx")


@role_required(*READERS)
def ledger_export(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    actor = actor_of(user_of(request))
    plan = _plan(actor, pk)
    unit = units_visible_to(actor).filter(code=code).first()
    if unit is None:
        raise Http404("out of scope")
    data = excel.export_unit_ledger(plan, unit, unit_tasks_visible_to(actor))
    return _xlsx(data, f"台账_{plan.short_name}_{unit.name}.xlsx")


# --- a new plan and its task list ---------------------------------------------------------------


class PlanForm(ServiceForm, forms.ModelForm):  # type: ignore[misc]
    required_fields = ("name", "short_name", "issuer", "issued_on", "starts_on", "deadline")

    class Meta:
        model = ActionPlan
        fields = [
            "name",
            "short_name",
            "version",
            "replaces",
            "issuer",
            "doc_number",
            "issued_on",
            "starts_on",
            "deadline",
            "period_kind",
            "report_due_days",
            "yellow_behind",
            "red_behind",
            "near_deadline_days",
        ]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }


@role_required(Role.SUPERVISOR)
def plan_new(request: HttpRequest) -> HttpResponse:
    """The office drafts a plan; its tasks come from Excel, then it is issued."""
    user = user_of(request)
    actor = actor_of(user)
    if not _office(actor):
        raise Http404("not the office")
    form = PlanForm(request.POST or None, initial={"period_kind": PeriodKind.MONTH})
    if request.method == "POST" and _complete(request, form) and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            plan = plan_create(user=user, **fields)
        except ValidationFailed as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, "方案已建立（草稿）。请导入任务清单，核对后印发。")
            return redirect("reforms:plan_import", plan.pk)
    return render(
        request, "reforms/plan_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _complete(request: HttpRequest, form: Any) -> bool:
    """The service's required fields are filled (a model form whose fields are optional on
    the page would leave them to the database)."""
    missing = [n for n in form.required_fields if not request.POST.get(n, "").strip()]
    for name in missing:
        form.add_error(name, f"请填写{form.fields[name].label}")
    return not missing


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", required=False)


def _upload(request: HttpRequest, form: UploadForm) -> bytes | None:
    upload = request.FILES.get("file")
    if upload is None:
        form.add_error("file", "请选择要导入的 .xlsx 文件")
        return None
    try:
        check_upload(upload.name or "", upload.size or 0)
    except ExcelImportFailed as exc:
        form.add_error("file", "；".join(exc.problems))
        return None
    return upload.read()


@role_required(Role.SUPERVISOR)
def plan_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import tasks into a draft or in-force plan (the office's); all rows or none."""
    user = user_of(request)
    actor = actor_of(user)
    plan = _plan(actor, pk)
    if not _office(actor) or plan.state == PlanState.CLOSED:
        raise Http404("not the office, or closed")
    return _import_page(
        request,
        run=lambda data: excel.import_tasks(data, plan=plan, user=user),
        done=("已导入任务清单", "reforms:plan_import", plan.pk),
        template="reforms/plan_import.html",
        context={
            "plan": plan,
            "columns": excel.TASK_COLUMNS,
            "task_count": plan.tasks.count(),
            "units": ReportingUnit.objects.filter(active=True).order_by("sort_order", "code"),
        },
    )


def _import_page(
    request: HttpRequest,
    *,
    run: Any,
    done: tuple[str, str, int],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The upload form; a refused file lists its problems (400) and changes nothing."""
    form = UploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST":
        data = _upload(request, form)
        if data is not None:
            try:
                result = run(data)
            except ExcelImportFailed as exc:
                problems = exc.problems
            else:
                label, url_name, pk = done
                messages.success(request, f"{label}：{result.summary()}。")
                return redirect(url_name, pk)
    status = 400 if (problems or form.errors) else 200
    return render(request, template, {**context, "form": form, "problems": problems}, status=status)


# --- a unit's local plan ------------------------------------------------------------------------


class LocalPlanForm(ServiceForm, forms.ModelForm):  # type: ignore[misc]
    required_fields = ("unit", "name", "issued_on", "deadline")

    class Meta:
        model = LocalPlan
        fields = ["unit", "plan", "name", "doc_number", "issued_on", "deadline", "period_kind"]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = coordinated_units(actor) if not sees_all(actor) else ReportingUnit.objects.all()
        self.fields["unit"].queryset = units.order_by("sort_order", "code")  # type: ignore[attr-defined]
        self.fields["plan"].queryset = ActionPlan.objects.exclude(state=PlanState.DRAFT)  # type: ignore[attr-defined]


def _may_edit_local(actor: Actor, unit: ReportingUnit) -> bool:
    if _office(actor):
        return True
    return coordinated_units(actor).filter(pk=unit.pk).exists()


@role_required(Role.SUPERVISOR, *DEPARTMENT_ROLES)
def local_plan_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    form = LocalPlanForm(request.POST or None, actor=actor)
    if not form.fields["unit"].queryset.exists():  # type: ignore[attr-defined]
        raise Http404("coordinates no unit")
    if request.method == "POST" and _complete(request, form) and form.is_valid():
        fields = dict(form.cleaned_data)
        unit = fields.pop("unit")
        try:
            local = local_plan_create(user=user, unit=unit, **fields)
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, "本地方案已建立。请导入举措清单。")
            return redirect("reforms:local_plan_import", local.pk)
    return render(
        request, "reforms/local_plan_new.html", {"form": form}, status=400 if form.errors else 200
    )


@role_required(Role.SUPERVISOR, *DEPARTMENT_ROLES)
def local_plan_import(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    local = local_plans_visible_to(actor).filter(pk=pk).first()
    if local is None or not _may_edit_local(actor, local.unit):
        raise Http404("out of scope")
    return _import_page(
        request,
        run=lambda data: excel.import_measures(data, local=local, user=user),
        done=("已导入举措", "reforms:local_plan", local.pk),
        template="reforms/local_plan_import.html",
        context={"local": local, "columns": excel.MEASURE_COLUMNS},
    )
