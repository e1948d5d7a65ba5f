"""The arrears pages (issue 14): the claims ledger with its filters, totals, Excel import and
export; the claim page with its timeline, due date and interest, repayments and the actions
the table allows (the creditor confirms and complains there); a new claim; a debtor's page
with its disclosure; the KPIs; the annual disclosure (printable, and in Excel).

Thin views: a form translates, a service or selector decides, a domain error is put back on
the form (never a 500); out of scope is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.arrears import presenters
from qitong.arrears.disclosure import disclosure
from qitong.arrears.excel import export_claims, export_disclosure, import_claims, import_template
from qitong.arrears.forms import ClaimActionForm, ClaimFilterForm, ClaimForm, ImportForm
from qitong.arrears.listing import ClaimFilter, ledger_totals, list_related, narrowed, totals
from qitong.arrears.models import Claim, ClaimFile
from qitong.arrears.selectors import claims_visible_to, debtors_visible_to
from qitong.arrears.services import claim_act, claim_create
from qitong.arrears.stats import arrears_stats
from qitong.arrears.transitions import CLAIM
from qitong.core.access import role_required
from qitong.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from qitong.core.forms import new_idempotency_key
from qitong.core.paging import page_number, pager
from qitong.core.workdays import local_today
from qitong.directory.excel.workbook import XLSX_CONTENT_TYPE, ExcelImportFailed, check_upload

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.ENTERPRISE, *DEPARTMENT_ROLES)
STAFF = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, *DEPARTMENT_ROLES)
FIGURES = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
OFFICE = (Role.SUPERVISOR,)
PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    return actor_of(user_of(request))


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- the ledger -------------------------------------------------------------------------------


def _filtered(
    request: HttpRequest, actor: Actor
) -> tuple[ClaimFilterForm, ClaimFilter, dict[str, str]]:
    form = ClaimFilterForm(request.GET or None, actor=actor)
    errors: dict[str, str] = {}
    f = ClaimFilter()
    if form.is_bound:
        if form.is_valid():
            f = form.claim_filter()
        else:
            errors = {name: "；".join(str(m) for m in e) for name, e in form.errors.items()}
    return form, f, errors


@role_required(*READERS)
def claims(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form, f, errors = _filtered(request, actor)
    qs = claims_visible_to(actor)
    try:
        qs = narrowed(qs, f)
        sums = ledger_totals(actor, f)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        qs = qs.none()
        sums = totals(qs)
    p = pager(page_number(request), sums["count"], PAGE_SIZE)
    today = local_today()
    rows = [
        presenters.present(c, actor, today=today)
        for c in list_related(qs).order_by("-registered_at", "-id")[p.offset : p.offset + p.size]
    ]
    query = request.GET.copy()
    query.pop("page", None)
    base = query.copy()
    for name in ("state", "overdue", "disputed"):
        base.pop(name, None)
    return render(
        request,
        "arrears/claims.html",
        {
            "form": form,
            "rows": rows,
            "totals": sums,
            "display": {
                k: f"{float(sums[k]):,.2f}"
                for k in ("owed", "repaid", "balance", "overdue_balance", "disputed")
            },
            "pager": p,
            "errors": errors,
            "query": query.urlencode(),
            "base_query": base.urlencode() + "&" if base else "",
            "may_register": actor.role == Role.SUPERVISOR,
            "creditor_view": actor.role == Role.ENTERPRISE,
        },
    )


@role_required(*STAFF)
def claims_export(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    _form, f, errors = _filtered(request, actor)
    try:
        if errors:
            raise ValidationFailed(fields=errors)
        qs = narrowed(claims_visible_to(actor), f).order_by("-registered_at", "-id")
    except ValidationFailed as exc:
        messages.error(request, "筛选条件有误，未导出：" + "；".join(exc.fields.values()))
        return redirect(reverse("arrears:claims"))
    return _xlsx(export_claims(qs), f"清欠台账_{local_today():%Y%m%d}.xlsx")


@role_required(*OFFICE)
def claim_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    form = ClaimForm(request.POST or None, request.FILES or None, actor=actor)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created, _ = claim_create(
                    user=user,
                    data=form.service_data(),
                    files=form.uploads(),
                    idempotency_key=request.POST.get("idempotency_key", ""),
                )
            except DomainError as exc:
                form.apply_errors(exc)
            else:
                messages.success(
                    request,
                    f"已登记欠款 {created.number}，法定付款期限 {created.due_on:%Y-%m-%d}。",
                )
                return redirect("arrears:claim", pk=created.pk)
    return render(
        request,
        "arrears/claim_new.html",
        {
            "form": form,
            "idempotency_key": request.POST.get("idempotency_key") or new_idempotency_key(),
        },
        status=status,
    )


@role_required(*OFFICE)
def claims_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ExcelImportFailed(["请选择要导入的 .xlsx 文件"])
            check_upload(upload.name or "", upload.size or 0)
            result = import_claims(upload.read(), user=user_of(request))
        except ExcelImportFailed as exc:
            problems = exc.problems
        except Forbidden as exc:
            problems = [exc.message]
        else:
            messages.success(request, f"导入成功：新增欠款 {result.created} 笔。")
            latest = (
                Claim.objects.filter(created_by=user_of(request))
                .exclude(import_batch="")
                .order_by("-id")
                .first()
            )
            target = reverse("arrears:claims")
            return redirect(f"{target}?batch={latest.import_batch}" if latest else target)
    return render(
        request, "arrears/import.html", {"form": form, "problems": problems}, status=status
    )


@role_required(*OFFICE)
def claims_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(import_template(), "清欠台账模板.xlsx")


# --- one claim --------------------------------------------------------------------------------


def _claim(actor: Actor, pk: int) -> Claim:
    found = (
        claims_visible_to(actor)
        .select_related("debtor", "creditor", "department", "complaint_department")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("out of scope")
    return found


def _forms(claim: Claim, actor: Actor, bound: ClaimActionForm | None) -> list[ClaimActionForm]:
    allowed = sorted(CLAIM.allowed(claim, actor), key=lambda n: not CLAIM[n].primary)
    return [
        bound
        if bound is not None and bound.action == name
        else ClaimActionForm(claim=claim, actor=actor, action=name)
        for name in allowed
    ]


def _claim_page(
    request: HttpRequest,
    claim: Claim,
    actor: Actor,
    *,
    bound: ClaimActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "arrears/claim.html",
        {
            "c": claim,
            "v": presenters.present_detail(claim, actor),
            "forms": _forms(claim, actor, bound),
            "staff": actor.role != Role.ENTERPRISE,
            "reads_debtor": debtors_visible_to(actor).filter(pk=claim.debtor_id).exists(),
        },
        status=status,
    )


@role_required(*READERS)
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    return _claim_page(request, _claim(actor, pk), actor)


@role_required(*READERS)
@require_POST
def claim_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    if action not in CLAIM or (action == "urge" and actor.role != Role.SUPERVISOR):
        raise Http404("unknown action")
    found = _claim(actor, pk)
    form = ClaimActionForm(request.POST, request.FILES, claim=found, actor=actor, action=action)
    status = 400
    if form.is_valid():
        try:
            claim_act(
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
            if action not in CLAIM.allowed(_claim(actor, pk), actor):
                # the step is not on the page (any more): say so above it
                messages.error(request, f"未能{CLAIM[action].label}：{exc.message}")
                return redirect("arrears:claim", pk=pk)
            form.add_error(None, f"{exc.message}（页面已刷新为最新状态，请核对后再操作）")
            status = 409
        except NotFound:
            raise Http404("out of scope") from None
        else:
            messages.success(request, f"已{CLAIM[action].label}。")
            return redirect("arrears:claim", pk=pk)
    return _claim_page(request, _claim(actor, pk), actor, bound=form, status=status)


@role_required(*READERS)
def claim_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    found = _claim(_actor(request), pk)
    stored = ClaimFile.objects.filter(pk=file_id, claim=found).first()
    if stored is None:
        raise Http404("no such file")
    return stored.download()


# --- a debtor, the figures, the disclosure ----------------------------------------------------


def _year(request: HttpRequest) -> tuple[int | None, dict[str, str]]:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return None, {}
    if not raw.isdigit():
        return None, {"year": "年度应为四位数字，如 2025"}
    return int(raw), {}


@role_required(*STAFF)
def debtor(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = debtors_visible_to(actor).select_related("region", "department").filter(pk=pk).first()
    if found is None:
        raise Http404("out of scope")
    year, errors = _year(request)
    f = ClaimFilter(debtor=found.pk)
    qs = narrowed(claims_visible_to(actor), f)
    today = local_today()
    try:
        disclosed = disclosure(actor, year=year, debtor=found.pk)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        disclosed = disclosure(actor, debtor=found.pk)
    sums = ledger_totals(actor, f)
    return render(
        request,
        "arrears/debtor.html",
        {
            "d": found,
            "rows": [
                presenters.present(c, actor, today=today)
                for c in list_related(qs).order_by("due_on", "pk")[:500]
            ],
            "totals": sums,
            "display": {
                k: f"{float(sums[k]):,.2f}"
                for k in ("owed", "repaid", "balance", "overdue_balance")
            },
            "disclosure": disclosed,
            "row": disclosed.rows[0] if disclosed.rows else None,
            "errors": errors,
            "query": f.query(),
        },
    )


def _day_param(request: HttpRequest, name: str, errors: dict[str, str]) -> dt.date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = "日期格式应为 YYYY-MM-DD"
        return None


@role_required(*FIGURES)
def stats(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    errors: dict[str, str] = {}
    as_of = _day_param(request, "as_of", errors)
    start = _day_param(request, "from", errors)
    form = ClaimFilterForm(request.GET or None, actor=actor)
    base = ClaimFilter()
    if form.is_bound and form.is_valid():
        base = ClaimFilter(
            region=form.cleaned_data.get("region") or "", kind=form.cleaned_data.get("kind") or ""
        )
    try:
        s = arrears_stats(actor, base=base, as_of=as_of, start=start)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        s = arrears_stats(actor, base=base)
    url = reverse("arrears:claims")
    chart = {
        "kind": "bar",
        "categories": [r.label for r in s.by_region],
        "rotate": 30 if len(s.by_region) > 6 else 0,
        "series": [
            {
                "name": "已清偿（万元）",
                "data": [round(float(r.repaid) / 10000, 1) for r in s.by_region],
                "urls": [f"{url}?{r.query}" for r in s.by_region],
            },
            {
                "name": "未清偿（万元）",
                "data": [round(float(r.balance) / 10000, 1) for r in s.by_region],
                "urls": [f"{url}?{r.query}&state=open" for r in s.by_region],
            },
        ],
    }
    return render(
        request,
        "arrears/stats.html",
        {
            "s": s,
            "form": form,
            "errors": errors,
            "q": {"as_of": s.as_of.isoformat(), "from": s.start.isoformat() if s.start else ""},
            "past": s.as_of != local_today() or s.start is not None,
            "chart": chart,
            "base": f"{url}?{s.base_query}",
            "groups": [
                ("按盟市", s.by_region),
                ("按债务人类型", s.by_kind),
                ("欠款余额最大的债务人（挂牌督办候选）", s.largest_debtors),
            ],
            "api_url": f"/api/v1/arrears/stats?{request.GET.urlencode()}",
        },
    )


@role_required(*FIGURES)
def disclosure_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    year, errors = _year(request)
    raw = request.GET.get("debtor", "").strip()
    one = debtors_visible_to(actor).filter(pk=int(raw)).first() if raw.isdigit() else None
    if raw and one is None:
        raise Http404("out of scope")
    try:
        found = disclosure(actor, year=year, debtor=one.pk if one else None)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        found = disclosure(actor, debtor=one.pk if one else None)
    if request.GET.get("format") == "xlsx" and not errors:
        who = f"{one.name}_" if one else ""
        return _xlsx(export_disclosure(found), f"逾期未付中小企业款项_{who}{found.year}年度.xlsx")
    return render(
        request,
        "arrears/disclosure.html",
        {
            "disclosure": found,
            "errors": errors,
            "years": list(range(local_today().year, 2019, -1)),
            "debtor": one,
        },
    )
