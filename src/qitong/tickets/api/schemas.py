"""Request and response schemas of the ticket API."""

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

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
    type: str
    type_label: str
    category: CategoryRef
    problem_category: str
    urgency: str
    channel: str
    title: str
    content: str
    state: str
    state_label: str
    confidential: bool
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
    allowed_actions: list[str]


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
    type: str
    category: str
    urgency: str = "normal"
    channel: str
    content: str
    credit_code: str = ""
    contact_phone: str
    contact_name: str = ""
    title: str = ""
    confidential: bool | None = None
    problem_category: str = ""
    attachments: list[dict[str, Any]] = Field(
        default_factory=list, description='[{"name": "营业执照.pdf", "content_base64": "..."}]'
    )


class TicketFilter(Schema):
    state: list[str] = Field(default_factory=list)
    type: str | None = None
    department: int | None = None
    overdue: bool | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    cursor: str | None = None
    limit: int = Field(default=PAGE_SIZE, ge=1, le=200)


class CategoryOut(Schema):
    code: str
    name: str
    children: list["CategoryOut"] = []
