"""Arrears API (issue 14; the ticket API's conventions): claims with their statutory due date
and interest, repayments, actions on the workflow core, the KPIs, the annual disclosure,
debtors and the LPR table.

Every read is scoped (arrears.selectors; out of scope is a 404); every write is a service
call; bad input is a 422 naming the field and changes nothing. Money is a decimal string.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.arrears import presenters
from qitong.arrears.disclosure import disclosure
from qitong.arrears.inputs import ClaimIn
from qitong.arrears.listing import (
    ClaimFilter,
    as_filter,
    claims_filtered,
    ledger_totals,
    list_related,
)
from qitong.arrears.models import ClaimFile, LoanPrimeRate
from qitong.arrears.selectors import debtors_visible_to, reads_figures
from qitong.arrears.services import claim_act, claim_create, claim_get
from qitong.arrears.stats import ArrearsStats, Row, arrears_stats
from qitong.arrears.transitions import CLAIM, RepayIn
from qitong.core.api import Day, Id, LazyList, Paged, json_body
from qitong.core.errors import Forbidden, NotFound
from qitong.core.uploads import decode_base64_uploads
from qitong.core.workdays import local_today
from qitong.workflow.api import add_action_operations, create_body_doc

router = Router(tags=["清欠"])

StateName = Literal[
    "registered",
    "verified",
    "planned",
    "partly_repaid",
    "repaid",
    "closed",
    "disputed",
    "mediation",
    "litigation",
    "written_off",
    "open",
    "final",
    "live",
]
KindName = Literal["organ", "institution", "soe_large", "large", "association"]
LevelName = Literal["region", "city", "county"]
ContractKindName = Literal["goods", "works", "services"]


# --- claims -----------------------------------------------------------------------------------


class ArrearsDebtorRef(BaseModel):
    id: int
    name: str
    credit_code: str
    kind: str
    kind_label: str
    level: str
    level_label: str
    region_code: str


class ArrearsCreditorRef(BaseModel):
    id: int
    name: str
    credit_code: str


class ArrearsContractOut(BaseModel):
    number: str
    kind: str
    kind_label: str
    amount: str
    signed_on: dt.date
    delivered_on: dt.date | None
    accepted_on: dt.date | None
    acceptance_days: int | None
    settlement_confirmed_on: dt.date | None
    agreed_days: int | None
    agreed_rate: str | None = Field(description="约定逾期年利率（%）")
    lpr: str | None = Field(description="签约时一年期 LPR（%）")
    back_to_back: bool
    non_cash_agreed: bool


class ArrearsComplaintOut(BaseModel):
    accepted_on: dt.date
    transfer_due: dt.date | None
    department_id: int | None
    department: str
    received_on: dt.date | None
    result_due: dt.date | None
    result_latest: dt.date | None
    answered_on: dt.date | None
    urged_for: dt.date | None
    stage: str = Field(description="transfer 待转交、handling 处理中、answered 已答复")
    overdue: bool


class ClaimOut(BaseModel):
    id: int
    number: str = Field(description="欠款编号，如 QK2026-000123")
    state: str
    state_label: str
    version: int
    source: str
    source_label: str
    debtor: ArrearsDebtorRef
    department_id: int | None
    creditor: ArrearsCreditorRef
    creditor_sme: bool
    contract: ArrearsContractOut
    due_on: dt.date = Field(description="法定付款期限")
    due_rule: str = Field(description="期限依据（条例条款和期限）")
    overdue: bool
    overdue_days: int
    owed: str
    disputed: str
    undisputed: str
    repaid: str = Field(description="已登记且债权人未否认的清偿")
    confirmed: str = Field(description="其中债权人已确认")
    unconfirmed: str
    balance: str
    interest: str | None = Field(description="截至今天的逾期利息（元）")
    interest_as_of: dt.date
    rate_label: str
    in_litigation: bool
    plan: list[dict[str, Any]]
    confirm_due: dt.date | None = Field(description="债务人确认期限（条例第十六条）")
    confirm_overdue: bool = Field(description="仍未确认且已过确认期限")
    confirm_reminded: bool
    verified_at: dt.datetime | None
    complaint: ArrearsComplaintOut | None
    registered_at: dt.datetime
    repaid_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed_actions: list[str] = Field(
        description="当前用户此刻可执行的操作（POST /arrears/claims/{id}/actions/<操作名>）"
    )


class ArrearsTimelineOut(BaseModel):
    seq: int
    at: dt.datetime
    action: str
    label: str
    actor: str
    from_state: str
    to_state: str
    note: str
    figures: str
    files: list[dict[str, Any]]


class ClaimDetailOut(ClaimOut):
    repayments: list[dict[str, Any]]
    files: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    timeline: list[ArrearsTimelineOut]


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    return presenters.present_detail(claim_get(actor, pk), actor)


@router.post(
    "/arrears/claims",
    response={200: ClaimDetailOut, 201: ClaimDetailOut},
    summary="登记欠款（按条例计算法定付款期限和逾期利息）",
    description=(
        "债务人按统一社会信用代码登记（首次出现时新建）；债权企业须已在企业库登记。"
        "同一 Idempotency-Key 重试返回首次登记的欠款（200），不重复登记。"
    ),
    openapi_extra=create_body_doc(ClaimIn),
)
def create_claim(request: HttpRequest) -> Status:
    body = json_body(request)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    claim, created = claim_create(
        user=user_of(request),
        data=body,
        files=files,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _detail(request, claim.pk))


class ClaimQuery(Schema):
    state: StateName | None = Field(
        default=None,
        description="状态，或 open（未清偿完）/ final（已办结或核销）/ live（除核销外）",
    )
    kind: KindName | None = Field(default=None, description="债务人类型")
    level: LevelName | None = Field(default=None, description="债务人层级")
    region: str | None = Field(default=None, max_length=6, description="区划代码（含下级）")
    region_exact: str | None = Field(default=None, max_length=6, description="仅该区划本级")
    contract_kind: ContractKindName | None = None
    overdue: bool | None = Field(default=None, description="已过法定付款期限仍有余额")
    disputed: bool | None = None
    litigation: bool | None = None
    amount_min: Decimal | None = Field(default=None, ge=0, le=Decimal("1e14"), decimal_places=2)
    amount_max: Decimal | None = Field(default=None, ge=0, le=Decimal("1e14"), decimal_places=2)
    debtor: Id | None = None
    creditor: Id | None = None
    batch: str | None = Field(default=None, max_length=64)
    q: str | None = Field(
        default=None, max_length=100, description="欠款编号、合同编号或债务人名称"
    )


def query_filter(q: ClaimQuery) -> ClaimFilter:
    return as_filter(q.dict())


@router.get(
    "/arrears/claims",
    response=list[ClaimOut],
    summary="清欠台账（按范围，可按债务人类型、层级、地区、状态、逾期、争议、金额筛选）",
)
@paginate(Paged, page_size=50)
def list_claims(request: HttpRequest, filters: Query[ClaimQuery]) -> Any:
    actor = actor_of(user_of(request))
    qs = list_related(claims_filtered(actor, query_filter(filters))).order_by(
        "-registered_at", "-id"
    )
    today = local_today()
    return LazyList(qs, lambda c: presenters.present(c, actor, today=today))


class ClaimTotalsOut(BaseModel):
    count: int
    owed: str
    repaid: str
    balance: str
    disputed: str
    overdue: int
    overdue_balance: str


@router.get("/arrears/claims/totals", response=ClaimTotalsOut, summary="台账顶部的合计（同一筛选）")
def claim_totals(request: HttpRequest, filters: Query[ClaimQuery]) -> dict[str, Any]:
    return ledger_totals(actor_of(user_of(request)), query_filter(filters))


@router.get("/arrears/claims/{item_id}", response=ClaimDetailOut, summary="欠款（含全过程）")
def get_claim(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    return _detail(request, item_id)


@router.get(
    "/arrears/claims/{item_id}/files/{file_id}", summary="下载欠款材料", response={200: None}
)
def download_claim_file(request: HttpRequest, item_id: Id, file_id: Id) -> FileResponse:
    claim = claim_get(actor_of(user_of(request)), item_id)
    found = ClaimFile.objects.filter(pk=file_id, claim=claim).first()
    if found is None:
        raise NotFound()
    return found.download()


@router.post(
    "/arrears/claims/{item_id}/repayments",
    response={201: ClaimDetailOut},
    summary="登记清偿（转账、抵顶、商业汇票、电子凭证、资产抵偿）",
    description=(
        "即“登记清偿”操作（repay）：超过未清偿余额、早于合同签订或晚于今天的清偿 422；"
        "返回欠款及新的余额。债权人确认后计为已清偿。"
    ),
    openapi_extra=create_body_doc(RepayIn),
)
def create_repayment(request: HttpRequest, item_id: Id) -> Status:
    body = json_body(request)
    version = body.pop("version", None)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    claim_act(
        pk=item_id,
        action="repay",
        user=user_of(request),
        data=body,
        files=files,
        expected_version=version if isinstance(version, int) else None,
    )
    return Status(201, _detail(request, item_id))


def _claim_action(
    request: HttpRequest, pk: int, action: str, body: dict[str, Any], version: Any, files: Any
) -> dict[str, Any]:
    claim_act(
        pk=pk,
        action=action,
        user=user_of(request),
        data=body,
        files=files,
        expected_version=version,
    )
    return _detail(request, pk)


add_action_operations(
    router, path="/arrears/claims", machine=CLAIM, out=ClaimDetailOut, run=_claim_action
)


@router.post(
    "/arrears/claims/{item_id}/actions/{action}",
    response=ClaimDetailOut,
    include_in_schema=False,
)
def act_on_claim(request: HttpRequest, item_id: Id, action: str) -> dict[str, Any]:
    """Any other action name: 409 unknown_action (or 404 out of scope)."""
    body = json_body(request)
    return _claim_action(request, item_id, action, body, None, [])


# --- statistics -------------------------------------------------------------------------------


class ArrearsStatsQuery(Schema):
    region: str | None = Field(default=None, max_length=6, description="区划代码（含下级）")
    kind: KindName | None = Field(default=None, description="债务人类型")
    level: LevelName | None = None
    as_of: Day | None = Field(default=None, description="统计截止日（含），默认今天")
    from_: Day | None = Field(
        default=None, alias="from", description="期间起始日：期间内清偿额、清偿时逾期天数"
    )


class ArrearsRowOut(BaseModel):
    key: str
    label: str
    count: int
    owed: str
    repaid: str
    balance: str
    clearance_rate: float | None
    query: str = Field(description="该行背后欠款的筛选条件（GET /arrears/claims?<query>）")


class ArrearsStatsOut(BaseModel):
    as_of: dt.date
    start: dt.date | None
    claims: int
    owed: str = Field(description="欠款总额（不含诉讼中）")
    repaid: str = Field(description="已清偿（截至统计日；已登记且债权人未否认）")
    confirmed: str = Field(description="其中债权人已确认")
    repaid_in_period: str
    written_off: str
    balance: str
    clearance_rate: float | None = Field(description="清偿率（%）= 已清偿 / 欠款（均不含核销）")
    undisputed_owed: str
    undisputed_repaid: str
    undisputed_clearance_rate: float | None = Field(description="无分歧欠款清偿率（%）")
    overdue_claims: int
    overdue_balance: str
    in_litigation: int
    litigation_owed: str
    interest: str = Field(description="截至统计日累计逾期利息")
    median_days_overdue: float | None = Field(description="清偿时逾期天数中位数")
    repayments: int
    query: str
    by_region: list[ArrearsRowOut]
    by_kind: list[ArrearsRowOut]
    largest_debtors: list[ArrearsRowOut]


def _row_out(r: Row) -> dict[str, Any]:
    return {
        "key": r.key,
        "label": r.label,
        "count": r.count,
        "owed": f"{r.owed:.2f}",
        "repaid": f"{r.repaid:.2f}",
        "balance": f"{r.balance:.2f}",
        "clearance_rate": r.clearance_rate,
        "query": r.query,
    }


def stats_out(s: ArrearsStats) -> dict[str, Any]:
    money = (
        "owed",
        "repaid",
        "confirmed",
        "repaid_in_period",
        "written_off",
        "balance",
        "undisputed_owed",
        "undisputed_repaid",
        "overdue_balance",
        "litigation_owed",
        "interest",
    )
    out: dict[str, Any] = {k: f"{getattr(s, k):.2f}" for k in money}
    for k in (
        "as_of",
        "start",
        "claims",
        "clearance_rate",
        "undisputed_clearance_rate",
        "overdue_claims",
        "in_litigation",
        "median_days_overdue",
        "repayments",
    ):
        out[k] = getattr(s, k)
    out["query"] = s.base_query
    for name in ("by_region", "by_kind", "largest_debtors"):
        out[name] = [_row_out(r) for r in getattr(s, name)]
    return out


@router.get(
    "/arrears/stats",
    response=ArrearsStatsOut,
    summary="清欠统计：欠款、清偿、余额、清偿率、无分歧清偿率、逾期天数中位数、利息、最大债务人",
)
def get_stats(request: HttpRequest, q: Query[ArrearsStatsQuery]) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    if not reads_figures(actor):
        raise Forbidden("清欠统计供督查人员、管理员和审计员查看")
    base = as_filter({"region": q.region, "kind": q.kind, "level": q.level})
    return stats_out(arrears_stats(actor, base=base, as_of=q.as_of, start=q.from_))


# --- the annual disclosure --------------------------------------------------------------------


class DisclosureQuery(Schema):
    year: int | None = Field(default=None, ge=2000, le=2099, description="年度，默认上一年")
    debtor: Id | None = None


class DisclosureRowOut(BaseModel):
    debtor_id: int
    name: str
    credit_code: str
    kind: str
    kind_label: str
    publishes: str
    contracts: int = Field(description="年末逾期尚未支付中小企业款项的合同数量")
    amount: str = Field(description="年末逾期未付金额（元）")
    claims: list[dict[str, Any]] = Field(description="该债务人的逾期合同（仅按 debtor 查询时列出）")


class DisclosureOut(BaseModel):
    year: int
    due_by: dt.date = Field(description="公开截止日（次年 3 月 31 日，条例第十八条）")
    contracts: int
    amount: str
    rows: list[DisclosureRowOut]


@router.get(
    "/arrears/disclosure",
    response=DisclosureOut,
    summary="年度逾期未付中小企业款项公开（条例第十八条），按债务人",
)
def get_disclosure(request: HttpRequest, q: Query[DisclosureQuery]) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    if not reads_figures(actor):
        raise Forbidden("年度公开数据供督查人员、管理员和审计员查看")
    found = disclosure(actor, year=q.year, debtor=q.debtor)
    return {
        "year": found.year,
        "due_by": found.due_by,
        "contracts": found.contracts,
        "amount": f"{found.amount:.2f}",
        "rows": [{**r.__dict__, "amount": f"{r.amount:.2f}"} for r in found.rows],
    }


# --- debtors and the LPR ----------------------------------------------------------------------


class ArrearsDebtorOut(BaseModel):
    id: int
    name: str
    credit_code: str
    kind: str
    kind_label: str
    level: str
    level_label: str
    region_code: str
    department_id: int | None


def debtor_out(d: Any) -> dict[str, Any]:
    return {
        "id": d.pk,
        "name": d.name,
        "credit_code": d.credit_code,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "level": d.level,
        "level_label": d.get_level_display(),
        "region_code": d.region.code,
        "department_id": d.department_id,
    }


class DebtorQuery(Schema):
    kind: KindName | None = None
    q: str | None = Field(default=None, max_length=100, description="名称或统一社会信用代码")


@router.get("/arrears/debtors", response=list[ArrearsDebtorOut], summary="债务人")
@paginate(Paged, page_size=50)
def list_debtors(request: HttpRequest, filters: Query[DebtorQuery]) -> Any:
    qs = debtors_visible_to(actor_of(user_of(request))).select_related("region")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(name__contains=text) | qs.filter(credit_code=text.upper())
    return LazyList(qs.order_by("name", "pk"), debtor_out)


@router.get("/arrears/debtors/{item_id}", response=ArrearsDebtorOut, summary="债务人")
def get_debtor(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    found = (
        debtors_visible_to(actor_of(user_of(request)))
        .select_related("region")
        .filter(pk=item_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return debtor_out(found)


class LprOut(BaseModel):
    effective_on: dt.date
    one_year: str


@router.get("/arrears/lpr", response=list[LprOut], summary="一年期贷款市场报价利率（LPR）")
def list_lpr(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"effective_on": r.effective_on, "one_year": f"{r.one_year:.2f}"}
        for r in LoanPrimeRate.objects.order_by("-effective_on")
    ]
