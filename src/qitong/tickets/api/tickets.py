"""Tickets: create, list, read; the category tree."""

import base64
import datetime as dt
import json
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from pydantic import BaseModel

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.core import clock
from qitong.core.api import Id, StrictId
from qitong.core.errors import ValidationFailed
from qitong.core.uploads import decode_base64_uploads
from qitong.tickets.api.router import router
from qitong.tickets.api.schemas import (
    CategoryOut,
    TicketDetailOut,
    TicketFilter,
    TicketIn,
    TicketOut,
    TicketPage,
)
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
from qitong.tickets.search import ticket_search
from qitong.tickets.selectors import overdue, ticket_get, tickets_led_by, tickets_visible_to
from qitong.tickets.services import (
    MAX_BULK,
    TicketInput,
    ticket_bulk_act,
    ticket_create,
    ticket_phone_reveal,
)
from qitong.tickets.states import TicketState, TicketType


@router.post("/tickets", response={200: TicketOut, 201: TicketOut}, summary="提交诉求/登记工单")
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status:
    user = user_of(request)
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
        if f.type not in TicketType.values:
            raise ValidationFailed(fields={"type": f"未知的诉求类型：{f.type}"})
        qs = qs.filter(type=f.type)
    if f.department:
        qs = qs.filter(lead_department_id=f.department)
    if f.overdue is not None:
        late = overdue(clock.now())
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    if f.created_from:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__lt=f.created_to)
    return qs


@router.get(
    "/tickets",
    response=TicketPage,
    summary="工单列表与检索（按范围、可筛选、游标分页；q 为工单编号、信用代码、电话或内容中的词）",
)
def list_tickets(request: HttpRequest, filters: Query[TicketFilter]) -> dict[str, Any]:
    user = user_of(request)
    actor = actor_of(user)
    if filters.q.strip():
        scope = ticket_search(actor=actor, user=user, q=filters.q)  # within the scope
    elif filters.department is not None and filters.department == actor.department_id:
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
    # `problem`: a promoted ticket's supervision problem (present() shows its number)
    by_id = Ticket.objects.select_related(
        "enterprise", "category", "lead_department", "specialist", "problem"
    ).in_bulk(ids)
    rows = [by_id[pk] for pk in ids]
    return {
        "items": [present(t, actor) for t in rows],
        "next_cursor": _encode_cursor(rows[-1]) if more and rows else None,
    }


@router.get("/tickets/{ticket_id}", response=TicketDetailOut, summary="工单详情（含时间线）")
def get_ticket(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
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


class BulkIn(Schema):
    tickets: list[StrictId] = Field(
        description=f"工单 id（1–{MAX_BULK} 个，重复的只处理一次）",
        min_length=1,
        max_length=MAX_BULK,
    )
    note: str = Field(default="", max_length=500, description="催办说明或审核意见（可不填）")
    department: StrictId | None = Field(default=None, description="派单：主办单位 id")


class BulkResultOut(BaseModel):
    id: int
    number: str
    ok: bool
    state: str
    error: str


class BulkOut(BaseModel):
    done: int
    refused: int
    results: list[BulkResultOut]


@router.post(
    "/tickets/bulk-actions/{action}",
    response=BulkOut,
    summary="批量操作（催办 remind、派单 dispatch、审核通过 accept_reply）：逐张校验、逐张记入台账",
)
def bulk_action(
    request: HttpRequest, action: Literal["remind", "dispatch", "accept_reply"], payload: BulkIn
) -> dict[str, Any]:
    data: dict[str, Any] = {"note": payload.note} if payload.note.strip() else {}
    if action == "dispatch":
        data["department"] = payload.department
    results = ticket_bulk_act(
        user=user_of(request), action=action, ticket_ids=list(payload.tickets), data=data
    )
    return {
        "done": sum(r.ok for r in results),
        "refused": sum(not r.ok for r in results),
        "results": [
            {"id": r.ticket_id, "number": r.number, "ok": r.ok, "state": r.state, "error": r.error}
            for r in results
        ],
    }


class PhoneOut(BaseModel):
    contact_phone: str


@router.post(
    "/tickets/{ticket_id}/phone/reveal",
    response=PhoneOut,
    summary="显示号码：工单联系人的完整电话（专席、主办单位、承办专员；记入台账）",
)
def reveal_phone(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    return {"contact_phone": ticket_phone_reveal(user=user_of(request), ticket_id=ticket_id)}


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
