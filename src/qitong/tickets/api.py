"""Ticket API (a contract with integrators: keep these paths and semantics).

POST /tickets (Idempotency-Key honoured), GET /tickets (scoped, filtered, cursor pages),
GET /tickets/{id} (with timeline), POST /tickets/{id}/actions/{action}, GET /categories.
"""

import base64
import datetime as dt
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, create_model

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.errors import ValidationFailed
from qitong.core.uploads import decode_base64_uploads
from qitong.tickets.models import Category, Ticket
from qitong.tickets.presenters import (
    assisting_for,
    attachments_for,
    citations_for,
    offer_for,
    present,
    reply_draft_for,
    timeline,
)
from qitong.tickets.selectors import ticket_get, tickets_led_by, tickets_visible_to
from qitong.tickets.services import TicketInput, ticket_act, ticket_create
from qitong.tickets.states import CLOCK_RUNNING_STATES, TicketState
from qitong.tickets.transitions import TICKET
from qitong.workflow.inputs import inline_schema
from qitong.workflow.machine import Transition

router = Router(tags=["工单"])
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


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@router.post("/tickets", response={200: TicketOut, 201: TicketOut}, summary="提交诉求/登记工单")
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status:
    user = _user(request)
    key = request.headers.get("Idempotency-Key", "")
    fields = payload.dict()
    files = decode_base64_uploads(fields.pop("attachments"))
    ticket, created = ticket_create(
        data=TicketInput(**fields), user=user, idempotency_key=key, files=files
    )
    actor = actor_of(user)
    if not created:  # a replay: show the stored ticket as it is now, through the scope
        ticket = ticket_get(actor=actor, pk=ticket.pk)
    return Status(201 if created else 200, present(ticket, actor))


def _encode_cursor(ticket: Ticket) -> str:
    raw = json.dumps([ticket.created_at.isoformat(), ticket.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        created, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(created), int(pk)
    except (ValueError, TypeError):
        raise ValidationFailed(fields={"cursor": "分页游标无效"}) from None


def _filtered(qs: QuerySet[Ticket], f: TicketFilter) -> QuerySet[Ticket]:
    if f.state:
        bad = [s for s in f.state if s not in TicketState.values]
        if bad:
            raise ValidationFailed(fields={"state": f"未知的状态：{'、'.join(bad)}"})
        qs = qs.filter(state__in=f.state)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.department:
        qs = qs.filter(lead_department_id=f.department)
    if f.overdue is not None:
        overdue = Q(due_at__lt=clock.now(), state__in=CLOCK_RUNNING_STATES)
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    if f.created_from:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__lt=f.created_to)
    return qs


@router.get("/tickets", response=TicketPage, summary="工单列表（按范围、可筛选、游标分页）")
def list_tickets(request: HttpRequest, filters: Query[TicketFilter]) -> dict[str, Any]:
    actor = actor_of(_user(request))
    if filters.department is not None and filters.department == actor.department_id:
        scope = tickets_led_by(actor)  # a department's own inbox: the indexed lead branch
    else:
        scope = tickets_visible_to(actor)
    qs = _filtered(scope, filters).order_by("-created_at", "-id")
    if filters.cursor:
        created, pk = _decode_cursor(filters.cursor)
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    # Two steps: the page's ids (an index walk, no joins), then those rows with their joins.
    ids = list(qs.values_list("pk", flat=True)[: filters.limit + 1])
    more = len(ids) > filters.limit
    ids = ids[: filters.limit]
    by_id = Ticket.objects.select_related(
        "enterprise", "category", "lead_department", "specialist"
    ).in_bulk(ids)
    rows = [by_id[pk] for pk in ids]
    return {
        "items": [present(t, actor) for t in rows],
        "next_cursor": _encode_cursor(rows[-1]) if more and rows else None,
    }


@router.get("/tickets/{ticket_id}", response=TicketDetailOut, summary="工单详情（含时间线）")
def get_ticket(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    actor = actor_of(_user(request))
    ticket = ticket_get(actor=actor, pk=ticket_id)
    return {
        **present(ticket, actor),
        "timeline": timeline(ticket, actor),
        "attachments": attachments_for(ticket, actor),
        "assisting": assisting_for(ticket, actor),
        "reply_draft": reply_draft_for(ticket, actor),
        "articles": citations_for(ticket),
        "offer": offer_for(ticket, actor),
    }


def _act(request: HttpRequest, ticket_id: int, action: str) -> dict[str, Any]:
    """Parse the JSON body (its fields are the action's schema, checked by the service after
    the scope and the transition, so an out-of-scope ticket is a 404 whatever the body)."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationFailed(fields={"__all__": "请求体应为 JSON 对象"}) from None
    if not isinstance(body, dict):
        raise ValidationFailed(fields={"__all__": "请求体应为 JSON 对象"})
    user = _user(request)
    version = body.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationFailed(fields={"version": "版本号应为整数"})
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    ticket_act(
        ticket_id=ticket_id,
        action=action,
        user=user,
        data=body,
        expected_version=version,
        files=files,
    )
    actor = actor_of(user)
    return present(ticket_get(actor=actor, pk=ticket_id), actor)


ROLE_LABELS = dict(Role.choices) | {"system": "系统（定时巡查）"}


class UploadIn(BaseModel):
    name: str = Field(description="原文件名，如 营业执照.pdf")
    content_base64: str = Field(description="文件内容的 Base64")


class ActionExtra(BaseModel):
    """What every action body may carry besides the action's own fields."""

    version: int | None = Field(
        default=None, description="客户端看到的工单版本号（version）；已被他人改动则 409"
    )
    attachments: list[UploadIn] = Field(default_factory=list, description="随操作上传的附件")


def _body_schema(transition: Transition) -> dict[str, Any]:
    model = create_model(
        f"{transition.input.__name__}Body", __base__=(transition.input, ActionExtra)
    )
    return inline_schema(model)


def _add_action(transition: Transition) -> None:
    """One documented operation per action: its body is the action's input schema."""
    name = transition.name

    def endpoint(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
        return _act(request, ticket_id, name)

    endpoint.__name__ = f"ticket_{name}"
    roles = "、".join(ROLE_LABELS.get(r, r) for r in transition.roles)  # noqa: RUF100
    router.add_api_operation(
        f"/tickets/{{ticket_id}}/actions/{name}",
        ["POST"],
        endpoint,
        response=TicketOut,
        summary=f"工单操作：{transition.label}",
        description=(
            f"{transition.input.hint}\n\n可执行角色：{roles}。"
            "409 当前状态或版本不允许，422 字段错误（fields 逐项说明），404 范围外。"
        ),
        operation_id=f"ticket_action_{name}",
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _body_schema(transition)}},
            }
        },
    )


for _transition in TICKET:
    _add_action(_transition)


@router.post("/tickets/{ticket_id}/actions/{action}", response=TicketOut, include_in_schema=False)
def act_on_ticket(request: HttpRequest, ticket_id: int, action: str) -> dict[str, Any]:
    """Any other action name: the service answers 409 unknown_action (or 404 out of scope)."""
    return _act(request, ticket_id, action)


@router.get("/categories", response=list[CategoryOut], summary="诉求分类树")
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    rows = list(Category.objects.filter(active=True).order_by("sort_order", "code"))
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def build(parent: int | None) -> list[dict[str, Any]]:
        return [
            {"code": c.code, "name": c.name, "children": build(c.pk)}
            for c in children.get(parent, [])
        ]

    return build(None)
