"""Area-assessment API (issue 16): zones, results (public reads; departments write; the data
bureau collects), projects with validated codes, uses, and the six KPIs.

Every read is scoped (area_assessments.selectors; out of scope is a 404); every write is a
service call; bad input is a 422 naming the field and changes nothing.
"""

from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.area_assessments import presenters
from qitong.area_assessments.selectors import (
    acting,
    check_figures,
    projects_visible_to,
    results_visible_to,
    uses_visible_to,
    zones_visible_to,
)
from qitong.area_assessments.services import (
    ProjectIn,
    ResultIn,
    UseIn,
    project_create,
    result_act,
    result_create,
    result_get,
    use_create,
)
from qitong.area_assessments.stats import area_stats, coverage
from qitong.area_assessments.transitions import RESULT, SYSTEM_ACTIONS
from qitong.core.api import Day, Id, LazyList, Paged, json_body
from qitong.core.uploads import decode_base64_uploads
from qitong.workflow.api import add_action_operations, create_body_doc

router = Router(tags=["区域评估成果"])

ResultStateName = Literal["draft", "published", "collected", "expired", "revoked", "superseded"]


def _acting(request: HttpRequest) -> Any:
    return acting(actor_of(user_of(request)))


class AreaZoneOut(BaseModel):
    id: int
    code: str
    name: str
    level: str
    level_label: str
    region: dict[str, str]
    managing_body: str
    area_km2: str | None
    has_boundary: bool


@router.get("/area-assessments/zones", response=list[AreaZoneOut], summary="开发区（园区）")
def list_zones(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        presenters.present_zone(z)
        for z in zones_visible_to(_acting(request)).select_related("region")
    ]


class AreaResultOut(BaseModel):
    id: int
    number: str
    zone: dict[str, Any]
    type: dict[str, Any]
    title: str
    commissioned_by: str
    assessed_by: str
    department: dict[str, Any]
    document_number: str
    approved_on: Any
    valid_until: Any
    conditions: str
    obligations: str
    state: str
    state_label: str
    valid_today: bool
    published_on: Any
    publicity_days: int | None
    external_id: str
    collected_on: Any
    ended_on: Any
    revoke_reason: str
    supersedes: int | None
    files: list[dict[str, Any]]
    version: int
    allowed_actions: list[str]


class ResultQuery(Schema):
    zone: Id | None = Field(default=None, description="开发区（园区）编号")
    type: Id | None = Field(default=None, description="评估事项编号")
    valid_on: Day | None = Field(
        default=None, description="只列该日有效的成果（已公示或已汇聚、在有效期内）"
    )
    state: ResultStateName | None = None


@router.get(
    "/area-assessments/results",
    response=list[AreaResultOut],
    summary="区域评估成果（公开；部门另见本部门草稿）",
)
@paginate(Paged, page_size=50)
def list_results(request: HttpRequest, filters: Query[ResultQuery]) -> Any:
    a = _acting(request)
    qs = (
        results_visible_to(a)
        .select_related("zone__region", "type", "department")
        .prefetch_related("files")
    )
    if filters.zone is not None:
        qs = qs.filter(zone_id=filters.zone)
    if filters.type is not None:
        qs = qs.filter(type_id=filters.type)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.valid_on is not None:
        day = filters.valid_on
        qs = qs.filter(
            state__in=["published", "collected"], approved_on__lte=day, valid_until__gte=day
        )
    return LazyList(
        qs.order_by("zone_id", "type__sort_order", "-approved_on", "-id"),
        lambda r: presenters.present_result(r, a),
    )


@router.post(
    "/area-assessments/results",
    response={200: AreaResultOut, 201: AreaResultOut},
    summary="登记区域评估成果（草稿，审批部门）",
    description=(
        "有效期不晚于批复日期 422（valid_until）；该园区该事项已有有效成果而未注明替代 422（type）；"
        "同一 Idempotency-Key 重试返回首次登记的成果（200）。"
    ),
    openapi_extra=create_body_doc(ResultIn),
)
def create_result(request: HttpRequest) -> Status:
    body = json_body(request)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    user = user_of(request)
    result, created = result_create(
        user=user,
        data=body,
        files=files,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    a = acting(actor_of(user))
    return Status(201 if created else 200, presenters.present_result(result_get(a, result.pk), a))


@router.get("/area-assessments/results/{item_id}", response=AreaResultOut, summary="区域评估成果")
def get_result(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    a = _acting(request)
    return presenters.present_result(result_get(a, item_id), a)


def _result_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    result_act(pk=pk, action=action, user=user, data=body, expected_version=version)
    a = acting(actor_of(user))
    return presenters.present_result(result_get(a, pk), a)


add_action_operations(
    router,
    path="/area-assessments/results",
    machine=RESULT,
    out=AreaResultOut,
    run=_result_action,
    skip=SYSTEM_ACTIONS,
)


@router.post(
    "/area-assessments/results/{item_id}/actions/{action}",
    response=AreaResultOut,
    include_in_schema=False,
)
def act_on_result(request: HttpRequest, item_id: Id, action: str) -> dict[str, Any]:
    return _result_action(request, item_id, action, json_body(request), None, [])


class AreaProjectOut(BaseModel):
    id: int
    code: str
    name: str
    owner: dict[str, Any] | None
    owner_name: str
    zone: dict[str, Any]
    lng: str | None
    lat: str | None
    address: str
    investment_wan: str
    stage: str
    stage_label: str
    uses: int


@router.post(
    "/area-assessments/projects",
    response={201: AreaProjectOut},
    summary="登记投资项目（校验 24 位投资项目代码；园区可按经纬度匹配）",
    description="项目代码格式、年份、区划、行业、项目类型或流水号有误 422（code）；园区与经纬度都没有或匹配不到 422（zone）；代码已登记 409。",
    openapi_extra=create_body_doc(ProjectIn),
)
def create_project(request: HttpRequest) -> Status:
    user = user_of(request)
    project = project_create(user=user, data=json_body(request))
    return Status(201, presenters.present_project(project))


@router.get("/area-assessments/projects", response=list[AreaProjectOut], summary="投资项目")
@paginate(Paged, page_size=50)
def list_projects(request: HttpRequest, zone: Id | None = None) -> Any:
    qs = (
        projects_visible_to(_acting(request))
        .select_related("zone__region", "owner")
        .annotate(n_uses=Count("uses"))
    )
    if zone is not None:
        qs = qs.filter(zone_id=zone)
    return LazyList(qs.order_by("-created_at", "-id"), presenters.present_project)


class AreaUseOut(BaseModel):
    id: int
    project: dict[str, Any]
    result: dict[str, Any]
    used_on: Any
    approval: str
    saved_days: int
    saved_money_wan: str
    basis: str
    recorded_as: str
    recorded_as_label: str


@router.post(
    "/area-assessments/uses",
    response={200: AreaUseOut, 201: AreaUseOut},
    summary="登记成果应用（审批部门或项目单位）",
    description="成果已过期、已撤销、已被替代、尚未公示，或应用日不在有效期内，或成果不属于项目所在园区 422（result）；同一项目已登记这项成果 409。",
    openapi_extra=create_body_doc(UseIn),
)
def create_use(request: HttpRequest) -> Status:
    use, created = use_create(
        user=user_of(request),
        data=json_body(request),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, presenters.present_use(use))


@router.get("/area-assessments/uses", response=list[AreaUseOut], summary="成果应用")
@paginate(Paged, page_size=50)
def list_uses(request: HttpRequest, project: Id | None = None, result: Id | None = None) -> Any:
    qs = uses_visible_to(_acting(request)).select_related(
        "project__zone", "result__type", "result__zone"
    )
    if project is not None:
        qs = qs.filter(project_id=project)
    if result is not None:
        qs = qs.filter(result_id=result)
    return LazyList(qs.order_by("-used_on", "-id"), presenters.present_use)


class AreaStatsQuery(Schema):
    from_: Day | None = Field(
        default=None, alias="from", description="起始日（含），默认今年 1 月 1 日"
    )
    to: Day | None = Field(default=None, description="截止日（含），默认今天")


class AreaStatsOut(BaseModel):
    start: Any
    end: Any
    published: int
    collected: int
    projects: int
    uses: int
    investment_yi: str
    saved_wan: str
    saved_days: int
    by_zone: list[dict[str, Any]]
    by_type: list[dict[str, Any]]
    by_month: list[dict[str, Any]]


@router.get(
    "/area-assessments/stats",
    response=AreaStatsOut,
    summary="六项指标：发布成果、汇聚成果、应用项目、应用次数、覆盖投资（亿元）、节省费用（万元）",
    description="发布、汇聚按公示日、汇聚日计；项目、应用、投资、节省按应用日计。政务数据主管部门、督查人员、管理员、审计员。",
)
def get_stats(request: HttpRequest, q: Query[AreaStatsQuery]) -> dict[str, Any]:
    check_figures(_acting(request))
    s = area_stats(q.from_, q.to)
    return {
        "start": s.start,
        "end": s.end,
        **s.total.as_dict(),
        "by_zone": s.by_zone,
        "by_type": s.by_type,
        "by_month": s.by_month,
    }


class AreaCoverageOut(BaseModel):
    day: str
    types: list[dict[str, Any]]
    rows: list[dict[str, Any]]


@router.get(
    "/area-assessments/coverage",
    response=AreaCoverageOut,
    summary="覆盖情况：各园区各事项当日是否有有效成果（缺少的为 null）",
    description="与统计页的覆盖矩阵、Excel 的“覆盖情况”同一查询。政务数据主管部门、督查人员、管理员、审计员。",
)
def get_coverage(request: HttpRequest, day: Day | None = None) -> dict[str, Any]:
    check_figures(_acting(request))
    return coverage(day)
