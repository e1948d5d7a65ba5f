"""The appraisal pages (issue 15): the rounds, a round's ranking with its actions and the units'
objections, a unit's scorecard (how every score was reached, down to the records; its trend
across rounds; the objection form), the schemes, and the round's report (PDF, Excel).

Thin views: every read through appraisal.selectors, every write a service call; a domain error
becomes a message or a form error, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.requests import user_of
from qitong.appraisal import presenters
from qitong.appraisal.forms import ObjectionActionForm, ObjectionForm, RoundActionForm, RoundNewForm
from qitong.appraisal.models import ObjectionFile, Round, RoundUnit, Scheme
from qitong.appraisal.rules import Plan
from qitong.appraisal.selectors import (
    FINAL,
    READER_ROLES,
    objections_visible_to,
    reads_everything,
    results_visible_to,
    rounds_visible_to,
    units_of,
)
from qitong.appraisal.services import (
    objection_act,
    objection_file,
    round_act,
    round_create,
    round_get,
)
from qitong.appraisal.states import ObjectionState, RoundState
from qitong.appraisal.transitions import OBJECTION, ROUND, SYSTEM_ACTIONS, is_assessor
from qitong.core.access import role_required
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.workdays import local_today

READERS = tuple(READER_ROLES)


def _actor(request: HttpRequest) -> Actor:
    return actor_of(user_of(request))


def _round(actor: Actor, pk: int) -> Round:
    try:
        return round_get(actor, pk)
    except NotFound:
        raise Http404("out of scope") from None


@role_required(*READERS)
def home(request: HttpRequest) -> HttpResponse:
    """Every round the reader may see, newest quarter first, by scheme."""
    actor = _actor(request)
    rounds = list(
        rounds_visible_to(actor).select_related("scheme").order_by("-period", "family", "-version")
    )
    mine = {u.pk for u in units_of(actor)}
    in_rounds = set(
        RoundUnit.objects.filter(round__in=rounds, unit_id__in=mine).values_list("round", "unit")
    )
    waiting: dict[int, int] = dict(
        objections_visible_to(actor)
        .filter(state=ObjectionState.OPEN)
        .order_by()
        .values("round")
        .annotate(n=Count("pk"))
        .values_list("round", "n")
    )
    rows = [
        {
            "r": r,
            "my_unit": next((u for (rr, u) in in_rounds if rr == r.pk), None),
            "open_objections": waiting.get(r.pk, 0),
        }
        for r in rounds
    ]
    assessor = is_assessor(None, actor)
    return render(
        request,
        "appraisal/home.html",
        {"rows": rows, "assessor": assessor, "new_form": RoundNewForm() if assessor else None},
    )


@role_required(*READERS)
@require_POST
def round_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = RoundNewForm(request.POST)
    if form.is_valid():
        try:
            rnd = round_create(
                user=user, scheme=form.cleaned_data["scheme"].pk, period=form.cleaned_data["period"]
            )
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, message)
        except (Conflict, Forbidden) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已建立 {rnd.period} 考核（草稿）。")
            return redirect("appraisal:round", pk=rnd.pk)
    actor = actor_of(user)
    rows = [
        {"r": r, "my_unit": None, "open_objections": 0}
        for r in rounds_visible_to(actor).select_related("scheme")
    ]
    return render(
        request,
        "appraisal/home.html",
        {"rows": rows, "assessor": is_assessor(None, actor), "new_form": form},
        status=400,
    )


def _round_forms(rnd: Round, actor: Actor, bound: RoundActionForm | None) -> list[RoundActionForm]:
    allowed = [a for a in ROUND.allowed(rnd, actor) if a not in SYSTEM_ACTIONS]
    allowed.sort(key=lambda n: not ROUND[n].primary)
    return [
        bound
        if bound is not None and bound.action == name
        else RoundActionForm(rnd=rnd, action=name)
        for name in allowed
    ]


def _chart(rows: list[RoundUnit], rnd: Round) -> dict[str, Any]:
    from django.urls import reverse

    ranked = [r for r in rows if r.rank]
    return {
        "kind": "bar",
        "categories": [r.name for r in ranked],
        "rotate": 30 if len(ranked) > 8 else 0,
        "series": [
            {
                "name": "总分",
                "data": [float(r.total) for r in ranked],
                "urls": [reverse("appraisal:scorecard", args=[rnd.pk, r.unit_id]) for r in ranked],
            }
        ],
    }


def _map(rows: list[RoundUnit], rnd: Round) -> dict[str, Any] | None:
    """The ranking on the 盟市 map, when boundary data was uploaded (features by unit name)."""
    from django.urls import reverse

    from qitong.appraisal.models import BoundaryMap

    if not BoundaryMap.objects.exists():
        return None
    totals = [float(r.total) for r in rows if r.rank]
    return {
        "kind": "map",
        "geojson": reverse("appraisal:boundary_json"),
        "min": int(min(totals, default=0)),
        "max": int(max(totals, default=100)) + 1,
        "data": [
            {
                "name": r.name,
                "value": float(r.total),
                "url": reverse("appraisal:scorecard", args=[rnd.pk, r.unit_id]),
            }
            for r in rows
            if r.rank
        ],
    }


def _objection_rows(
    actor: Actor, qs: Any, bound: ObjectionActionForm | None = None
) -> list[dict[str, Any]]:
    out = []
    for o in qs.select_related("unit__region", "round").prefetch_related("files"):
        forms = [
            bound
            if bound is not None and bound.objection.pk == o.pk and bound.action == name
            else ObjectionActionForm(objection=o, action=name)
            for name in OBJECTION.allowed(o, actor)
        ]
        out.append({"o": o, "forms": forms})
    return out


def _round_page(
    request: HttpRequest,
    rnd: Round,
    actor: Actor,
    *,
    bound: RoundActionForm | None = None,
    bound_objection: ObjectionActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    plan = Plan.of(presenters.plan_of(rnd))
    rows = list(results_visible_to(actor, rnd).order_by("position"))
    ranked = presenters.shows_rank(rnd, actor)
    objections = objections_visible_to(actor).filter(round=rnd)
    return render(
        request,
        "appraisal/round.html",
        {
            "rnd": rnd,
            "v": presenters.present_round(rnd, actor),
            "forms": _round_forms(rnd, actor, bound),
            "rows": [
                {
                    "row": r,
                    "dims": [
                        (d.name, r.scores.get(d.code, {}).get("score")) for d in plan.dimensions
                    ],
                }
                for r in rows
            ],
            "dimensions": plan.dimensions,
            "ranked": ranked,
            "everything": reads_everything(actor),
            "objections": _objection_rows(actor, objections, bound_objection),
            "chart": _chart(rows, rnd) if ranked and rows else None,
            "map": _map(rows, rnd)
            if ranked and rows and rnd.scheme.scope == "territorial"
            else None,
            "published": rnd.state in FINAL,
        },
        status=status,
    )


@role_required(*READERS)
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    return _round_page(request, _round(actor, pk), actor)


@role_required(*READERS)
@require_POST
def round_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    if action not in ROUND or action in SYSTEM_ACTIONS:
        raise Http404("unknown action")
    rnd = _round(actor, pk)
    form = RoundActionForm(request.POST, rnd=rnd, action=action)
    status = 400
    if form.is_valid():
        try:
            got = round_act(
                pk=pk,
                action=action,
                user=user,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (Conflict, Forbidden) as exc:
            if action not in ROUND.allowed(_round(actor, pk), actor):
                messages.error(request, f"未能{ROUND[action].label}：{exc.message}")
                return redirect("appraisal:round", pk=pk)
            form.add_error(None, f"{exc.message}（页面已刷新为最新状态，请核对后再操作）")
            status = 409
        except NotFound:
            raise Http404("out of scope") from None
        else:
            messages.success(request, f"已{ROUND[action].label}。")
            return redirect("appraisal:round", pk=got.pk)
    return _round_page(request, _round(actor, pk), actor, bound=form, status=status)


def _trend(actor: Actor, rnd: Round, unit_id: int) -> dict[str, Any]:
    """The unit's total in each round of the scheme it may see (published, or this one)."""
    rounds = (
        rounds_visible_to(actor)
        .filter(family=rnd.family)
        .exclude(state=RoundState.SUPERSEDED)
        .order_by("period")
    )
    points = []
    for r in rounds:
        if r.state not in FINAL and r.pk != rnd.pk:
            continue
        found = RoundUnit.objects.filter(round=r, unit_id=unit_id).first()
        if found is not None:
            points.append((r.period, float(found.total)))
    return {
        "kind": "line",
        "categories": [p for p, _ in points],
        "series": [{"name": "总分", "data": [t for _, t in points]}],
    }


def _radar(row: RoundUnit, plan: Plan, peers: list[RoundUnit] | None) -> dict[str, Any]:
    series = [
        {
            "name": row.name,
            "data": [row.scores.get(d.code, {}).get("score") or 0 for d in plan.dimensions],
        }
    ]
    if peers:
        averages = []
        for d in plan.dimensions:
            got = [p.scores.get(d.code, {}).get("score") for p in peers]
            values = [g for g in got if g is not None]
            averages.append(round(sum(values) / len(values), 2) if values else 0)
        series.append({"name": "各单位平均", "data": averages})
    return {
        "kind": "radar",
        "indicators": [{"name": d.name, "max": 100} for d in plan.dimensions],
        "series": series,
    }


def _scorecard(
    request: HttpRequest,
    rnd: Round,
    unit_id: int,
    actor: Actor,
    *,
    objection_form: ObjectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    row = results_visible_to(actor, rnd).filter(unit_id=unit_id).first()
    if row is None:
        raise Http404("out of scope")
    plan = Plan.of(presenters.plan_of(rnd))
    ranked = presenters.shows_rank(rnd, actor)
    mine = units_of(actor).filter(pk=unit_id).exists()
    window_open = rnd.state == RoundState.IN_REVIEW and (
        rnd.objection_due is None or local_today() <= rnd.objection_due
    )
    form = objection_form
    if form is None and mine and window_open:
        form = ObjectionForm(rnd=rnd, unit=row.unit)
    peers = list(rnd.units.all()) if ranked else None
    return render(
        request,
        "appraisal/scorecard.html",
        {
            "rnd": rnd,
            "row": row,
            "card": presenters.present_result(row, plan, ranked=ranked),
            "ranked": ranked,
            "count": rnd.units.exclude(rank=0).count(),
            "objection_form": form if mine and window_open else None,
            "objections": _objection_rows(
                actor, objections_visible_to(actor).filter(round=rnd, unit_id=unit_id)
            ),
            "radar": _radar(row, plan, peers),
            "trend": _trend(actor, rnd, unit_id),
            "mine": mine,
        },
        status=status,
    )


@role_required(*READERS)
def scorecard(request: HttpRequest, pk: int, unit: int) -> HttpResponse:
    actor = _actor(request)
    return _scorecard(request, _round(actor, pk), unit, actor)


@role_required(*READERS)
@require_POST
def objection_new(request: HttpRequest, pk: int, unit: int) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    rnd = _round(actor, pk)
    row = results_visible_to(actor, rnd).filter(unit_id=unit).first()
    if row is None or not units_of(actor).filter(pk=unit).exists():
        raise Http404("out of scope")
    form = ObjectionForm(request.POST, request.FILES, rnd=rnd, unit=row.unit)
    if form.is_valid():
        try:
            objection_file(
                user=user,
                round_id=pk,
                data=form.service_data(),
                files=request.FILES.getlist("attachments"),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, message)
        except (Conflict, Forbidden) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "异议已提交，考核人员处理后将重新评分。")
            return redirect("appraisal:scorecard", pk=pk, unit=unit)
    return _scorecard(request, rnd, unit, actor, objection_form=form, status=400)


@role_required(*READERS)
@require_POST
def objection_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = user_of(request)
    actor = actor_of(user)
    if action not in OBJECTION:
        raise Http404("unknown action")
    found = (
        objections_visible_to(actor).select_related("round", "unit__region").filter(pk=pk).first()
    )
    if found is None:
        raise Http404("out of scope")
    form = ObjectionActionForm(request.POST, objection=found, action=action)
    back = request.POST.get("back", "")
    if form.is_valid():
        try:
            objection_act(
                pk=pk,
                action=action,
                user=user,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (Conflict, Forbidden) as exc:
            messages.error(request, f"未能{OBJECTION[action].label}：{exc.message}")
            return redirect("appraisal:round", pk=found.round_id)
        except NotFound:
            raise Http404("out of scope") from None
        else:
            messages.success(request, f"已处理异议：{OBJECTION[action].label}。")
            if back == "scorecard":
                return redirect("appraisal:scorecard", pk=found.round_id, unit=found.unit_id)
            return redirect("appraisal:round", pk=found.round_id)
    return _round_page(
        request, _round(actor, found.round_id), actor, bound_objection=form, status=400
    )


@role_required(*READERS)
def objection_file_view(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    actor = _actor(request)
    found = objections_visible_to(actor).filter(pk=pk).first()
    stored = ObjectionFile.objects.filter(pk=file_id, objection=found).first() if found else None
    if stored is None:
        raise Http404("no such file")
    return stored.download()


# --- schemes --------------------------------------------------------------------------------


@role_required(*READERS)
def schemes(request: HttpRequest) -> HttpResponse:
    rows = Scheme.objects.select_related("revision").order_by("code", "-version")
    return render(
        request,
        "appraisal/schemes.html",
        {"rows": rows, "assessor": is_assessor(None, _actor(request))},
    )


def _tree_rows(
    nodes: list[dict[str, Any]], depth: int = 1, share: float = 100.0
) -> list[dict[str, Any]]:
    """The tree as table rows (with each node's effective weight in the total)."""
    out = []
    for n in nodes:
        effective = share * n["weight"] / 100
        out.append(
            {
                "n": n,
                "depth": depth,
                "effective": round(effective, 2),
                "rule_text": presenters.rule_text(n) if not n.get("children") else "",
            }
        )
        out.extend(_tree_rows(n.get("children", []), depth + 1, effective))
    return out


@role_required(*READERS)
def scheme(request: HttpRequest, pk: int) -> HttpResponse:
    from qitong.appraisal.schemes import snapshot_of
    from qitong.appraisal.sources import SOURCES

    found = Scheme.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("no such scheme")
    snap = snapshot_of(found)
    return render(
        request,
        "appraisal/scheme.html",
        {
            "s": found,
            "rows": _tree_rows(snap["indicators"]),
            "adjustments": [
                {"a": a, "rule_text": presenters.rule_text(a)} for a in snap["adjustments"]
            ],
            "sources": SOURCES,
            "assessor": is_assessor(None, _actor(request)),
            "rounds": Round.objects.filter(scheme=found).order_by("-period"),
        },
    )


# --- the round's report -------------------------------------------------------------------------


def _reportable(actor: Actor, pk: int) -> Round:
    """The report shows the ranking: for a published round to everyone in scope, before
    publication to the assessor and the global readers only."""
    rnd = _round(actor, pk)
    if not presenters.shows_rank(rnd, actor):
        raise Http404("not before publication")
    return rnd


def report_filename(rnd: Round, ext: str) -> str:
    suffix = f"-更正第{rnd.version}版" if rnd.version > 1 else ""
    return f"{rnd.scheme.name}-{rnd.period}{suffix}.{ext}"


@role_required(*READERS)
def report_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    from django.utils.http import content_disposition_header

    from qitong.appraisal.reports import report_pdf

    rnd = _reportable(_actor(request), pk)
    response = HttpResponse(report_pdf(rnd), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, report_filename(rnd, "pdf"))
    return response


@role_required(*READERS)
def report_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    from django.utils.http import content_disposition_header

    from qitong.appraisal.reports import report_xlsx
    from qitong.directory.excel.workbook import XLSX_CONTENT_TYPE

    rnd = _reportable(_actor(request), pk)
    response = HttpResponse(report_xlsx(rnd), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, report_filename(rnd, "xlsx"))
    return response


# --- the scheme editor ------------------------------------------------------------------------

EDITOR_ROWS = 400


def _posted_rows(post: Any) -> list[dict[str, str]]:
    from qitong.appraisal.schemes import ROW_FIELDS

    rows = []
    for i in range(EDITOR_ROWS):
        if f"rows-{i}-code" not in post:
            continue
        row = {f: str(post.get(f"rows-{i}-{f}", "")).strip() for f in ROW_FIELDS}
        if row["code"] or row["name"]:
            rows.append(row)
    return rows


@role_required(*READERS)
def scheme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Draw up a scheme, or its next version (`pk`: the version revised): the tree as rows,
    the weights checked live on the page and again by the service, every error on its row."""
    from qitong.appraisal.schemes import row_errors, rows_of, scheme_create, snapshot_of, tree_of
    from qitong.appraisal.sources import SOURCES
    from qitong.appraisal.states import Missing, RuleKind, UnitScope

    user = user_of(request)
    actor = actor_of(user)
    if not is_assessor(None, actor):
        raise Http404("the assessor's page")
    base = Scheme.objects.filter(pk=pk).first() if pk else None
    if pk and base is None:
        raise Http404("no such scheme")
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    fields: dict[str, str] = {}
    if request.method == "POST":
        p = request.POST
        head = {
            k: p.get(k, "").strip()
            for k in (
                "code",
                "name",
                "scope",
                "objection_days",
                "basis",
                "description",
                "bonus_cap",
                "deduction_cap",
                "bands",
            )
        }
        rows = _posted_rows(p)
        indicators, adjustments, paths, problems = tree_of(rows)
        data: dict[str, Any] = {**head, "indicators": indicators, "adjustments": adjustments}
        data["objection_days"] = (
            int(head["objection_days"])
            if head["objection_days"].isdigit()
            else head["objection_days"]
        )
        if base is not None:
            data["code"] = base.code
        try:
            if problems:
                raise ValidationFailed(fields={})
            created = scheme_create(user=user, data=data)
        except ValidationFailed as exc:
            errors, general = row_errors(exc.fields, paths)
            for i, message in problems.items():
                errors.setdefault(i, []).append(message)
            for name in head:
                if name in exc.fields:
                    fields[name] = exc.fields[name]
                    general = [g for g in general if g != exc.fields[name]]
            if "indicators" in exc.fields:
                fields["indicators"] = exc.fields["indicators"]
                general = [g for g in general if g != exc.fields["indicators"]]
        except (Conflict, Forbidden) as exc:
            general = [exc.message]
        else:
            messages.success(request, f"已保存{created.name}（第 {created.version} 版）。")
            return redirect("appraisal:scheme", pk=created.pk)
        values = head
    elif base is not None:
        snap = snapshot_of(base)
        rows = rows_of(snap)
        values = {
            "code": base.code, "name": base.name, "scope": base.scope,
            "objection_days": str(base.objection_days), "basis": base.basis,
            "description": base.description,
            "bonus_cap": "" if base.bonus_cap is None else f"{base.bonus_cap:g}",
            "deduction_cap": "" if base.deduction_cap is None else f"{base.deduction_cap:g}",
            "bands": "\n".join(f"{b['label']} {b['min']:g}" for b in base.bands),
        }  # fmt: skip
    else:
        rows = [
            {"level": "1", "code": "D1", "name": "", "weight": "100"},
            {"level": "2", "code": "D1.1", "name": "", "weight": "100", "source": "hotline.response_rate", "rule": "linear", "params": "floor=80 target=100"},
        ]  # fmt: skip
        values = {
            "scope": "territorial",
            "objection_days": "5",
            "bands": "好 90\n较好 80\n一般 70\n较差 0",
        }
    return render(
        request,
        "appraisal/scheme_edit.html",
        {
            "base": base,
            "rows": [{"i": i, "r": r, "errors": errors.get(i, [])} for i, r in enumerate(rows)],
            "next_index": len(rows),
            "values": values,
            "fields": fields,
            "general": general,
            "sources": SOURCES.values(),
            "rules": RuleKind.choices,
            "missing": Missing.choices,
            "scopes": UnitScope.choices,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the optional boundary map (choropleth) -----------------------------------------------------


@role_required(*READERS)
def boundary(request: HttpRequest) -> HttpResponse:
    """Upload the 盟市 boundaries (GeoJSON) for the ranking's map; none is bundled."""
    from qitong.accounts.roles import Role
    from qitong.appraisal.models import BoundaryMap
    from qitong.appraisal.services import boundary_upload

    user = user_of(request)
    actor = actor_of(user)
    if not (is_assessor(None, actor) or actor.role == Role.ADMIN):
        raise Http404("the assessor's page")
    error = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error, status = "请选择 GeoJSON 文件", 400
        else:
            try:
                _, unknown, missing = boundary_upload(
                    user=user, name=request.POST.get("name", ""), raw=upload.read()
                )
            except ValidationFailed as exc:
                error, status = exc.fields.get("file", exc.message), 400
            except Forbidden as exc:
                error, status = exc.message, 403
            else:
                note = "边界数据已上传。"
                if unknown:
                    note += f"未对应任何单位的区域：{'、'.join(unknown)}。"
                if missing:
                    note += f"没有边界的单位：{'、'.join(missing)}。"
                messages.success(request, note)
                return redirect("appraisal:boundary")
    latest = BoundaryMap.objects.first()
    return render(
        request, "appraisal/boundary.html", {"latest": latest, "error": error}, status=status
    )


@role_required(*READERS)
def boundary_json(request: HttpRequest) -> HttpResponse:
    import json

    from qitong.appraisal.models import BoundaryMap

    latest = BoundaryMap.objects.first()
    if latest is None:
        raise Http404("no boundary data")
    return HttpResponse(
        json.dumps(latest.geojson, ensure_ascii=False), content_type="application/geo+json"
    )
