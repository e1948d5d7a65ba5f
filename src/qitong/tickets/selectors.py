"""Scoped reads of tickets (STYLE habit 4). Every page, API endpoint and job reads through
`tickets_visible_to`; a ticket outside it is a 404, the same as a missing one."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, GLOBAL_ROLES, Role
from qitong.core.errors import NotFound
from qitong.tickets.models import Assignment, Ticket


def tickets_visible_to(actor: Actor) -> QuerySet[Ticket]:
    qs = Ticket.objects.all()
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return qs
    if actor.role == Role.ENTERPRISE:
        return qs.filter(enterprise_id=actor.enterprise_id) if actor.enterprise_id else qs.none()
    if actor.role in DESK_ROLES or actor.role == Role.SUPERVISOR:
        if actor.region_prefix is None:
            return qs.none()
        return qs.filter(region_code__startswith=actor.region_prefix)
    if actor.role in DEPARTMENT_ROLES:
        if actor.department_id is None:
            return qs.none()
        mine = Assignment.objects.filter(ticket=OuterRef("pk"), department_id=actor.department_id)
        return qs.filter(Exists(mine))
    if actor.role == Role.SPECIALIST:
        return qs.filter(specialist_id=actor.specialist_id) if actor.specialist_id else qs.none()
    return qs.none()


def ticket_get(*, actor: Actor, pk: int) -> Ticket:
    try:
        return (
            tickets_visible_to(actor)
            .select_related("enterprise", "category", "lead_department", "desk", "specialist")
            .get(pk=pk)
        )
    except Ticket.DoesNotExist:
        raise NotFound() from None
