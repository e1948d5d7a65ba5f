"""Choosing the specialist to offer a consultation to (called inside the ticket's
transaction by tickets.services.consulting).

Steps come from `RoutingStep` in order; within a step the candidates are the specialists who
are active, on duty, below their capacity (consultations held or offered), speak the asked
language, and have not been offered this request before; the least loaded wins, then the
best rated (mean callback satisfaction of their answered consultations), then the lowest id.
When a step has nobody left, the next step is tried; the DESK step (or running out of
steps) gives the request back to the desk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, QuerySet

from qitong.core import clock
from qitong.core.workdays import WorkCalendar, WorkingHours, load_calendar
from qitong.directory.models import Specialist
from qitong.routing.defaults import DEFAULT_STEPS
from qitong.routing.models import Offer, Pairing, RoutingStep, StepKind
from qitong.tickets.models import Ticket
from qitong.tickets.states import TicketState

CHOSEN = "chosen"  # the operator named the specialist
DEFAULT_TIMEOUT = dt.timedelta(minutes=30)
# Top-level appeal categories → the policy domain a consultation about them is routed by.
CATEGORY_DOMAINS = {
    "market": "market_access",
    "tax": "tax",
    "finance": "finance",
    "land": "land",
    "construction": "construction_approval",
    "labour": "labour",
    "utilities": "energy",
    "policy": "enterprise_support",
    "payments": "enterprise_support",
    "enforcement": "enterprise_support",
    "trade": "foreign_trade",
    "ip": "intellectual_property",
    "government_service": "market_access",
}


@dataclass(frozen=True)
class Choice:
    specialist: Specialist
    step: str
    timeout: dt.timedelta


def domain_for(ticket: Ticket) -> str:
    top = ticket.category.code.split(".")[0] if ticket.category_id else ""
    return CATEGORY_DOMAINS.get(top, "")


def steps() -> list[RoutingStep]:
    """The active steps in order; the shipped defaults when the table is empty."""
    rows = list(RoutingStep.objects.order_by("position"))
    if not rows:
        rows = [RoutingStep(position=p, kind=k, timeout_minutes=m) for p, k, m in DEFAULT_STEPS]
    return [s for s in rows if s.active]


def timeout_for(step: str) -> dt.timedelta:
    """An offer's waiting time: its step's, or the first step's for an operator's choice."""
    rows = steps()
    row = next((s for s in rows if s.kind == step), rows[0] if rows else None)
    return dt.timedelta(minutes=row.timeout_minutes) if row else DEFAULT_TIMEOUT


def load_of(specialist_ids: list[int]) -> dict[int, int]:
    """Consultations each specialist holds or has been offered and not yet answered."""
    rows = (
        Ticket.objects.filter(specialist_id__in=specialist_ids, state=TicketState.WITH_SPECIALIST)
        .values("specialist_id")
        .annotate(n=Count("pk"))
    )
    return {r["specialist_id"]: r["n"] for r in rows}


def rating_of(specialist_ids: list[int]) -> dict[int, float]:
    rows = (
        Ticket.objects.filter(specialist_id__in=specialist_ids, satisfaction__isnull=False)
        .values("specialist_id")
        .annotate(avg=Avg("satisfaction"))
    )
    return {r["specialist_id"]: float(r["avg"]) for r in rows}


def on_duty_now(specialist: Specialist, now: dt.datetime, calendar: WorkCalendar) -> bool:
    """On duty, and inside the duty schedule when one is set (working days only)."""
    if not specialist.on_duty:
        return False
    if not specialist.duty_hours:
        return True
    try:
        return WorkingHours.from_config(specialist.duty_hours).covers(now, calendar)
    except ValueError:  # a schedule the admin form would refuse: do not hide them
        return True


def available(
    qs: QuerySet[Specialist], *, language: str, exclude: set[int]
) -> list[tuple[Specialist, int]]:
    """The specialists who may take one more request now, each with their load."""
    now, calendar = clock.now(), load_calendar()
    rows = [
        s
        for s in qs.filter(active=True, on_duty=True).exclude(pk__in=exclude)
        if (not language or language in (s.languages or [])) and on_duty_now(s, now, calendar)
    ]
    load = load_of([s.pk for s in rows])
    return [(s, load.get(s.pk, 0)) for s in rows if load.get(s.pk, 0) < s.capacity]


def best(candidates: list[tuple[Specialist, int]]) -> Specialist | None:
    """The least loaded, then the best rated, then the lowest id."""
    if not candidates:
        return None
    rating = rating_of([s.pk for s, _ in candidates])
    chosen, _ = min(candidates, key=lambda c: (c[1], -rating.get(c[0].pk, 0.0), c[0].pk))
    return chosen


def candidates_for(kind: str, ticket: Ticket, *, exclude: set[int]) -> list[tuple[Specialist, int]]:
    language = ticket.route_language
    if kind == StepKind.PAIRED:
        pairing = Pairing.objects.filter(enterprise_id=ticket.enterprise_id, active=True).first()
        if pairing is None:
            return []
        qs = Specialist.objects.filter(pk=pairing.specialist_id)
    elif kind in (StepKind.DOMAIN_CITY, StepKind.DOMAIN_REGION):
        if not ticket.route_domain:
            return []
        qs = Specialist.objects.filter(domains__code=ticket.route_domain).distinct()
        if kind == StepKind.DOMAIN_CITY:
            qs = qs.filter(region__code__startswith=ticket.region_code[:4])
    else:
        return []
    return available(qs, language=language, exclude=exclude)


def tried(ticket: Ticket) -> set[int]:
    """Specialists this request was already offered to since it was last referred (offers
    of an earlier referral, before it came back to the desk, do not count)."""
    offers = Offer.objects.filter(ticket=ticket)
    if ticket.routed_at is not None:
        offers = offers.filter(offered_at__gte=ticket.routed_at)
    return set(offers.values_list("specialist_id", flat=True))


def choose(ticket: Ticket, *, after: str | None = None) -> Choice | None:
    """The next specialist to offer `ticket` to, starting with the step `after` (a step kind,
    or CHOSEN for the operator's own choice: the whole sequence), or None: back to the desk."""
    exclude = tried(ticket)
    sequence = steps()
    kinds = [s.kind for s in sequence]
    start = 0 if after in (None, CHOSEN) or after not in kinds else kinds.index(after)
    for step in sequence[start:]:
        if step.kind == StepKind.DESK:
            return None
        specialist = best(candidates_for(step.kind, ticket, exclude=exclude))
        if specialist is not None:
            return Choice(specialist, step.kind, dt.timedelta(minutes=step.timeout_minutes))
    return None
