"""Filing an appeal: by an enterprise online (→ submitted) or by desk staff (→ registered)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core import clock, idempotency
from qitong.core.errors import Forbidden, ValidationFailed
from qitong.core.prepared import prepared
from qitong.core.uploads import CheckedFile, check_uploads
from qitong.core.workdays import LOCAL_TZ, WorkingHours, load_calendar
from qitong.directory.models import Desk
from qitong.enterprises.models import Enterprise
from qitong.enterprises.selectors import enterprises_visible_to
from qitong.enterprises.validators import normalize_phone
from qitong.ledger.services import ledger_record
from qitong.notifications.services import notify
from qitong.tickets.deadlines import Due, compute_due, load_policies
from qitong.tickets.models import Category, Ticket, TicketCounter
from qitong.tickets.rollup import contribution, rollup_apply
from qitong.tickets.search import ticket_words
from qitong.tickets.selectors import active_category
from qitong.tickets.services.attachments import store_attachments
from qitong.tickets.states import (
    Channel,
    Milestone,
    ProblemCategory,
    TicketState,
    TicketType,
    Urgency,
)
from qitong.tickets.transitions import TICKET

MAX_CONTENT = 5000
SUBJECT = TICKET.name


@dataclass
class TicketInput:
    type: str
    category: str
    urgency: str
    channel: str
    content: str
    credit_code: str = ""
    contact_phone: str = ""
    contact_name: str = ""
    title: str = ""
    confidential: bool | None = None
    problem_category: str = ""


def _validate(data: TicketInput, user: User) -> tuple[Enterprise, Category, str]:
    errors: dict[str, str] = {}
    if data.type not in TicketType.values:
        errors["type"] = "诉求类型无效，应为：" + "、".join(TicketType.values)
    if data.urgency not in Urgency.values:
        errors["urgency"] = "紧急程度应为 normal 或 urgent"
    if data.channel not in Channel.values:
        errors["channel"] = "来源渠道无效，应为：" + "、".join(Channel.values)
    category = active_category(data.category)
    if category is None:
        errors["category"] = f"未知的诉求分类：{data.category or '（空）'}"
    content = data.content.strip()
    if not content:
        errors["content"] = "请填写诉求内容"
    elif len(content) > MAX_CONTENT:
        errors["content"] = f"诉求内容最多 {MAX_CONTENT} 字（当前 {len(content)} 字）"
    if len(data.title) > 200:
        errors["title"] = "标题最多 200 字"
    if len(data.contact_name.strip()) > 50:
        errors["contact_name"] = "联系人姓名最多 50 字"
    if (
        data.type == TicketType.PROBLEM_REPORT
        and data.problem_category not in ProblemCategory.values
    ):
        errors["problem_category"] = "反映问题须选择问题类别：" + "、".join(ProblemCategory.labels)
    phone = ""
    try:
        phone = normalize_phone(data.contact_phone).number
    except ValidationError as exc:
        errors["contact_phone"] = exc.messages[0]
    enterprise = _enterprise_for(data, user, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    assert enterprise is not None and category is not None
    return enterprise, category, phone


def _enterprise_for(data: TicketInput, user: User, errors: dict[str, str]) -> Enterprise | None:
    code = data.credit_code.strip().upper()
    if user.role == Role.ENTERPRISE:
        enterprise = user.enterprise
        if code and enterprise is not None and code != enterprise.credit_code:
            errors["credit_code"] = "企业用户只能为本企业提交诉求"
        return enterprise
    if not code:
        errors["credit_code"] = "请填写企业的统一社会信用代码"
        return None

    # The desk's hottest lookup, compiled once per actor (its scope is the actor's).
    enterprise = prepared(
        ("enterprise-by-credit-code", actor_of(user)),
        lambda: enterprises_visible_to(user),
        field="credit_code",
    ).get(code)
    if enterprise is None:
        errors["credit_code"] = "未找到该企业（或不在本专席辖区），请先登记企业"
    return enterprise


def _desk_for(enterprise: Enterprise) -> Desk | None:
    """The most local active desk whose region covers the enterprise's county."""
    code = enterprise.region.code
    candidates = [code, code[:4] + "00", code[:2] + "0000"]
    desks = {
        d.region.code: d
        for d in Desk.objects.filter(region__code__in=candidates, active=True)
        .select_related("region")
        .order_by("id")
    }
    return next((desks[c] for c in candidates if c in desks), None)


def _bump_counter(day: dt.date) -> int | None:
    """Today's next sequence number in ONE statement (UPDATE … RETURNING: PostgreSQL, and
    SQLite ≥ 3.35); None if today's row does not exist yet. The row stays locked until the
    ticket's transaction commits, so numbers are gap-free in commit order."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last",  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
            [connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _next_number() -> str:
    today = clock.now().astimezone(LOCAL_TZ).date()
    last = _bump_counter(today)
    if last is None:
        try:
            with transaction.atomic():
                TicketCounter.objects.create(day=today, last=1)
            last = 1
        except IntegrityError:  # another transaction created today's row first
            last = _bump_counter(today)
    assert last is not None
    return f"QT{today:%Y%m%d}{last:06d}"


def ticket_create(
    *,
    data: TicketInput,
    user: User,
    idempotency_key: str = "",
    files: list[File[Any]] | None = None,
) -> tuple[Ticket, bool]:
    """File an appeal. Returns (ticket, created); with an idempotency key already used by
    this user the earlier ticket is returned and nothing is written (created=False)."""
    if user.role != Role.ENTERPRISE and user.role not in DESK_ROLES:
        raise Forbidden("只有企业用户和专席工作人员可以提交诉求")
    key = idempotency.checked_key(idempotency_key)
    digest = request_digest(data, files or []) if key else ""
    if key and (existing := _replayed(user, key, digest)):
        return existing, False
    enterprise, category, phone = _validate(data, user)
    checked = check_uploads(list(files or []))
    try:
        with transaction.atomic():
            ticket = _insert(data, user, enterprise, category, phone, (key, digest), checked)
    except IntegrityError:
        existing = _replayed(user, key, digest) if key else None
        if existing is None:
            raise
        return existing, False
    return ticket, True


def request_digest(data: TicketInput, files: list[File[Any]]) -> str:
    return idempotency.request_digest(dataclasses.asdict(data), files)


def _replayed(user: User, key: str, digest: str) -> Ticket | None:
    """The ticket this user filed with `key`, if the request is the same one again; a
    different request under a used key is refused (its ticket would be silently lost)."""
    existing = Ticket.objects.filter(created_by=user, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.idempotency_digest and existing.idempotency_digest != digest:
        raise idempotency.mismatch("诉求")
    return existing


def _insert(
    data: TicketInput,
    user: User,
    enterprise: Enterprise,
    category: Category,
    phone: str,
    key: tuple[str, str],
    files: list[CheckedFile],
) -> Ticket:
    now = clock.now()
    online = user.role == Role.ENTERPRISE
    state = TicketState.SUBMITTED if online else TicketState.REGISTERED
    desk = user.desk if user.role in DESK_ROLES else _desk_for(enterprise)
    due = _first_deadline(data, online, desk, now)
    content = data.content.strip()
    confidential = (
        data.type == TicketType.PROBLEM_REPORT if data.confidential is None else data.confidential
    )
    ticket = Ticket.objects.create(
        number=_next_number(),
        type=data.type,
        category=category,
        problem_category=data.problem_category if data.type == TicketType.PROBLEM_REPORT else "",
        urgency=data.urgency,
        channel=data.channel,
        title=(data.title.strip() or content[:30]),
        content=content,
        confidential=confidential,
        enterprise=enterprise,
        contact_name=data.contact_name.strip(),
        contact_phone=phone,
        region_code=enterprise.region.code,
        desk=desk,
        state=state,
        milestone=due.milestone,
        due_at=due.due_at,
        warn_at=due.warn_at,
        due_register_at=due.due_at if online else None,
        due_dispatch_at=None if online else due.due_at,
        created_by=user,
        idempotency_key=key[0],
        idempotency_digest=key[1],
        search_words=ticket_words(data.title.strip() or content[:30], content),
        created_at=now,
        updated_at=now,
    )
    _record_creation(ticket, user, files)
    rollup_apply(None, contribution(ticket))
    return ticket


def _first_deadline(data: TicketInput, online: bool, desk: Desk | None, now: dt.datetime) -> Due:
    """Online submissions wait for the desk (受理); the desk's own registrations for dispatch."""
    return compute_due(
        start=now,
        ticket_type=data.type,
        urgency=data.urgency,
        milestone=Milestone.REGISTER if online else Milestone.DISPATCH,
        policies=load_policies(),
        calendar=load_calendar(),
        working=WorkingHours.from_config(desk.working_hours if desk else None),
    )


def _record_creation(ticket: Ticket, user: User, files: list[CheckedFile]) -> None:
    """The chain's first event (the content by its digest), and the enterprise told of a
    registration by the desk (an online submission is told when the desk accepts it)."""
    enterprise, category = ticket.enterprise, ticket.category
    ledger_record(
        subject_type=SUBJECT,
        subject_id=ticket.pk,
        action="create",
        new_subject=True,
        actor=user,
        to_state=ticket.state,
        at=ticket.created_at,
        payload={
            "number": ticket.number,
            "type": ticket.type,
            "category": category.code,
            "urgency": ticket.urgency,
            "channel": ticket.channel,
            "title": ticket.title,
            "credit_code": enterprise.credit_code,
            "confidential": ticket.confidential,
            "content_sha256": hashlib.sha256(ticket.content.encode()).hexdigest(),
            "attachments": store_attachments(ticket=ticket, files=files, user=user),
        },
    )
    if ticket.state == TicketState.REGISTERED:
        notify(
            kind="ticket_registered",
            subject=(SUBJECT, ticket.pk),
            phone=ticket.contact_phone,
            users=enterprise.users.filter(is_active=True),
            text=f"您的诉求已受理，工单号 {ticket.number}。",
        )
    actor_of(user)  # warm the cache for the caller's follow-up reads
