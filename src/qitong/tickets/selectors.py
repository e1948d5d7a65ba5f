"""Scoped reads of tickets (STYLE habit 4). Every page, API endpoint and job reads through
`tickets_visible_to`; a ticket outside it is a 404, the same as a missing one."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

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
        # The lead department's tickets are spelled out (not only via Assignment) so the
        # inbox, which filters on the lead, is a plain indexed subset of this scope.
        mine = Assignment.objects.filter(ticket=OuterRef("pk"), department_id=actor.department_id)
        return qs.filter(Q(lead_department_id=actor.department_id) | Q(Exists(mine)))
    if actor.role == Role.SPECIALIST:
        return qs.filter(specialist_id=actor.specialist_id) if actor.specialist_id else qs.none()
    return qs.none()


def tickets_led_by(actor: Actor) -> QuerySet[Ticket]:
    """The lead branch of a department actor's scope in `tickets_visible_to`, as a plain
    filter the (lead_department, state, …) indexes serve: the department inbox and the API
    list filtered on the actor's own department read through it."""
    if actor.role not in DEPARTMENT_ROLES or actor.department_id is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(lead_department_id=actor.department_id)


def tickets_assisted_by(actor: Actor, *, awaiting_opinion: bool = False) -> QuerySet[Ticket]:
    """Tickets the actor's department currently assists (an active 协办 assignment; with
    `awaiting_opinion`, only those it has not given its opinion on): within
    `tickets_visible_to` by its Assignment branch."""
    if actor.role not in DEPARTMENT_ROLES or actor.department_id is None:
        return Ticket.objects.none()
    mine = Assignment.objects.filter(
        ticket=OuterRef("pk"),
        department_id=actor.department_id,
        role=Assignment.Role.ASSISTING,
        active=True,
    )
    if awaiting_opinion:
        mine = mine.filter(replied_at__isnull=True)
    return Ticket.objects.filter(Exists(mine))


def ticket_or_none(actor: Actor, pk: int) -> Ticket | None:
    """The ticket with what its page shows, or None outside the actor's scope."""
    return (
        tickets_visible_to(actor)
        .select_related("enterprise", "category", "lead_department", "desk", "specialist")
        .filter(pk=pk)
        .first()
    )


def ticket_get(*, actor: Actor, pk: int) -> Ticket:
    ticket = ticket_or_none(actor, pk)
    if ticket is None:
        raise NotFound()
    return ticket
