"""The ticket queues behind the role home pages: the desk's work, the department inbox tabs,
the specialist's consultations, an enterprise's appeals.

Every queue reads through `tickets_visible_to`, so it never lists a ticket its reader could not
open; each page of a queue is ONE query (its rows and, by a window count, its total), so a
page costs the same whatever the number of tickets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Window

from qitong.accounts.actor import Actor
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.tickets.models import Ticket
from qitong.tickets.presenters import hides_identity, warning
from qitong.tickets.selectors import (
    overdue,
    tickets_assisted_by,
    tickets_led_by,
    tickets_visible_to,
)
from qitong.tickets.states import (
    CLOCK_RUNNING_STATES,
    DEPARTMENT_STATES,
    DESK_REQUESTS,
    RequestKind,
    TicketState,
)


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    enterprise: str  # "" when the reader may not see who complained (confidential)
    hidden: bool
    warning: str  # green / yellow / red, as presenters.warning


@dataclass(frozen=True)
class QueueDef:
    key: str
    title: str
    empty: str
    condition: Callable[[dt.datetime], Q]


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    empty: str
    rows: list[QueueRow]
    total: int


HELD = [TicketState.DISPATCHED, TicketState.IN_PROGRESS]
REMINDED = Q(reminded_for=F("milestone")) & ~Q(milestone="")


def _warning(now: dt.datetime) -> Q:
    """Yellow or red (presenters.warning): inside the warning window, reminded, or overdue."""
    return Q(state__in=CLOCK_RUNNING_STATES, due_at__isnull=False) & (
        Q(warn_at__lte=now) | overdue(now) | REMINDED
    )


DESK_QUEUES = [
    QueueDef(
        "submitted",
        "待受理的网上诉求",
        "暂无待受理诉求",
        lambda now: Q(state=TicketState.SUBMITTED),
    ),
    QueueDef("registered", "待派单", "暂无待派单工单", lambda now: Q(state=TicketState.REGISTERED)),
    QueueDef("warning", "即将到期 / 已超期", "暂无预警工单", _warning),
    QueueDef(
        "callback",
        "待回访",
        "暂无待回访工单",
        lambda now: Q(state=TicketState.AWAITING_CALLBACK, callback_dissatisfied=False),
    ),
]
DESK_LEAD_QUEUES = [
    QueueDef(
        "requests",
        "待审批的退单与延期申请",
        "暂无待审批申请",
        lambda now: Q(state__in=[*HELD, TicketState.SUSPENDED], pending_request__in=DESK_REQUESTS),
    ),
    QueueDef(
        "replied", "待审核的办理结果", "暂无待审核答复", lambda now: Q(state=TicketState.REPLIED)
    ),
    QueueDef(
        "dissatisfied",
        "回访不满意",
        "暂无回访不满意工单",
        lambda now: Q(state=TicketState.AWAITING_CALLBACK, callback_dissatisfied=True),
    ),
]

# Department inbox tabs. 退回给我: a ticket sent back by the desk lead or redone after a
# dissatisfied callback is in progress again with its redo counter raised.
DEPARTMENT_TABS = [
    QueueDef("dispatched", "待签收", "暂无待签收工单", lambda now: Q(state=TicketState.DISPATCHED)),
    QueueDef(
        "in_progress",
        "办理中",
        "暂无办理中工单",
        lambda now: Q(state__in=[TicketState.IN_PROGRESS, TicketState.SUSPENDED]),
    ),
    QueueDef(
        "due_soon",
        "即将到期",
        "暂无即将到期工单",
        lambda now: Q(state__in=HELD, due_at__gte=now) & (Q(warn_at__lte=now) | REMINDED),
    ),
    QueueDef("overdue", "已超期", "暂无已超期工单", lambda now: Q(state__in=HELD) & overdue(now)),
    QueueDef(
        "returned",
        "退回给我",
        "暂无退回给您的工单",
        lambda now: Q(state=TicketState.IN_PROGRESS, redo_count__gt=0),
    ),
    QueueDef(
        "signoff",
        "待审签",
        "暂无待部门领导审签的答复",
        lambda now: Q(state=TicketState.IN_PROGRESS, pending_request=RequestKind.SIGNOFF),
    ),
]
# Tickets other departments lead and this one assists (协办): its opinion is still awaited.
ASSISTING_TAB = QueueDef(
    "assisting",
    "协办",
    "暂无需要本单位反馈协办意见的工单",
    lambda now: Q(state__in=sorted(DEPARTMENT_STATES)),
)

SPECIALIST_OFFERS = QueueDef(
    "offers",
    "待接受的咨询邀请",
    "暂无待接受的邀请",
    lambda now: Q(state=TicketState.WITH_SPECIALIST, specialist_accepted=False),
)
SPECIALIST_QUEUE = QueueDef(
    "with_specialist",
    "我正在答复的咨询",
    "暂无正在答复的咨询",
    lambda now: Q(state=TicketState.WITH_SPECIALIST, specialist_accepted=True),
)

BY_DEADLINE = (F("due_at").asc(nulls_last=True), "pk")


def desk_queue_defs(role: str) -> list[QueueDef]:
    return DESK_QUEUES + (DESK_LEAD_QUEUES if role == Role.DESK_LEAD else [])


def queue_rows(tickets: Sequence[Ticket], actor: Actor) -> list[QueueRow]:
    """Tickets as queue rows for `actor` (confidential ones without the enterprise), for any
    list shown with tickets/_queue_table.html."""
    return _rows(tickets, actor, clock.now())


def _rows(tickets: Sequence[Ticket], actor: Actor, now: dt.datetime) -> list[QueueRow]:
    rows = []
    for ticket in tickets:
        hidden = hides_identity(ticket, actor)
        rows.append(
            QueueRow(
                ticket=ticket,
                enterprise="" if hidden else ticket.enterprise.name,
                hidden=hidden,
                warning=warning(ticket, now),
            )
        )
    return rows


def queue_page(
    *,
    actor: Actor,
    queue: QueueDef,
    limit: int,
    offset: int = 0,
    base: QuerySet[Ticket] | None = None,
) -> Queue:
    """One page of a queue, soonest deadline first, with the queue's total: ONE query (the
    total is a window count computed before LIMIT, so an empty page still knows it)."""
    now = clock.now()
    qs = (base if base is not None else tickets_visible_to(actor)).filter(queue.condition(now))
    tickets = list(
        qs.select_related("enterprise")
        .annotate(queue_total=Window(Count("pk")))
        .order_by(*BY_DEADLINE)[offset : offset + limit]
    )
    total = tickets[0].queue_total if tickets else (qs.count() if offset else 0)  # type: ignore[attr-defined]
    return Queue(queue.key, queue.title, queue.empty, _rows(tickets, actor, now), total)


def desk_queues(*, actor: Actor, limit: int = 8) -> list[Queue]:
    """The desk's open work in its jurisdiction; desk leads also get their decisions."""
    return [queue_page(actor=actor, queue=q, limit=limit) for q in desk_queue_defs(actor.role)]


def _assisting_base(actor: Actor) -> QuerySet[Ticket]:
    """Tickets this department assists whose opinion it has not given yet."""
    return tickets_assisted_by(actor, awaiting_opinion=True)


def department_tab_counts(*, actor: Actor) -> dict[str, int]:
    """Every lead tab's count in ONE aggregate over the department's own open tickets, and
    the assisting tab's."""
    now = clock.now()
    base = tickets_led_by(actor).filter(state__in=sorted(DEPARTMENT_STATES))
    counts = base.aggregate(
        **{t.key: Count("pk", filter=t.condition(now)) for t in DEPARTMENT_TABS}
    )
    counts[ASSISTING_TAB.key] = _assisting_base(actor).filter(ASSISTING_TAB.condition(now)).count()
    return {key: int(value or 0) for key, value in counts.items()}


def department_tab_defs() -> list[QueueDef]:
    return [*DEPARTMENT_TABS, ASSISTING_TAB]


def department_tab(*, actor: Actor, key: str, limit: int, offset: int = 0) -> Queue:
    if key == ASSISTING_TAB.key:
        return queue_page(
            actor=actor,
            queue=ASSISTING_TAB,
            limit=limit,
            offset=offset,
            base=_assisting_base(actor),
        )
    tab = next(t for t in DEPARTMENT_TABS if t.key == key)
    return queue_page(
        actor=actor, queue=tab, limit=limit, offset=offset, base=tickets_led_by(actor)
    )


def specialist_queue(*, actor: Actor, limit: int = 50) -> Queue:
    return queue_page(actor=actor, queue=SPECIALIST_QUEUE, limit=limit)


def specialist_offers(*, actor: Actor, limit: int = 50) -> Queue:
    return queue_page(actor=actor, queue=SPECIALIST_OFFERS, limit=limit)


def enterprise_tickets(
    *, actor: Actor, limit: int, offset: int = 0
) -> tuple[Sequence[Ticket], int]:
    """An enterprise's own appeals, newest first, with the total (one query)."""
    qs = tickets_visible_to(actor)
    tickets = list(
        qs.annotate(queue_total=Window(Count("pk"))).order_by("-created_at", "-pk")[
            offset : offset + limit
        ]
    )
    total = tickets[0].queue_total if tickets else (qs.count() if offset else 0)  # type: ignore[attr-defined]
    return tickets, total
