"""Appraisal API (issue 15; the ticket API's conventions): indicator schemes, rounds and their
actions on the workflow core, each unit's results with the inputs behind every score, and the
units' objections.

Every read is scoped (appraisal.selectors; out of scope is a 404); every write is a service
call; bad input is a 422 naming the field and changes nothing.
"""

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.appraisal import presenters
from qitong.appraisal.models import Scheme
from qitong.appraisal.rules import Plan
from qitong.appraisal.schemes import scheme_create
from qitong.appraisal.selectors import (
    objections_visible_to,
    results_visible_to,
    rounds_visible_to,
    schemes_visible_to,
)
from qitong.appraisal.services import (
    ObjectionIn,
    objection_act,
    objection_file,
    round_act,
    round_create,
    round_get,
)
from qitong.appraisal.sources import SOURCES
from qitong.appraisal.transitions import OBJECTION, ROUND, SYSTEM_ACTIONS
from qitong.core.api import Id, LazyList, Paged, json_body
from qitong.core.errors import Forbidden, NotFound
from qitong.core.uploads import decode_base64_uploads
from qitong.workflow.api import add_action_operations, create_body_doc

router = Router(tags=["考核评估"])

RoundStateName = Literal["draft", "computed", "in_review", "published", "superseded"]
ScopeName = Literal["territorial", "department"]


# --- schemes ----------------------------------------------------------------------------------


class AppraisalSchemeOut(BaseModel):
    id: int
    code: str
    version: int
    name: str
    scope: str
    scope_label: str
    description: str
    basis: str
    objection_days: int
    bands: list[dict[str, Any]]
    replaces: int | None
    is_latest: bool
    created_at: Any


class AppraisalSchemeDetailOut(AppraisalSchemeOut):
    indicators: list[dict[str, Any]]
    adjustments: list[dict[str, Any]]
    bonus_cap: float | None
    deduction_cap: float | None


SCHEME_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["code", "name", "scope", "indicators"],
                    "properties": {
                        "code": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"},
                        "name": {"type": "string", "minLength": 1, "maxLength": 200},
                        "scope": {"type": "string", "enum": ["territorial", "department"]},
                        "description": {"type": "string"},
                        "basis": {"type": "string", "maxLength": 300},
                        "objection_days": {"type": "integer", "minimum": 1, "maximum": 30},
                        "bands": {"type": "array", "items": {"type": "object"}},
                        "bonus_cap": {"type": ["number", "null"]},
                        "deduction_cap": {"type": ["number", "null"]},
                        "indicators": {
                            "type": "array",
                            "description": (
                                "维度 → 一级指标 → 二级指标（children）；同级权重（weight）之和为 100；"
                                "末级指标须有 source、rule（linear/frontier/rank/steps）和 params"
                            ),
                            "items": {"type": "object"},
                        },
                        "adjustments": {
                            "type": "array",
                            "description": "加减分项：rule 为 deduction 或 bonus，params.per、params.cap",
                            "items": {"type": "object"},
                        },
                    },
                }
            }
        },
    }
}


class SchemeQuery(Schema):
    scope: ScopeName | None = Field(default=None, description="考核对象")
    latest: bool = Field(default=False, description="只列各体系的最新版本")


@router.get("/appraisal/schemes", response=list[AppraisalSchemeOut], summary="指标体系（各版本）")
def list_schemes(request: HttpRequest, filters: Query[SchemeQuery]) -> list[dict[str, Any]]:
    scope, latest = filters.scope, filters.latest
    qs = schemes_visible_to(actor_of(user_of(request)))
    if scope:
        qs = qs.filter(scope=scope)
    if latest:
        qs = qs.filter(revision__isnull=True)
    return [presenters.present_scheme(s) for s in qs.select_related("revision")]


@router.post(
    "/appraisal/schemes",
    response={201: AppraisalSchemeDetailOut},
    summary="制定指标体系（编码已存在则生成新版本）",
    description=(
        "同级权重之和须为 100，末级指标须有数据来源和评分规则，否则 422 并逐项指出字段路径"
        "（如 indicators.0.children.1.weight）。已有的编码保存为下一版本，原版本不变。"
    ),
    openapi_extra=SCHEME_BODY,
)
def create_scheme(request: HttpRequest) -> Status:
    scheme = scheme_create(user=user_of(request), data=json_body(request))
    return Status(201, presenters.present_scheme(scheme, tree=True))


@router.get(
    "/appraisal/schemes/{item_id}",
    response=AppraisalSchemeDetailOut,
    summary="指标体系（含指标树）",
)
def get_scheme(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    try:
        visible = schemes_visible_to(actor_of(user_of(request)))
    except Forbidden:
        raise NotFound() from None
    found = visible.filter(pk=item_id).first()
    if found is None:
        raise NotFound()
    return presenters.present_scheme(found, tree=True)


class AppraisalSourceOut(BaseModel):
    key: str
    label: str
    group: str
    kind: str
    direction: str
    formula: str
    scopes: list[str]


@router.get("/appraisal/sources", response=list[AppraisalSourceOut], summary="可用的数据来源")
def list_sources(request: HttpRequest) -> list[dict[str, Any]]:
    schemes_visible_to(actor_of(user_of(request)))  # the readers' check
    return [
        {
            "key": s.key,
            "label": s.label,
            "group": s.group,
            "kind": s.kind,
            "direction": s.direction,
            "formula": s.formula,
            "scopes": sorted(s.scopes),
        }
        for s in SOURCES.values()
    ]


# --- rounds -----------------------------------------------------------------------------------


class AppraisalRoundOut(BaseModel):
    id: int
    scheme: int
    scheme_name: str
    scheme_version: int
    scope: str
    period: str
    version: int
    corrects: int | None
    correction_reason: str
    state: str
    state_label: str
    bands: list[dict[str, Any]]
    computed_at: Any
    review_opened_at: Any
    objection_due: Any
    published_at: Any
    publish_note: str
    revision: int
    allowed_actions: list[str]


class RoundQuery(Schema):
    scheme: Id | None = Field(default=None, description="指标体系编号（含其各版本的考核）")
    period: str | None = Field(default=None, max_length=6, description="考核期间，如 2026Q3")
    state: RoundStateName | None = None


class RoundIn(Schema):
    scheme: int = Field(description="指标体系编号（最新版本）")
    period: str = Field(description="考核期间，如 2026Q3；不能晚于本季度")


@router.get("/appraisal/rounds", response=list[AppraisalRoundOut], summary="考核轮次（按范围）")
@paginate(Paged, page_size=50)
def list_rounds(request: HttpRequest, filters: Query[RoundQuery]) -> Any:
    actor = actor_of(user_of(request))
    qs = rounds_visible_to(actor).select_related("scheme")
    if filters.scheme is not None:
        family = Scheme.objects.filter(pk=filters.scheme).values_list("code", flat=True).first()
        qs = qs.filter(family=family or "")
    if filters.period:
        qs = qs.filter(period=filters.period.upper())
    if filters.state:
        qs = qs.filter(state=filters.state)
    qs = qs.order_by("-period", "family", "-version", "-id")
    return LazyList(qs, lambda r: presenters.present_round(r, actor))


@router.post(
    "/appraisal/rounds",
    response={201: AppraisalRoundOut},
    summary="新建一期考核（草稿）",
    description="期间格式错误或晚于本季度 422（period）；体系不存在或非最新版本 422（scheme）。",
    openapi_extra=create_body_doc(RoundIn),
)
def create_round(request: HttpRequest) -> Status:
    body = json_body(request)
    user = user_of(request)
    rnd = round_create(user=user, scheme=body.get("scheme"), period=body.get("period"))
    return Status(201, presenters.present_round(rnd, actor_of(user)))


@router.get("/appraisal/rounds/{item_id}", response=AppraisalRoundOut, summary="考核轮次")
def get_round(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    return presenters.present_round(round_get(actor, item_id), actor)


def _round_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    rnd = round_act(pk=pk, action=action, user=user, data=body, expected_version=version)
    actor = actor_of(user)
    return presenters.present_round(round_get(actor, rnd.pk), actor)


add_action_operations(
    router,
    path="/appraisal/rounds",
    machine=ROUND,
    out=AppraisalRoundOut,
    run=_round_action,
    skip=SYSTEM_ACTIONS,
)


@router.post(
    "/appraisal/rounds/{item_id}/actions/{action}",
    response=AppraisalRoundOut,
    include_in_schema=False,
)
def act_on_round(request: HttpRequest, item_id: Id, action: str) -> dict[str, Any]:
    """Any other action name: 409 unknown_action (or 404 out of scope)."""
    return _round_action(request, item_id, action, json_body(request), None, [])


class AppraisalResultsOut(BaseModel):
    round: AppraisalRoundOut
    results: list[dict[str, Any]]


@router.get(
    "/appraisal/rounds/{item_id}/results",
    response=AppraisalResultsOut,
    summary="各单位得分：总分、排名、等次、各指标得分及其数据",
    description=(
        "发布前被考核单位只能看到本单位的得分（不含排名、等次）；发布后范围内所有人可见全部排名。"
        "每项指标给出数值、分子分母、评分规则、计算过程（explain）和明细链接（url）。"
    ),
)
def get_results(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    rnd = round_get(actor, item_id)
    plan = Plan.of(presenters.plan_of(rnd))
    ranked = presenters.shows_rank(rnd, actor)
    rows = results_visible_to(actor, rnd).order_by("position")
    return {
        "round": presenters.present_round(rnd, actor),
        "results": [presenters.present_result(r, plan, ranked=ranked) for r in rows],
    }


def _report(request: HttpRequest, item_id: int, ext: str) -> HttpResponse:
    from django.utils.http import content_disposition_header

    from qitong.appraisal.reports import report_pdf, report_xlsx
    from qitong.directory.excel.workbook import XLSX_CONTENT_TYPE

    actor = actor_of(user_of(request))
    rnd = round_get(actor, item_id)
    if not presenters.shows_rank(rnd, actor):
        raise NotFound()
    body, kind = (
        (report_pdf(rnd), "application/pdf")
        if ext == "pdf"
        else (report_xlsx(rnd), XLSX_CONTENT_TYPE)
    )
    response = HttpResponse(body, content_type=kind)
    name = f"{rnd.scheme.name}-{rnd.period}.{ext}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@router.get(
    "/appraisal/rounds/{item_id}/report.pdf",
    summary="考核报告（PDF：封面、排名、各单位得分页）",
    description="已发布的考核范围内所有人可下载；发布前仅考核人员和管理员、审计员。",
    response={200: None},
)
def get_report_pdf(request: HttpRequest, item_id: Id) -> HttpResponse:
    return _report(request, item_id, "pdf")


@router.get(
    "/appraisal/rounds/{item_id}/report.xlsx",
    summary="考核数据（Excel：排名、各指标得分及数据、加减分、异议）",
    response={200: None},
)
def get_report_xlsx(request: HttpRequest, item_id: Id) -> HttpResponse:
    return _report(request, item_id, "xlsx")


# --- objections -------------------------------------------------------------------------------


class AppraisalObjectionOut(BaseModel):
    id: int
    round: int
    unit: dict[str, Any]
    indicator: str
    reason: str
    claimed_value: str | None
    state: str
    state_label: str
    decision: str
    corrected_value: str | None
    old_value: str | None
    old_total: str | None
    new_total: str | None
    filed_at: Any
    decided_at: Any
    files: list[dict[str, Any]]
    version: int
    allowed_actions: list[str]


@router.post(
    "/appraisal/rounds/{item_id}/objections",
    response={200: AppraisalObjectionOut, 201: AppraisalObjectionOut},
    summary="被考核单位对本单位某项指标提出异议（附佐证）",
    description=(
        "仅在公示复核阶段（in_review），异议期内；异议期已过 422（round），指标编码不存在 422"
        "（indicator）。同一 Idempotency-Key 重试返回首次提交的异议（200）。"
    ),
    openapi_extra=create_body_doc(ObjectionIn),
)
def create_objection(request: HttpRequest, item_id: Id) -> Status:
    body = json_body(request)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    user = user_of(request)
    objection, created = objection_file(
        user=user,
        round_id=item_id,
        data=body,
        files=files,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, presenters.present_objection(objection, actor_of(user)))


@router.get(
    "/appraisal/rounds/{item_id}/objections",
    response=list[AppraisalObjectionOut],
    summary="本轮的异议（被考核单位只看到本单位的）",
)
def list_objections(request: HttpRequest, item_id: Id) -> list[dict[str, Any]]:
    actor = actor_of(user_of(request))
    rnd = round_get(actor, item_id)
    qs = objections_visible_to(actor).filter(round=rnd).select_related("unit", "round")
    return [presenters.present_objection(o, actor) for o in qs.prefetch_related("files")]


def _objection_out(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    try:
        visible = objections_visible_to(actor)
    except Forbidden:
        raise NotFound() from None
    found = (
        visible.select_related("unit__region", "round")
        .prefetch_related("files")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return presenters.present_objection(found, actor)


@router.get("/appraisal/objections/{item_id}", response=AppraisalObjectionOut, summary="异议")
def get_objection(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    return _objection_out(request, item_id)


def _objection_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    objection_act(pk=pk, action=action, user=user_of(request), data=body, expected_version=version)
    return _objection_out(request, pk)


add_action_operations(
    router,
    path="/appraisal/objections",
    machine=OBJECTION,
    out=AppraisalObjectionOut,
    run=_objection_action,
)


@router.post(
    "/appraisal/objections/{item_id}/actions/{action}",
    response=AppraisalObjectionOut,
    include_in_schema=False,
)
def act_on_objection(request: HttpRequest, item_id: Id, action: str) -> dict[str, Any]:
    return _objection_action(request, item_id, action, json_body(request), None, [])
