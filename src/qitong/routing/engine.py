"""Choosing the specialist to offer a consultation to: a pure choice over a plain request
(`RouteRequest`) and the specialists' current workload (`Workload`, which the caller reads from
its own records: tickets.services.consulting gives both from the ticket and its offers).
Routing knows no ticket.

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
from typing import Protocol

from django.db.models import QuerySet

from qitong.core import clock
from qitong.core.workdays import WorkCalendar, WorkingHours, load_calendar
from qitong.directory.models import Specialist
from qitong.routing.defaults import DEFAULT_STEPS
from qitong.routing.models import Pairing, RoutingStep, StepKind

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


@dataclass(frozen=True)
class RouteRequest:
    """What routing needs to know of a consultation."""

    enterprise_id: int | None
    region_code: str
    domain: str = ""
    language: str = ""
    # Specialists already offered this request since it was last referred.
    tried: frozenset[int] = frozenset()


class Workload(Protocol):
    def load(self, specialist_ids: list[int]) -> dict[int, int]:
        """Consultations each specialist holds or has been offered and not yet answered."""
        ...

    def rating(self, specialist_ids: list[int]) -> dict[int, float]:
        """Mean callback satisfaction of each specialist's answered consultations."""
        ...


def domain_for(category_code: str) -> str:
    """The policy domain a consultation about this appeal category is routed by."""
    return CATEGORY_DOMAINS.get(category_code.split(".")[0] if category_code else "", "")


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
    qs: QuerySet[Specialist], *, language: str, exclude: frozenset[int], workload: Workload
) -> list[tuple[Specialist, int]]:
    """The specialists who may take one more request now, each with their load."""
    now, calendar = clock.now(), load_calendar()
    rows = [
        s
        for s in qs.filter(active=True, on_duty=True).exclude(pk__in=exclude)
        if (not language or language in (s.languages or [])) and on_duty_now(s, now, calendar)
    ]
    load = workload.load([s.pk for s in rows])
    return [(s, load.get(s.pk, 0)) for s in rows if load.get(s.pk, 0) < s.capacity]


def best(candidates: list[tuple[Specialist, int]], workload: Workload) -> Specialist | None:
    """The least loaded, then the best rated, then the lowest id."""
    if not candidates:
        return None
    rating = workload.rating([s.pk for s, _ in candidates])
    chosen, _ = min(candidates, key=lambda c: (c[1], -rating.get(c[0].pk, 0.0), c[0].pk))
    return chosen


def candidates_for(
    kind: str, request: RouteRequest, workload: Workload
) -> list[tuple[Specialist, int]]:
    if kind == StepKind.PAIRED:
        if request.enterprise_id is None:
            return []
        pairing = Pairing.objects.filter(enterprise_id=request.enterprise_id, active=True).first()
        if pairing is None:
            return []
        qs = Specialist.objects.filter(pk=pairing.specialist_id)
    elif kind in (StepKind.DOMAIN_CITY, StepKind.DOMAIN_REGION):
        if not request.domain:
            return []
        qs = Specialist.objects.filter(domains__code=request.domain).distinct()
        if kind == StepKind.DOMAIN_CITY:
            qs = qs.filter(region__code__startswith=request.region_code[:4])
    else:
        return []
    return available(qs, language=request.language, exclude=request.tried, workload=workload)


def choose(request: RouteRequest, *, workload: Workload, after: str | None = None) -> Choice | None:
    """The next specialist to offer the request to, starting with the step `after` (a step
    kind, or CHOSEN for the operator's own choice: the whole sequence), or None: back to the
    desk."""
    sequence = steps()
    kinds = [s.kind for s in sequence]
    start = 0 if after in (None, CHOSEN) or after not in kinds else kinds.index(after)
    for step in sequence[start:]:
        if step.kind == StepKind.DESK:
            return None
        specialist = best(candidates_for(step.kind, request, workload), workload)
        if specialist is not None:
            return Choice(specialist, step.kind, dt.timedelta(minutes=step.timeout_minutes))
    return None
