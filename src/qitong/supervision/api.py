"""Supervision API (issue 13; the ticket API's conventions): activities, problems and their
actions on the workflow core, statistics, the rectification board, accountability records,
and the public accountability list (no login).

Every read is scoped (supervision.selectors; out of scope is a 404); every write is a service
call; bad input is a 422 naming the field and changes nothing.
"""

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.core import clock
from qitong.core.api import Day, Id, LazyList, Paged, json_body
from qitong.core.errors import Forbidden, NotFound, ValidationFailed
from qitong.core.uploads import decode_base64_uploads
from qitong.core.workdays import local_today
from qitong.supervision import accountability, presenters
from qitong.supervision.accountability import ENTRY
from qitong.supervision.inputs import ActivityIn, EntryIn, ProblemIn, quarter_bounds
from qitong.supervision.listing import ProblemFilter, as_filter, list_related, problems_filtered
from qitong.supervision.models import Problem, ProblemCategory, ProblemFile
from qitong.supervision.selectors import activities_visible_to, problems_visible_to
from qitong.supervision.services import activity_create, class_limit, problem_act, problem_create
from qitong.supervision.stats import ProblemStats, problem_stats, rectification_board
from qitong.supervision.transitions import PROBLEM
from qitong.workflow.api import add_action_operations, create_body_doc
from qitong.workflow.inputs import inline_schema

router = Router(tags=["督查问题"])
STATS_READERS = frozenset({"supervisor", "admin", "auditor"})
public_router = Router(tags=["公开信息"])

StateName = Literal[
    "registered",
    "assigned",
    "rectifying",
    "long_term",
    "pending_acceptance",
    "objected",
    "closed",
    "dismissed",
    "open",
    "final",
]
SourceName = Literal["activity", "ticket", "manual"]
ClassName = Literal["A", "B", "C"]
ActivityKindName = Literal[
    "open_inspection",
    "undercover",
    "special",
    "routine",
    "third_party",
    "patrol",
    "hotline_analysis",
]


# --- reference data ---------------------------------------------------------------------------


class SupervisionCategoryOut(BaseModel):
    code: str
    name: str


@router.get("/supervision/categories", response=list[SupervisionCategoryOut], summary="问题类别")
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": c.code, "name": c.name} for c in ProblemCategory.objects.filter(active=True)]


class SupervisionClassOut(BaseModel):
    code: str
    amount: int
    unit: str
    label: str


@router.get(
    "/supervision/classes", response=list[SupervisionClassOut], summary="问题等级与整改时限"
)
def list_classes(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for code in ("A", "B", "C"):
        limit = class_limit(code)
        out.append({"code": code, "amount": limit.amount, "unit": limit.unit, "label": limit.label})
    return out


# --- activities -------------------------------------------------------------------------------


class SupervisionActivityOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    title: str
    organiser: str
    team: str
    starts_on: dt.date
    ends_on: dt.date | None
    description: str
    regions: list[str]
    departments: list[int]
    problems: int
    files: list[dict[str, Any]]
    created_at: dt.datetime


def activity_out(activity: Any) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "kind_label": activity.get_kind_display(),
        "title": activity.title,
        "organiser": activity.organiser,
        "team": activity.team,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "description": activity.description,
        "regions": [r.code for r in activity.regions.all()],
        "departments": [d.pk for d in activity.departments.all()],
        "problems": getattr(activity, "problem_count", None)
        if getattr(activity, "problem_count", None) is not None
        else activity.problems.count(),
        "files": [
            {"id": f.pk, "name": f.original_name, "sha256": f.sha256} for f in activity.files.all()
        ],
        "created_at": activity.created_at,
    }


@router.post(
    "/supervision/activities",
    response={201: SupervisionActivityOut},
    summary="登记督查活动",
    openapi_extra=create_body_doc(ActivityIn),
)
def create_activity(request: HttpRequest) -> Status:
    body = json_body(request)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    activity = activity_create(user=user_of(request), data=body, files=files)
    return Status(201, activity_out(activity))


class SupervisionActivityFilter(Schema):
    kind: ActivityKindName | None = None
    starts_from: Day | None = None
    starts_to: Day | None = None


@router.get(
    "/supervision/activities", response=list[SupervisionActivityOut], summary="督查活动列表"
)
@paginate(Paged, page_size=50)
def list_activities(request: HttpRequest, filters: Query[SupervisionActivityFilter]) -> Any:
    from django.db.models import Count

    qs = activities_visible_to(actor_of(user_of(request)))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.starts_from:
        qs = qs.filter(starts_on__gte=filters.starts_from)
    if filters.starts_to:
        qs = qs.filter(starts_on__lte=filters.starts_to)
    qs = (
        qs.annotate(problem_count=Count("problems"))
        .prefetch_related("regions", "departments", "files")
        .order_by("-starts_on", "-id")
    )
    return LazyList(qs, activity_out)


@router.get(
    "/supervision/activities/{item_id}", response=SupervisionActivityOut, summary="督查活动"
)
def get_activity(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    found = activities_visible_to(actor_of(user_of(request))).filter(pk=item_id).first()
    if found is None:
        raise NotFound()
    return activity_out(found)


# --- problems ---------------------------------------------------------------------------------


class SupervisionUnitRef(BaseModel):
    id: int
    name: str
    region_code: str


class SupervisionCodeRef(BaseModel):
    code: str
    name: str


class ProblemOut(BaseModel):
    id: int
    number: str = Field(description="问题编号，如 WT2026-000123")
    title: str
    description: str
    source: str
    source_label: str
    activity: dict[str, Any] | None
    ticket_id: int | None
    unit: SupervisionUnitRef
    leader: str
    category: SupervisionCodeRef
    problem_class: str
    amount: str | None = Field(description="涉及金额（元，两位小数）")
    public: bool
    confidential: bool
    enterprise_names: str
    recurrence_of: int | None
    state: str
    state_label: str
    version: int
    deadline: dt.datetime | None
    deadline_day: str
    first_deadline: dt.datetime | None
    overdue: bool
    warning: str = Field(description="red 已逾期、yellow 临近时限、green 正常、空 = 无时限")
    days_left: int | None
    escalation: int
    escalation_label: str
    extension_requested: dt.date | None
    long_term: bool
    plan: str
    returned_count: int
    objection_due: dt.datetime | None
    registered_at: dt.datetime
    assigned_at: dt.datetime | None
    accepted_at: dt.datetime | None
    claimed_at: dt.datetime | None
    closed_at: dt.datetime | None
    on_time: bool | None
    days_to_close: int | None
    allowed_actions: list[str] = Field(
        description="当前用户此刻可执行的操作（POST /supervision/problems/{id}/actions/<操作名>）"
    )
    enterprise_hidden: bool


class ProblemTimelineOut(BaseModel):
    seq: int
    at: dt.datetime
    action: str
    label: str
    actor: str
    from_state: str
    to_state: str
    note: str
    deadline: str
    files: list[dict[str, Any]]


class ProblemDetailOut(ProblemOut):
    enterprises: list[dict[str, Any]]
    ticket: dict[str, Any] | None
    milestones: list[dict[str, Any]]
    files: list[dict[str, Any]]
    links: list[dict[str, Any]] = Field(description="其他模块关联的记录（如清欠台账的欠款）")
    timeline: list[ProblemTimelineOut]


def problem_get(actor: Any, pk: int) -> Problem:
    found = (
        problems_visible_to(actor)
        .select_related("unit_department", "category", "activity", "ticket__enterprise")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


@router.post(
    "/supervision/problems",
    response={200: ProblemDetailOut, 201: ProblemDetailOut},
    summary="登记督查问题（activity、ticket 或均不填）",
    description=(
        "登记后状态为 registered；带 ticket 即工单“转为督查问题”（两边都记入台账）。"
        "同一 Idempotency-Key 重试返回首次登记的问题（200），不重复登记。"
    ),
    openapi_extra=create_body_doc(ProblemIn),
)
def create_problem(request: HttpRequest) -> Status:
    user = user_of(request)
    body = json_body(request)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    problem, created = problem_create(
        user=user,
        data=body,
        files=files,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    actor = actor_of(user)
    return Status(
        201 if created else 200, presenters.present_detail(problem_get(actor, problem.pk), actor)
    )


class ProblemQuery(Schema):
    state: StateName | None = Field(
        default=None, description="状态，或 open（未销号）/ final（已结束）"
    )
    source: SourceName | None = None
    unit: str | None = Field(default=None, max_length=40, description="责任单位的编号或机构代码")
    region: str | None = Field(default=None, max_length=6, description="区划代码（含下级）")
    category: str | None = Field(default=None, max_length=40)
    problem_class: ClassName | None = Field(default=None, alias="class")
    overdue: bool | None = None
    activity: Id | None = None
    recurrence: bool | None = None
    on_time: bool | None = None
    registered_from: Day | None = None
    registered_to: Day | None = None
    closed_from: Day | None = None
    closed_to: Day | None = None
    q: str | None = Field(default=None, max_length=100, description="问题编号或标题关键词")


def query_filter(q: ProblemQuery) -> ProblemFilter:
    return as_filter(q.dict())


@router.get(
    "/supervision/problems",
    response=list[ProblemOut],
    summary="督查问题列表（按范围，可按状态、来源、单位、类别、等级、逾期筛选）",
)
@paginate(Paged, page_size=50)
def list_problems(request: HttpRequest, filters: Query[ProblemQuery]) -> Any:
    actor = actor_of(user_of(request))
    qs = list_related(problems_filtered(actor, query_filter(filters))).order_by(
        "-registered_at", "-id"
    )
    now = clock.now()
    return LazyList(qs, lambda p: presenters.present(p, actor, now=now))


class ProblemCountsOut(BaseModel):
    total: int
    open: int
    overdue: int
    pending_acceptance: int
    objected: int
    closed: int


@router.get(
    "/supervision/problems/counts", response=ProblemCountsOut, summary="列表顶部的计数（同一筛选）"
)
def problem_counts(request: HttpRequest, filters: Query[ProblemQuery]) -> dict[str, int]:
    from qitong.supervision.stats import list_counts

    actor = actor_of(user_of(request))
    f = query_filter(filters)
    return list_counts(actor, f, problems_filtered(actor, f))


@router.get(
    "/supervision/problems/{item_id}", response=ProblemDetailOut, summary="督查问题（含全过程）"
)
def get_problem(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    return presenters.present_detail(problem_get(actor, item_id), actor)


@router.get(
    "/supervision/problems/{item_id}/files/{file_id}",
    summary="下载问题材料",
    response={200: None},
)
def download_problem_file(request: HttpRequest, item_id: Id, file_id: Id) -> FileResponse:
    problem = problem_get(actor_of(user_of(request)), item_id)
    found = ProblemFile.objects.filter(pk=file_id, problem=problem).first()
    if found is None:
        raise NotFound()
    return found.download()


def _problem_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    problem_act(pk=pk, action=action, user=user, data=body, files=files, expected_version=version)
    actor = actor_of(user)
    return presenters.present_detail(problem_get(actor, pk), actor)


add_action_operations(
    router,
    path="/supervision/problems",
    machine=PROBLEM,
    out=ProblemDetailOut,
    run=_problem_action,
    skip=("warn",),
)


@router.post(
    "/supervision/problems/{item_id}/actions/{action}",
    response=ProblemDetailOut,
    include_in_schema=False,
)
def act_on_problem(request: HttpRequest, item_id: Id, action: str) -> dict[str, Any]:
    """Any other action name: 409 unknown_action (or 404 out of scope)."""
    body = json_body(request)
    return _problem_action(request, item_id, action, body, None, [])


# --- statistics and the board -----------------------------------------------------------------


class SupervisionPeriod(Schema):
    from_: Day | None = Field(default=None, alias="from", description="起始日期（含）")
    to: Day | None = Field(default=None, description="截止日期（含），默认今天")


class SupervisionRowOut(BaseModel):
    key: str
    label: str
    count: int
    query: str = Field(description="该数字背后问题的筛选条件（GET /supervision/problems?<query>）")


class SupervisionStatsOut(BaseModel):
    start: dt.date
    end: dt.date
    registered: int
    closed: int
    closed_on_time: int
    on_time_rate: float | None = Field(description="按时整改率（%）= 按时销号 / 销号")
    median_days_to_close: float | None
    recurrences: int
    open_now: int
    overdue_now: int
    reported_received: int = Field(description="受理反映问题数（反映问题工单 + 其他来源的问题）")
    reported_done: int = Field(description="其中已办结")
    by_source: list[SupervisionRowOut]
    by_category: list[SupervisionRowOut]
    by_class: list[SupervisionRowOut]
    by_state: list[SupervisionRowOut]
    by_unit: list[SupervisionRowOut]
    by_city: list[SupervisionRowOut]
    queries: dict[str, str]


def period(q: SupervisionPeriod) -> tuple[dt.date, dt.date]:
    today = local_today()
    end = q.to or today
    start = q.from_ or dt.date(end.year, 1, 1)
    if end < start:
        raise ValidationFailed(fields={"to": "截止日期不能早于起始日期"})
    if (end - start).days > 366 * 10:
        raise ValidationFailed(fields={"from": "统计区间最长十年"})
    return start, end


def stats_out(s: ProblemStats) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: getattr(s, k)
        for k in (
            "start",
            "end",
            "registered",
            "closed",
            "closed_on_time",
            "on_time_rate",
            "median_days_to_close",
            "recurrences",
            "open_now",
            "overdue_now",
            "reported_received",
            "reported_done",
        )
    }
    for name in ("by_source", "by_category", "by_class", "by_state", "by_unit", "by_city"):
        out[name] = [r.as_dict() for r in getattr(s, name)]
    out["queries"] = {k: f.query() for k, f in s.filters.items()}
    return out


@router.get(
    "/supervision/stats",
    response=SupervisionStatsOut,
    summary="问题统计（按来源、类别、单位、等级；按时整改率；销号用时中位数；反弹数）",
)
def get_stats(request: HttpRequest, q: Query[SupervisionPeriod]) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    if actor.role not in STATS_READERS:
        raise Forbidden("问题统计供督查人员、管理员和审计员查看")
    start, end = period(q)
    return stats_out(problem_stats(actor, start, end))


class SupervisionBoardOut(BaseModel):
    unit_id: int
    unit: str
    region_code: str
    open: int
    overdue: int
    closed_this_quarter: int
    pending_acceptance: int


@router.get(
    "/supervision/board",
    response=list[SupervisionBoardOut],
    summary="整改看板：各责任单位未销号、逾期、本季度销号",
)
def get_board(request: HttpRequest, filters: Query[ProblemQuery]) -> list[dict[str, Any]]:
    rows = rectification_board(actor_of(user_of(request)), f=query_filter(filters))
    return [r.__dict__ for r in rows]


# --- accountability ---------------------------------------------------------------------------


class AccountabilityOut(BaseModel):
    id: int
    quarter: str
    region: str
    department: int | None
    unit_name: str
    summary: str
    measure: str
    measure_label: str
    decided_on: dt.date
    problems: list[int]
    persons: list[dict[str, Any]]
    enterprises: list[dict[str, Any]]
    public: bool
    state: str
    state_label: str
    version: int
    corrects: int | None
    corrected_by: list[int]
    published_at: dt.datetime | None
    allowed_actions: list[str]


def entry_out(entry: Any, actor: Any) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "quarter": entry.quarter,
        "region": entry.region.code,
        "department": entry.department_id,
        "unit_name": entry.unit_name,
        "summary": entry.summary,
        "measure": entry.measure,
        "measure_label": entry.get_measure_display(),
        "decided_on": entry.decided_on,
        "problems": [p.pk for p in entry.problems.all()],
        "persons": entry.persons,
        "enterprises": entry.enterprises,
        "public": entry.public,
        "state": entry.state,
        "state_label": entry.get_state_display(),
        "version": entry.version,
        "corrects": entry.corrects_id,
        "corrected_by": [c.pk for c in entry.corrections.all()],
        "published_at": entry.published_at,
        "allowed_actions": ENTRY.allowed(entry, actor),
    }


@router.post(
    "/supervision/accountability",
    response={201: AccountabilityOut},
    summary="登记问责记录（草稿）；更正已发布的记录须新建并以 corrects 引用",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(EntryIn)}},
        }
    },
)
def create_entry(request: HttpRequest) -> Status:
    user = user_of(request)
    entry = accountability.entry_create(user=user, data=json_body(request))
    actor = actor_of(user)
    return Status(201, entry_out(accountability.entry_get(actor, entry.pk), actor))


class AccountabilityFilter(Schema):
    quarter: str | None = Field(default=None, max_length=6, description="如 2026Q3")
    state: Literal["draft", "published"] | None = None


@router.get(
    "/supervision/accountability", response=list[AccountabilityOut], summary="问责记录（内部）"
)
@paginate(Paged, page_size=50)
def list_entries(request: HttpRequest, filters: Query[AccountabilityFilter]) -> Any:
    from qitong.supervision.selectors import entries_visible_to

    actor = actor_of(user_of(request))
    qs = entries_visible_to(actor).select_related("region")
    if filters.quarter:
        if quarter_bounds(filters.quarter) is None:
            raise ValidationFailed(fields={"quarter": "季度格式应为 2026Q3"})
        qs = qs.filter(quarter=filters.quarter.upper())
    if filters.state:
        qs = qs.filter(state=filters.state)
    qs = qs.prefetch_related("problems", "corrections").order_by("-quarter", "decided_on", "id")
    return LazyList(qs, lambda e: entry_out(e, actor))


@router.get("/supervision/accountability/{item_id}", response=AccountabilityOut, summary="问责记录")
def get_entry(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    return entry_out(accountability.entry_get(actor, item_id), actor)


def _entry_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    user = user_of(request)
    accountability.entry_act(pk=pk, action=action, user=user, data=body, expected_version=version)
    actor = actor_of(user)
    return entry_out(accountability.entry_get(actor, pk), actor)


add_action_operations(
    router,
    path="/supervision/accountability",
    machine=ENTRY,
    out=AccountabilityOut,
    run=_entry_action,
)


class QuarterPublishedOut(BaseModel):
    quarter: str
    published: int


@router.post(
    "/supervision/accountability/quarters/{quarter}/publish",
    response=QuarterPublishedOut,
    summary="发布一个季度的问责公开名单（该季度全部草稿一并发布）",
)
def publish_quarter(request: HttpRequest, quarter: str) -> dict[str, Any]:
    count = accountability.quarter_publish(user=user_of(request), quarter=quarter[:6])
    return {"quarter": quarter.upper(), "published": count}


# --- public -----------------------------------------------------------------------------------


class PublicPersonOut(BaseModel):
    name: str = Field(description="姓氏加“某”")
    position: str


class PublicEntryOut(BaseModel):
    id: int
    quarter: str
    region: str
    unit: str
    summary: str
    measure: str
    measure_name: str
    decided_on: dt.date
    persons: list[PublicPersonOut]
    enterprises: list[str] = Field(description="未同意公开的企业显示为“某企业”")
    corrects: int | None = Field(description="本条更正的记录编号")
    corrected_by: list[int] = Field(description="更正本条的记录编号")
    published_at: dt.datetime | None


class PublicQuarterOut(BaseModel):
    quarter: str
    published_at: dt.datetime | None
    entries: list[PublicEntryOut]


class PublicQuarterQuery(Schema):
    quarter: str | None = Field(
        default=None, max_length=6, description="如 2026Q3；不填为全部已发布季度（新→旧）"
    )


@public_router.get(
    "/public/accountability",
    response=list[PublicQuarterOut],
    auth=None,
    summary="问责情况公开（无需登录；人员只显示姓氏，未同意公开的企业匿名）",
)
def public_accountability(
    request: HttpRequest, q: Query[PublicQuarterQuery]
) -> list[dict[str, Any]]:
    return accountability.public_quarters(q.quarter)
