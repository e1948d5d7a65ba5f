"""The supervision pages (issue 13): the problem list with its filters, counts and export;
the problem page with its history, plan, evidence and the actions the table allows; a new
problem; activities; the rectification board; the statistics; the accountability editor
and the public accountability page (no login).

Thin views: a form translates, a service or selector decides, a domain error is put back on
the form (never a 500); out of scope is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, Role
from qitong.core import clock
from qitong.core.access import role_required
from qitong.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from qitong.core.forms import new_idempotency_key
from qitong.core.paging import page_number, pager
from qitong.core.workdays import local_today
from qitong.directory.excel.workbook import XLSX_CONTENT_TYPE
from qitong.supervision import accountability, presenters
from qitong.supervision.accountability import ENTRY
from qitong.supervision.excel import export_problems
from qitong.supervision.forms import (
    ActivityForm,
    EntryForm,
    ProblemActionForm,
    ProblemFilterForm,
    ProblemForm,
    departments_in_reach,
    entry_initial,
)
from qitong.supervision.inputs import quarter_bounds, quarter_of
from qitong.supervision.listing import ProblemFilter, list_related, narrowed, state_counts
from qitong.supervision.models import Problem, ProblemFile
from qitong.supervision.selectors import (
    activities_visible_to,
    entries_visible_to,
    problems_visible_to,
)
from qitong.supervision.services import activity_create, problem_act, problem_create
from qitong.supervision.states import FileKind
from qitong.supervision.stats import list_counts, problem_stats, rectification_board
from qitong.supervision.transitions import PROBLEM
from qitong.tickets.selectors import tickets_visible_to

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, *DEPARTMENT_ROLES, *DESK_ROLES)
OFFICE = (Role.SUPERVISOR,)
STATS_READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    return actor_of(user_of(request))


# --- the list ---------------------------------------------------------------------------------


def _units(actor: Actor) -> list[tuple[str, str]]:
    """The units the filter offers: the departments of the reader's region (a unit's own
    staff read only their own problems and need no choice)."""
    if actor.role in DEPARTMENT_ROLES:
        return []
    return departments_in_reach(actor)


def _filtered(
    request: HttpRequest, actor: Actor
) -> tuple[ProblemFilterForm, ProblemFilter, dict[str, str]]:
    form = ProblemFilterForm(request.GET or None, units=_units(actor))
    errors: dict[str, str] = {}
    f = ProblemFilter()
    if form.is_bound:
        if form.is_valid():
            f = form.problem_filter()
        else:
            errors = {name: "；".join(str(m) for m in e) for name, e in form.errors.items()}
    return form, f, errors


@role_required(*READERS)
def problems(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form, f, errors = _filtered(request, actor)
    qs = problems_visible_to(actor)
    try:
        qs = narrowed(qs, f)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        qs = qs.none()
    counts = list_counts(actor, f, qs) if not errors else state_counts(qs)
    total = counts["total"]
    p = pager(page_number(request), total, PAGE_SIZE)
    now = clock.now()
    rows = [
        presenters.present(problem, actor, now=now)
        for problem in list_related(qs).order_by("-registered_at", "-id")[
            p.offset : p.offset + p.size
        ]
    ]
    query = request.GET.copy()
    query.pop("page", None)
    base = query.copy()
    for name in ("state", "overdue"):
        base.pop(name, None)
    activity = activities_visible_to(actor).filter(pk=f.activity).first() if f.activity else None
    return render(
        request,
        "supervision/problems.html",
        {
            "form": form,
            "activity": activity,
            "base_query": base.urlencode() + "&" if base else "",
            "rows": rows,
            "counts": counts,
            "pager": p,
            "errors": errors,
            "query": query.urlencode(),
            "may_register": actor.role == Role.SUPERVISOR,
            "unit_view": actor.role in DEPARTMENT_ROLES,
        },
    )


@role_required(*READERS)
def problems_export(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    _form, f, errors = _filtered(request, actor)
    if errors:
        messages.error(request, "筛选条件有误，未导出：" + "；".join(errors.values()))
        return redirect(f"{reverse('supervision:problems')}?{request.GET.urlencode()}")
    try:
        qs = narrowed(problems_visible_to(actor), f).order_by("-registered_at", "-id")
    except ValidationFailed as exc:
        messages.error(request, "筛选条件有误，未导出：" + "；".join(exc.fields.values()))
        return redirect(reverse("supervision:problems"))
    response = HttpResponse(export_problems(qs, actor), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"督查问题_{local_today():%Y%m%d}.xlsx"
    )
    return response


# --- one problem ------------------------------------------------------------------------------


def _problem(actor: Actor, pk: int) -> Problem:
    found = (
        problems_visible_to(actor)
        .select_related(
            "unit_department", "category", "activity", "ticket__enterprise", "recurrence_of"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("out of scope")
    return found


def _forms(
    problem: Problem, actor: Actor, bound: ProblemActionForm | None
) -> list[ProblemActionForm]:
    allowed = sorted(PROBLEM.allowed(problem, actor), key=lambda n: not PROBLEM[n].primary)
    return [
        bound
        if bound is not None and bound.action == name
        else ProblemActionForm(problem=problem, actor=actor, action=name)
        for name in allowed
        if name != "warn"
    ]


def _problem_page(
    request: HttpRequest,
    problem: Problem,
    actor: Actor,
    *,
    bound: ProblemActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    view = presenters.present_detail(problem, actor)
    return render(
        request,
        "supervision/problem.html",
        {
            "p": problem,
            "v": view,
            "forms": _forms(problem, actor, bound),
            "evidence": [f for f in view["files"] if f["kind"] == FileKind.EVIDENCE],
            # the link only where the reader's ticket scope reaches it (else a 404)
            "reads_tickets": problem.ticket_id is not None
            and tickets_visible_to(actor).filter(pk=problem.ticket_id).exists(),
        },
        status=status,
    )


@role_required(*READERS)
def problem(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    return _problem_page(request, _problem(actor, pk), actor)


@role_required(*READERS)
@require_POST
def problem_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    if action not in PROBLEM or action == "warn":
        raise Http404("unknown action")
    found = _problem(actor, pk)
    form = ProblemActionForm(request.POST, request.FILES, problem=found, actor=actor, action=action)
    status = 400
    if form.is_valid():
        try:
            problem_act(
                pk=pk,
                action=action,
                user=user,
                data=form.service_data(),
                files=form.uploads(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (Conflict, Forbidden) as exc:
            form.add_error(None, f"{exc.message}（页面已刷新为最新状态，请核对后再操作）")
            status = 409
        except NotFound:
            raise Http404("out of scope") from None
        else:
            messages.success(request, f"已{PROBLEM[action].label}。")
            return redirect("supervision:problem", pk=pk)
    return _problem_page(request, _problem(actor, pk), actor, bound=form, status=status)


@role_required(*READERS)
def problem_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    found = _problem(_actor(request), pk)
    stored = ProblemFile.objects.filter(pk=file_id, problem=found).first()
    if stored is None:
        raise Http404("no such file")
    return stored.download()


def _activity_choices(actor: Actor) -> list[tuple[str, str]]:
    rows = activities_visible_to(actor).order_by("-starts_on", "-id")[:200]
    return [(str(a.pk), f"{a.starts_on:%Y-%m-%d} {a.get_kind_display()} · {a.title}") for a in rows]


@role_required(*OFFICE)
def problem_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    initial = {"activity": request.GET.get("activity", "")}
    form = ProblemForm(
        request.POST or None,
        request.FILES or None,
        actor=actor,
        activities=_activity_choices(actor),
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created, _ = problem_create(
                    user=user,
                    data=form.service_data(),
                    files=form.uploads(),
                    idempotency_key=request.POST.get("idempotency_key", ""),
                )
            except DomainError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, f"已登记问题 {created.number}，请交办责任单位。")
                return redirect("supervision:problem", pk=created.pk)
    return render(
        request,
        "supervision/problem_new.html",
        {
            "form": form,
            "idempotency_key": request.POST.get("idempotency_key") or new_idempotency_key(),
        },
        status=status,
    )


# --- activities -------------------------------------------------------------------------------


@role_required(*READERS)
def activities(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    qs = (
        activities_visible_to(actor)
        .annotate(problem_count=Count("problems"))
        .order_by("-starts_on", "-id")
    )
    total = qs.count()
    p = pager(page_number(request), total, PAGE_SIZE)
    return render(
        request,
        "supervision/activities.html",
        {
            "rows": list(qs[p.offset : p.offset + p.size]),
            "pager": p,
            "may_register": actor.role == Role.SUPERVISOR,
        },
    )


@role_required(*READERS)
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = activities_visible_to(actor).prefetch_related("regions", "files").filter(pk=pk).first()
    if found is None:
        raise Http404("out of scope")
    qs = list_related(problems_visible_to(actor).filter(activity=found)).order_by(
        "-registered_at", "-id"
    )
    now = clock.now()
    return render(
        request,
        "supervision/activity.html",
        {
            "a": found,
            "rows": [presenters.present(p, actor, now=now) for p in qs[:500]],
            "counts": state_counts(problems_visible_to(actor).filter(activity=found)),
            "may_register": actor.role == Role.SUPERVISOR,
        },
    )


@role_required(*READERS)
def activity_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    found = activities_visible_to(_actor(request)).filter(pk=pk).first()
    stored = found.files.filter(pk=file_id).first() if found else None
    if stored is None:
        raise Http404("no such file")
    return stored.download()


@role_required(*OFFICE)
def activity_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = ActivityForm(request.POST or None, request.FILES or None, actor=actor_of(user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = activity_create(user=user, data=form.service_data(), files=form.uploads())
            except DomainError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, f"已登记督查活动“{created.title}”。")
                return redirect("supervision:activity", pk=created.pk)
    return render(request, "supervision/activity_new.html", {"form": form}, status=status)


# --- the board and the statistics -------------------------------------------------------------


@role_required(*READERS)
def board(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = rectification_board(actor)
    today = local_today()
    return render(
        request,
        "supervision/board.html",
        {
            "rows": rows,
            "quarter": quarter_of(today),
            "quarter_start": dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1),
        },
    )


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, dict[str, str]]:
    today = local_today()
    errors: dict[str, str] = {}

    def day(name: str, default: dt.date) -> dt.date:
        raw = request.GET.get(name, "").strip()
        if not raw:
            return default
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            errors[name] = "日期格式应为 YYYY-MM-DD"
            return default

    end = day("to", today)
    start = day("from", dt.date(end.year, 1, 1))
    if end < start:
        errors["to"] = "截止日期不能早于起始日期，已按截止日期所在年度统计"
        start = dt.date(end.year, 1, 1)
    return start, end, errors


@role_required(*STATS_READERS)
def stats(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    start, end, errors = _period(request)
    s = problem_stats(actor, start, end)
    base = reverse("supervision:problems")
    chart = {
        "kind": "bar",
        "categories": [r.label for r in s.by_city],
        "rotate": 30 if len(s.by_city) > 6 else 0,
        "series": [
            {
                "name": "登记问题",
                "data": [r.count for r in s.by_city],
                "urls": [f"{base}?{r.filter.query()}" for r in s.by_city],
            }
        ],
    }
    return render(
        request,
        "supervision/stats.html",
        {
            "s": s,
            "errors": errors,
            "q": {"from": start.isoformat(), "to": end.isoformat()},
            "chart": chart,
            "links": {k: f"{base}?{f.query()}" for k, f in s.filters.items()},
            "groups": [
                ("按来源", s.by_source),
                ("按类别", s.by_category),
                ("按等级", s.by_class),
                ("按状态", s.by_state),
                ("按盟市", s.by_city),
                ("按责任单位（前 30）", s.by_unit),
            ],
            "api_url": f"/api/v1/supervision/stats?from={start}&to={end}",
        },
    )


# --- accountability ---------------------------------------------------------------------------


@role_required(*OFFICE, Role.ADMIN, Role.AUDITOR)
def accountability_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    quarter = request.GET.get("quarter", "").strip().upper() or quarter_of(local_today())
    error = "" if quarter_bounds(quarter) else "季度格式应为 2026Q3"
    qs = (
        entries_visible_to(actor)
        .select_related("region")
        .prefetch_related("problems", "corrections")
    )
    entries = list(qs.filter(quarter=quarter).order_by("decided_on", "id")) if not error else []
    quarters = list(qs.order_by("-quarter").values_list("quarter", flat=True).distinct()[:20])
    return render(
        request,
        "supervision/accountability.html",
        {
            "entries": [{"e": e, "actions": ENTRY.allowed(e, actor)} for e in entries],
            "quarter": quarter,
            "quarters": sorted(set(quarters) | {quarter_of(local_today())}, reverse=True),
            "error": error,
            "drafts": sum(1 for e in entries if e.state == "draft"),
            "may_edit": actor.role == Role.SUPERVISOR,
        },
    )


@role_required(*OFFICE)
def entry_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    corrects = request.GET.get("corrects") or request.POST.get("corrects")
    initial: dict[str, Any] = {
        "quarter": request.GET.get("quarter") or quarter_of(local_today()),
        "public": True,
    }
    original = None
    if corrects and str(corrects).isdigit():
        original = entries_visible_to(actor).filter(pk=int(corrects)).first()
        if original is not None and not request.POST:
            initial = {**entry_initial(original), "corrects": original.pk}
    form = EntryForm(request.POST or None, actor=actor, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = accountability.entry_create(user=user, data=form.service_data())
            except DomainError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, "已保存问责记录（草稿），发布后对外公开。")
                return redirect(
                    f"{reverse('supervision:accountability')}?quarter={created.quarter}"
                )
    return render(
        request, "supervision/entry_form.html", {"form": form, "original": original}, status=status
    )


@role_required(*OFFICE)
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    try:
        entry = accountability.entry_get(actor, pk)
    except NotFound:
        raise Http404("out of scope") from None
    if "edit" not in ENTRY.allowed(entry, actor):
        messages.error(request, "已发布的问责记录不能修改；如有错误，请新建一条更正记录。")
        return redirect(f"{reverse('supervision:accountability')}?quarter={entry.quarter}")
    form = EntryForm(request.POST or None, actor=actor, initial=entry_initial(entry))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                accountability.entry_act(
                    pk=pk,
                    action="edit",
                    user=user,
                    data=form.service_data(),
                    expected_version=entry.version,
                )
            except DomainError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, "已修改问责记录。")
                return redirect(f"{reverse('supervision:accountability')}?quarter={entry.quarter}")
    return render(
        request, "supervision/entry_form.html", {"form": form, "entry": entry}, status=status
    )


@role_required(*OFFICE)
@require_POST
def quarter_publish_view(request: HttpRequest) -> HttpResponse:
    quarter = request.POST.get("quarter", "").strip().upper()
    try:
        count = accountability.quarter_publish(user=user_of(request), quarter=quarter)
    except DomainError as exc:
        messages.error(request, "；".join(exc.fields.values()) if exc.fields else exc.message)
    else:
        messages.success(request, f"已发布 {quarter} 问责公开名单（{count} 条）。")
    return redirect(f"{reverse('supervision:accountability')}?quarter={quarter}")


def public_accountability(request: HttpRequest) -> HttpResponse:
    """问责情况公开: no login; names reduced to surname + 某, enterprises anonymised."""
    quarter = request.GET.get("quarter", "").strip().upper() or None
    try:
        groups = accountability.public_quarters(quarter)
    except ValidationFailed:
        groups, quarter = [], None
    return render(
        request, "supervision/public_accountability.html", {"groups": groups, "quarter": quarter}
    )
