"""Request and response schemas of the ticket API."""

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from qitong.core.api import Id, UploadIn, When
from qitong.tickets.states import Channel, ProblemCategory, TicketState, TicketType, Urgency
from qitong.tickets.transitions import TICKET

ACTION_NAMES = [t.name for t in TICKET]


def _doc(**rules: Any) -> dict[str, Any]:
    """Rules shown in the document; the intake service checks them (every bad field at once,
    in Chinese, the same for the page and the API)."""
    return rules


PAGE_SIZE = 50


class Out(BaseModel):
    """Response schemas are plain pydantic models: presenters hand over dicts, so ninja's
    Schema (which wraps every nested object to read ORM attributes) would only add work — a
    third of a 50-ticket page's serialising time."""


class Ref(Out):
    id: int
    name: str


class EnterpriseRef(Out):
    id: int
    credit_code: str
    name: str


class CategoryRef(Out):
    code: str
    name: str


class TicketOut(Out):
    id: int
    number: str
    type: str = Field(json_schema_extra=_doc(enum=TicketType.values))
    type_label: str
    category: CategoryRef
    problem_category: str
    urgency: str
    channel: str
    title: str
    content: str
    state: str = Field(json_schema_extra=_doc(enum=TicketState.values))
    state_label: str
    confidential: bool
    promoted_at: dt.datetime | None = Field(description="转为督查问题的时间")
    problem_id: int | None = Field(
        description="转为督查问题后的问题编号（id），见 /supervision/problems/{id}"
    )
    problem_number: str = Field(description="督查问题编号，如 WT2026-000123")
    enterprise: EnterpriseRef | None
    contact_name: str
    contact_phone: str
    lead_department: Ref | None
    specialist: Ref | None
    specialist_accepted: bool
    pending_request: str
    reply_result: str
    reply_text: str
    satisfaction: int | None
    resolved: bool | None
    redo_count: int
    extension_days: int
    merged_into: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    milestone: str
    due_at: dt.datetime | None
    due_provisional: bool = Field(
        description="时限所在年份的节假日安排尚未载入，暂按周末计算（载入后重新计算）"
    )
    warning: str
    deadlines: dict[str, dt.datetime | None]
    allowed_actions: list[str] = Field(
        description="当前用户此刻可执行的操作（POST /tickets/{id}/actions/<操作名>）",
        json_schema_extra=_doc(items={"type": "string", "enum": ACTION_NAMES}),
    )


class TimelineOut(Out):
    model_config = ConfigDict(from_attributes=True)  # presenters' TimelineEntry dataclasses

    seq: int
    at: dt.datetime
    action: str
    label: str
    actor: str
    role: str
    from_state: str
    to_state: str
    note: str


class AttachmentOut(Out):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    internal: bool
    uploaded_by: str = Field(description="上传者（按查看者可知的程度：企业看到“办理单位”）")
    url: str


class AssistOut(Out):
    department: Ref
    replied_at: dt.datetime | None
    opinion: str


class ReplyDraftOut(Out):
    result: str
    explanation: str
    requested_by: str
    requested_at: dt.datetime
    attachments: list[int]


class CitationOut(Out):
    id: int
    version: int
    title: str
    url: str


class OfferOut(Out):
    specialist: Ref
    step: str
    state: str
    state_label: str
    offered_at: dt.datetime
    expires_at: dt.datetime


class TicketDetailOut(TicketOut):
    timeline: list[TimelineOut]
    attachments: list[AttachmentOut]
    assisting: list[AssistOut] = Field(description="协办单位及其意见（企业不可见）")
    articles: list[CitationOut] = Field(description="答复所依据的知识（引用的版本）")
    offer: OfferOut | None = Field(description="当前邀请的政策专员及等待截止（企业不可见）")
    reply_draft: ReplyDraftOut | None = Field(
        description="待部门领导审签的答复稿（仅承办单位可见）"
    )


class TicketPage(Out):
    items: list[TicketOut]
    next_cursor: str | None


class TicketIn(Schema):
    type: str = Field(description="诉求类型", json_schema_extra=_doc(enum=TicketType.values))
    category: str = Field(
        description="诉求分类编码（GET /categories）", json_schema_extra=_doc(maxLength=40)
    )
    urgency: str = Field(default="normal", json_schema_extra=_doc(enum=Urgency.values))
    channel: str = Field(description="来源渠道", json_schema_extra=_doc(enum=Channel.values))
    content: str = Field(
        description="诉求内容（≤ 5000 字）", json_schema_extra=_doc(maxLength=5000)
    )
    credit_code: str = Field(
        default="",
        description="统一社会信用代码（员工必填；企业用户可省略，只能是本企业）",
        json_schema_extra=_doc(maxLength=18),
    )
    contact_phone: str = Field(
        description="联系电话：手机或 区号-号码", json_schema_extra=_doc(maxLength=30)
    )
    contact_name: str = Field(default="", json_schema_extra=_doc(maxLength=50))
    title: str = Field(default="", json_schema_extra=_doc(maxLength=200))
    confidential: bool | None = None
    problem_category: str = Field(
        default="",
        description="问题类别（反映问题必填）",
        json_schema_extra=_doc(enum=["", *ProblemCategory.values]),
    )
    attachments: list[UploadIn] = Field(default_factory=list, json_schema_extra=_doc(maxItems=10))


class TicketFilter(Schema):
    q: str = Field(
        default="",
        max_length=100,
        description=(
            "检索：工单编号（QT…）、统一社会信用代码（完整或前 6 位起）、电话（仅专席），"
            "或标题与内容中的词（每个词都须出现；也匹配企业名称）"
        ),
    )
    state: list[str] = Field(
        default_factory=list,
        description="状态（可多个）",
        json_schema_extra=_doc(items={"type": "string", "enum": list(TicketState.values)}),
    )
    type: str | None = Field(default=None, json_schema_extra=_doc(enum=TicketType.values))
    department: Id | None = None
    overdue: bool | None = None
    created_from: When | None = None
    created_to: When | None = None
    cursor: str | None = Field(
        default=None,
        max_length=200,
        description="上一页返回的 next_cursor（不透明，原样传回；空为第一页）",
        json_schema_extra=_doc(pattern="^[A-Za-z0-9_-]*={0,2}$"),
    )
    limit: int = Field(default=PAGE_SIZE, ge=1, le=200)


class CategoryOut(Schema):
    code: str
    name: str
    children: list["CategoryOut"] = []
