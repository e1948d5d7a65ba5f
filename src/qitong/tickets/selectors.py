"""Scoped reads of tickets (STYLE habit 4). Every page, API endpoint and job reads through
`tickets_visible_to`; a ticket outside it is a 404, the same as a missing one."""

from __future__ import annotations

import copy
import datetime as dt

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, GLOBAL_ROLES, Role
from qitong.core.errors import NotFound
from qitong.core.refcache import ReferenceCache
from qitong.routing.engine import RouteRequest
from qitong.tickets.models import Assignment, Category, Offer, Ticket
from qitong.tickets.states import CLOCK_RUNNING_STATES, TicketState


def _read_active_categories() -> dict[str, Category]:
    return {c.code: c for c in Category.objects.filter(active=True)}


# Intake checks the category here (core.refcache; dropped by a Category save, tickets.apps).
CATEGORY_CACHE = ReferenceCache(_read_active_categories)


def active_category(code: str) -> Category | None:
    """The active category with this code (a copy: the new ticket holds it)."""
    found = CATEGORY_CACHE.get().get(code)
    return copy.copy(found) if found is not None else None


def overdue(now: dt.datetime) -> Q:
    """Past the current milestone's deadline with the clock running: the API's `overdue`
    filter, the desk's red queues and the sweep's escalations all mean this."""
    return Q(state__in=CLOCK_RUNNING_STATES, due_at__lt=now)


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
        # inbox, which filters on the lead, is a plain indexed subset of this scope. Scope
        # follows the current division of work: a department whose part ended (改派 to
        # another, a return approved, a new dispatch) no longer reads the ticket, nor what
        # the department after it writes (docs/guide.md "数据范围").
        mine = Assignment.objects.filter(
            ticket=OuterRef("pk"), department_id=actor.department_id, active=True
        )
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


# What `tickets_visible_to` reads of a ticket for each kind of actor (assignments only ever
# add to a department's scope; global roles and the system see everything).
_REGION = frozenset({"region_code"})
SCOPE_FIELDS: dict[str, frozenset[str]] = {
    Role.ENTERPRISE: frozenset({"enterprise", "enterprise_id"}),
    Role.OPERATOR: _REGION,
    Role.DESK_LEAD: _REGION,
    Role.SUPERVISOR: _REGION,
    Role.HANDLER: frozenset({"lead_department", "lead_department_id"}),
    Role.DEPT_LEADER: frozenset({"lead_department", "lead_department_id"}),
    Role.SPECIALIST: frozenset({"specialist", "specialist_id"}),
}


def still_visible(ticket: Ticket, actor: Actor, changed: frozenset[str]) -> bool:
    """After an action by `actor`: may it still see the ticket? (One query only when the
    action changed what the actor's scope reads — a declined offer leaves the specialist's.)"""
    if not changed & SCOPE_FIELDS.get(actor.role, frozenset()):
        return True
    return tickets_visible_to(actor).filter(pk=ticket.pk).exists()


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


class SpecialistWorkload:
    """The specialists' workload as routing weighs it, read from the tickets (routing.engine
    .Workload)."""

    def load(self, specialist_ids: list[int]) -> dict[int, int]:
        rows = (
            Ticket.objects.filter(
                specialist_id__in=specialist_ids, state=TicketState.WITH_SPECIALIST
            )
            .values("specialist_id")
            .annotate(n=Count("pk"))
        )
        return {r["specialist_id"]: r["n"] for r in rows}

    def rating(self, specialist_ids: list[int]) -> dict[int, float]:
        rows = (
            Ticket.objects.filter(specialist_id__in=specialist_ids, satisfaction__isnull=False)
            .values("specialist_id")
            .annotate(avg=Avg("satisfaction"))
        )
        return {r["specialist_id"]: float(r["avg"]) for r in rows}


WORKLOAD = SpecialistWorkload()


def route_request(ticket: Ticket) -> RouteRequest:
    """The consultation as routing sees it; specialists offered it since it was last
    referred are not asked again (offers before it came back to the desk do not count)."""
    offers = Offer.objects.filter(ticket=ticket)
    if ticket.routed_at is not None:
        offers = offers.filter(offered_at__gte=ticket.routed_at)
    return RouteRequest(
        enterprise_id=ticket.enterprise_id,
        region_code=ticket.region_code,
        domain=ticket.route_domain,
        language=ticket.route_language,
        tried=frozenset(offers.values_list("specialist_id", flat=True)),
    )
